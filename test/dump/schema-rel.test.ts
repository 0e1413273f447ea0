/**
 * The schema side's relation record (src/dump/schema/rel-record.ts) shares one frozen record of the fields most
 * relations leave at their default: a write must copy it first (never change another relation), and every field must
 * read back what was written.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelRecord } from '../../src/dump/schema/rel-record.js';
import type { RelRow } from '../../src/dump/schema/relations.js';
import type { DumpObject } from '../../src/dump/schema/model.js';

function row(extra: Partial<RelRow> = {}): RelRow {
  return {
    oid: 16384, relname: 't', nspname: 'app', nspoid: 2200, relkind: 'r', persistence: 'p', owner: 'postgres', acl: null,
    base: ['postgres=arwdDxtm/postgres'], reloptions: [], toastopts: null, checkoption: null, ispartition: false, partbound: null,
    partkey: null, oftype: null, rowsec: false, forcerowsec: false, replident: 'd', amname: 'heap', spcname: null, populated: true,
    partam: null, reltype: 16386, srvname: null, ftoptions: '', owned: undefined, ...extra,
  };
}

const make = (r: RelRow): RelRecord => new RelRecord(r, `${r.nspname}.${r.relname}`, [], [], []);

describe('RelRecord', () => {
  it('reads back the catalog row, and keeps the rarely set fields out of the record when they are at their default', () => {
    const plain = make(row());
    assert.equal(plain.sharesDefaults, true);
    for (const f of ['checkoption', 'ispartition', 'partbound', 'rowsec', 'spcname', 'ftoptions', 'dummyView', 'viewdef', 'loadVia', 'refreshObj']) {
      assert.ok(!Object.hasOwn(plain, f), `${f} is not an own field`);
    }
    const r = row({ checkoption: 'LOCAL', toastopts: ['fillfactor=50'], ispartition: true, partbound: 'DEFAULT', partkey: 'RANGE (a)', oftype: 'ty',
      rowsec: true, forcerowsec: true, spcname: 'fast', partam: 'heap2', srvname: 'srv', ftoptions: "a 'b'" });
    const rel = make(r);
    assert.equal(rel.sharesDefaults, false);
    for (const f of ['checkoption', 'toastopts', 'ispartition', 'partbound', 'partkey', 'oftype', 'rowsec', 'forcerowsec', 'spcname', 'partam', 'srvname', 'ftoptions', 'oid', 'relname', 'amname', 'base'] as const) {
      assert.deepEqual(rel[f], r[f], f);
    }
    assert.equal(make(row({ ftoptions: null })).sharesDefaults, false, 'a null where the default is empty is its own');
  });

  it('copies the shared record on the first write, so no other relation changes', () => {
    const a = make(row());
    const b = make(row({ relname: 'u' }));
    const rule = { id: 7 } as DumpObject;
    a.dummyView = true;
    a.ruleObj = rule;
    a.viewdef = ' SELECT 1';
    a.loadVia = 'app.root';
    assert.equal(a.sharesDefaults, false);
    assert.deepEqual([a.dummyView, a.ruleObj, a.viewdef, a.loadVia], [true, rule, ' SELECT 1', 'app.root']);
    assert.equal(b.sharesDefaults, true);
    assert.deepEqual([b.dummyView, b.ruleObj, b.viewdef, b.loadVia, b.postponed, b.printAll], [false, null, null, null, false, false]);
    // Writing a default value keeps the shared record.
    b.postponed = false;
    b.refreshObj = undefined;
    assert.equal(b.sharesDefaults, true);
    b.printAll = true;
    assert.equal(b.printAll, true);
    assert.equal(make(row()).printAll, false);
  });
});
