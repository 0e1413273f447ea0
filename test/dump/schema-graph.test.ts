/**
 * The schema side's object graph (src/dump/schema/model.ts, context.ts, sort.ts) is alive for every object of the
 * database until the sort is done, so its per-object records are compact: a dependency list without an array for a
 * single id, a single tie breaker without its array, catalog keys stored inline. These tests pin the behaviour the
 * compact forms must keep (order of dependencies, sort order, lookups) and that the compact forms are used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { ledgerKey } from '../../src/dump/guard/index.js';
import { Ctx } from '../../src/dump/schema/context.js';
import { CLASS, DepSet, type DumpObject } from '../../src/dump/schema/model.js';
import { Quoter } from '../../src/dump/schema/quote.js';
import { compareObjects, compareUtf8, sortDumpObjects } from '../../src/dump/schema/sort.js';
import { prng as rng } from '../helpers/prng.js';

function ctx(): Ctx {
  return new Ctx(null as unknown as pg.Client, new Quoter([]), 150000, { noOwner: false, noPrivileges: false, clean: true, lockWaitTimeoutMs: 0 }, {});
}

describe('DepSet', () => {
  it('behaves like an insertion-ordered set through adds and deletes (first id, array, then Set beyond 16)', () => {
    const random = rng(7);
    for (let round = 0; round < 300; round++) {
      const d = new DepSet();
      const model: number[] = [];
      for (let op = 0; op < 60; op++) {
        const id = 1 + Math.floor(random() * 24);
        if (random() < 0.7) {
          d.add(id);
          if (!model.includes(id)) model.push(id);
        } else {
          assert.equal(d.delete(id), model.includes(id), `delete ${id}`);
          const i = model.indexOf(id);
          if (i >= 0) model.splice(i, 1);
        }
        // The order matters: the sort walks the edges in it, and a loop repair depends on which loop it finds first.
        assert.deepEqual([...d], model, `round ${round}, op ${op}`);
        assert.equal(d.size, model.length);
        for (let k = 1; k <= 24; k++) assert.equal(d.has(k), model.includes(k));
      }
    }
  });

  it('walks a snapshot: changes during the walk do not change it', () => {
    const d = new DepSet().add(1).add(2).add(3);
    const seen: number[] = [];
    for (const id of d) { seen.push(id); d.delete(id); d.add(id + 10); }
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual([...d], [11, 12, 13]);
  });

  it('holds a single dependency without an array', () => {
    const d = new DepSet().add(5);
    const fields = d as unknown as { rest: number[]; set: unknown };
    assert.equal(fields.rest.length, 0, 'no array of its own for one id');
    assert.equal(fields.rest, (new DepSet() as unknown as { rest: number[] }).rest, 'the shared empty array');
    assert.equal(fields.set, null);
  });
});

describe('compareUtf8', () => {
  it('orders strings as their UTF-8 bytes (pg_dump\'s strcmp), surrogate pairs and lone surrogates included', () => {
    // Units that order differently as UTF-16 and as UTF-8 (U+E000–U+FFFF against characters beyond U+FFFF), lone
    // surrogates (encoded as U+FFFD), and the usual ASCII and Latin-1.
    const units = ['a', 'b', 'Z', '_', '0', 'é', 'ß', '\u00ff', '\u0800', '\ue000', '\uffff', '\ufffd', '\ud83d\ude00', '\ud800\udc00', '\udbff\udfff', '\ud800', '\udc00'];
    let seed = 7;
    const rnd = (k: number): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % k; };
    const word = (): string => Array.from({ length: rnd(5) }, () => units[rnd(units.length)]!).join('');
    const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
    for (let i = 0; i < 20000; i++) {
      const a = word();
      // Often a shared prefix, so the difference falls anywhere.
      const b = rnd(2) === 0 ? a.slice(0, rnd(a.length + 1)) + word() : word();
      assert.equal(sign(compareUtf8(a, b)), Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')), JSON.stringify([a, b]));
    }
  });
});

describe('Ctx objects', () => {
  it('keeps a single tie breaker without its array, and sorts as if it were one', () => {
    const c = ctx();
    const one = c.add({ type: 'constraint', classid: CLASS.pg_constraint, oid: 1, schema: 's', name: 'c', tie: ['t1'], section: 'post', emit: null });
    const none = c.add({ type: 'constraint', classid: CLASS.pg_constraint, oid: 2, schema: 's', name: 'c', section: 'post', emit: null });
    const two = c.add({ type: 'constraint', classid: CLASS.pg_constraint, oid: 3, schema: 's', name: 'c', tie: ['t1', 2], section: 'post', emit: null });
    const num = c.add({ type: 'attrdef', classid: CLASS.pg_attrdef, oid: 4, schema: 's', name: 't', tie: [10], section: 'pre', emit: null });
    const num2 = c.add({ type: 'attrdef', classid: CLASS.pg_attrdef, oid: 5, schema: 's', name: 't', tie: [9], section: 'pre', emit: null });
    assert.equal(one.tie, 't1');
    assert.equal(num.tie, 10);
    assert.deepEqual(two.tie, ['t1', 2]);
    assert.deepEqual(none.tie, []);
    // Fewer tie breakers first, then by value (numbers as numbers: 9 before 10), then by OID.
    const sorted = [two, one, none, num, num2].sort(compareObjects);
    assert.deepEqual(sorted.map((o) => o.oid), [5, 4, 2, 1, 3]);
    const other = c.add({ type: 'constraint', classid: CLASS.pg_constraint, oid: 0, schema: 's', name: 'c', tie: ['t0'], section: 'post', emit: null });
    assert.ok(compareObjects(other, one) < 0, "'t0' sorts before 't1'");
  });

  it('finds objects and their aliases by catalog and OID, including OIDs beyond 2^30', () => {
    const c = ctx();
    const big = 4_000_000_000;
    const t = c.add({ type: 'table', classid: CLASS.pg_class, oid: big, schema: 's', name: 't', section: 'pre', emit: () => [] });
    const f = c.add({ type: 'func', classid: CLASS.pg_proc, oid: big, schema: 's', name: 'f', section: 'pre', emit: null });
    c.alias(CLASS.pg_type, 77, t);
    c.alias(CLASS.pg_type, big + 1, t);
    assert.equal(c.find(CLASS.pg_class, big), t);
    assert.equal(c.find(CLASS.pg_proc, big), f);
    assert.equal(c.find(CLASS.pg_type, 77), t);
    assert.equal(c.find(CLASS.pg_type, big + 1), t);
    assert.equal(c.find(CLASS.pg_type, 78), undefined);
    assert.equal(c.find(CLASS.pg_namespace, big), undefined);
    // Rendering records the object and its aliases for the completeness guard (an inline object counts as written).
    const inline = c.add({ type: 'attrdef', classid: CLASS.pg_attrdef, oid: 9, schema: 's', name: 't', section: 'pre', emit: () => [], inline: true });
    c.alias(CLASS.pg_constraint, 10, inline);
    c.render(inline);
    assert.ok(c.ledger.has(ledgerKey(CLASS.pg_attrdef, 9)), 'the object');
    assert.ok(c.ledger.has(ledgerKey(CLASS.pg_constraint, 10)), 'its alias');
    assert.equal(c.ledger.size, 2);
  });

  it('sorts by dependencies and priority with the compact records', () => {
    const c = ctx();
    const a = c.add({ type: 'table', classid: CLASS.pg_class, oid: 1, schema: 's', name: 'a', section: 'pre', emit: null });
    const b = c.add({ type: 'table', classid: CLASS.pg_class, oid: 2, schema: 's', name: 'b', section: 'pre', emit: null });
    const i = c.add({ type: 'index', classid: CLASS.pg_class, oid: 3, schema: 's', name: 'a_idx', section: 'post', emit: null });
    a.deps.add(b.id);
    i.deps.add(a.id);
    const warnings: string[] = [];
    const order = sortDumpObjects(c.objects, () => null, warnings).map((o: DumpObject) => o.name);
    assert.deepEqual(order, ['b', 'a', 'a_idx']);
    c.sorted();
    assert.equal(c.objects.length, 0, 'the list of objects is let go once sorted');
    assert.equal(a.deps.size, 0);
    assert.throws(() => a.deps.add(b.id), TypeError, 'sorted objects share one frozen, empty dependency set');
  });
});
