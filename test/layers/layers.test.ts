/**
 * src/layers: the row splitter, row lists, the windowed matcher, op lists and the rebuild. The property
 * test edits random tables (inserts, deletes, updates, reorders, duplicate rows, empty tables, huge rows)
 * and checks, for every window size down to 1, that base + delta rebuilds the current rows byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { IntegrityError } from '../../src/errors.js';
import {
  DeltaBuilder, OpEncoder, RowCursor, RowHasher, RowListEncoder, RowSplitter, SpanCursor, WindowMatcher, decodeOps, keyColumnsOf, readRowList,
  rebuildRows, rebuildSpans, rebuildSpanBatches, splitRows, REBUILD_BATCH, ROW_ENTRY_BYTES, type DeltaStats, type Span,
} from '../../src/layers/index.js';

const KEY = new Uint8Array(32).fill(9);

/** xorshift32: reproducible randomness (the seed is in the test's name and messages). */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

/** Split `bytes` into pieces of random sizes (1 byte up to 3 × avg), as a store's reads would. */
function pieces(bytes: Uint8Array, r: (n: number) => number, small = 64): Uint8Array[] {
  const out: Uint8Array[] = [];
  const avg = Math.max(small, bytes.length >> 6); // at most ~100 pieces: huge rows are cut, yet not byte by byte
  for (let at = 0; at < bytes.length;) {
    const n = 1 + r(avg * 3);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function* stream(parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield p;
}

async function collect(src: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const b of src) out.push(b);
  return Buffer.concat(out);
}

const cat = (rows: Uint8Array[]): Buffer => Buffer.concat(rows);

function rowListOf(rows: Uint8Array[], hasher: RowHasher, batch = 64 * 1024): Buffer {
  const enc = new RowListEncoder(batch);
  const out: Uint8Array[] = [];
  for (const row of rows) {
    const b = enc.add({ row: hasher.row(row), key: hasher.key(row) });
    if (b) out.push(b);
  }
  const last = enc.flush();
  if (last) out.push(last);
  return Buffer.concat(out);
}

interface Layer { ops: Buffer; literals: Buffer; stats: DeltaStats }

/** What a backup does: the delta of `rows` against `base`, the row list and op list streamed in random pieces. */
async function delta(base: Uint8Array[], rows: Uint8Array[], window: number, r: (n: number) => number, hasher = new RowHasher(KEY)): Promise<Layer> {
  const d = new DeltaBuilder(stream(pieces(rowListOf(base, hasher), r, 40)), base.length, hasher, { window });
  const ops: Uint8Array[] = [];
  const lits: Uint8Array[] = [];
  for (const row of rows) {
    if (await d.add(row)) lits.push(row);
    if (r(50) === 0) ops.push(d.takeOps());
  }
  const end = await d.finish();
  ops.push(end.ops);
  return { ops: Buffer.concat(ops), literals: cat(lits), stats: end.stats };
}

async function rebuilt(base: Uint8Array[], layer: Layer, r: (n: number) => number): Promise<Buffer> {
  return collect(rebuildRows({
    base: stream(pieces(cat(base), r)), baseRows: base.length,
    ops: stream(pieces(layer.ops, r, 3)), literals: stream(pieces(layer.literals, r)), literalRows: layer.stats.literalRows,
    what: 'table t of the test',
  }));
}

const row = (id: number, body: string): Buffer => Buffer.from(`${id}\t${body}\n`);

/** A random table in key order: ids ascending with gaps, some huge rows, escaped characters as COPY writes them. */
function table(r: (n: number) => number, n: number): { id: number; body: string }[] {
  const out: { id: number; body: string }[] = [];
  let id = r(5);
  for (let i = 0; i < n; i++) {
    id += 1 + r(4);
    const body = r(40) === 0 ? 'x'.repeat(100_000 + r(200_000)) : r(7) === 0 ? `tab\\there\\nnewline ${r(1000)}` : r(9) === 0 ? '\\N' : `v${r(100)}`;
    out.push({ id, body });
  }
  return out;
}

/** Random edits of a table: deletes, updates, inserts (in key order), duplicated rows, and swaps that reorder rows. */
function edit(r: (n: number) => number, t: { id: number; body: string }[]): { id: number; body: string }[] {
  const out: { id: number; body: string }[] = [];
  for (const x of t) {
    const roll = r(100);
    if (roll < 8) continue;                                            // delete
    if (roll < 16) out.push({ id: x.id, body: `${x.body.slice(0, 50)}!upd${r(9)}` }); // update
    else out.push(x);
    if (roll >= 16 && roll < 22) out.push({ id: x.id, body: x.body });  // a duplicate row (identical bytes)
    if (roll >= 22 && roll < 30) out.push({ id: x.id + 0.5, body: `ins${r(1000)}` }); // insert after it
  }
  if (r(3) === 0) out.unshift({ id: -1, body: 'first' });
  for (let k = r(4); k > 0 && out.length > 1; k--) {                   // reorder: swap two rows anywhere
    const a = r(out.length); const b = r(out.length);
    [out[a], out[b]] = [out[b]!, out[a]!];
  }
  if (r(5) === 0) out.reverse();
  return out;
}

const WINDOWS = [1, 2, 3, 4, 7, 16, 64, 1024, 8192];

test('property: base + delta rebuilds the current rows byte for byte, for random edits and every window size', async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(seed * 7919);
    const sizes = [0, 1, 2, 5, 30, 200];
    const t0 = table(r, seed <= 3 ? [0, 1, 0][seed - 1]! : sizes[r(sizes.length)]!);
    const t1 = seed === 3 ? [] : edit(r, t0);
    const base = t0.map((x) => row(x.id, x.body));
    const now = t1.map((x) => row(x.id, x.body));
    for (const w of WINDOWS) {
      const layer = await delta(base, now, w, r);
      const got = await rebuilt(base, layer, r);
      assert.ok(got.equals(cat(now)), `seed ${seed}, window ${w}: rebuilt rows differ from the current rows`);
      const s = layer.stats;
      assert.equal(s.matched + s.literalRows, now.length, `seed ${seed}, window ${w}`);
      assert.equal(s.matched + s.dropped, base.length, `seed ${seed}, window ${w}`);
      assert.equal(s.literalBytes, layer.literals.length);
    }
  }
});

test('an unchanged table is one base run and no literal; a fully changed one is all literals', async () => {
  const r = rng(5);
  const base = table(r, 500).map((x) => row(x.id, x.body));
  const same = await delta(base, base, 8192, r);
  assert.deepEqual([same.stats.matched, same.stats.literalRows, same.stats.dropped, same.stats.ops], [500, 0, 0, 1]);
  const other = base.map((b, i) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from(` changed ${i}\n`)]));
  const all = await delta(base, other, 8192, r);
  assert.deepEqual([all.stats.matched, all.stats.literalRows, all.stats.dropped, all.stats.ops], [0, 500, 500, 1]);
  assert.ok((await rebuilt(base, all, r)).equals(cat(other)));
});

test('updates move the window past their old versions by key, so a run of updates longer than the window does not stall it', async () => {
  const r = rng(11);
  const base = Array.from({ length: 200 }, (_, i) => row(i, `row ${i}`));
  const now = Array.from({ length: 200 }, (_, i) => row(i, `row ${i}${i < 100 ? ' updated' : ''}`));
  const s = (await delta(base, now, 16, r)).stats;
  assert.deepEqual([s.literalRows, s.matched, s.dropped], [100, 100, 100]);
});

test('the key hash uses the ORDER BY key columns, wherever they are in the row', () => {
  const h = new RowHasher(KEY, keyColumnsOf(['"a"', '"id"', '"b"'], ['"id"']));
  assert.equal(h.key(Buffer.from('x\t7\ty\n')), h.key(Buffer.from('other\t7\tz\n')));
  assert.notEqual(h.key(Buffer.from('x\t7\ty\n')), h.key(Buffer.from('x\t8\ty\n')));
  const two = new RowHasher(KEY, keyColumnsOf(['"a"', '"b"', '"c"'], ['"c"', '"a"']));
  assert.equal(two.key(Buffer.from('1\tq\t2\n')), two.key(Buffer.from('1\tz\t2\n')));
  assert.notEqual(two.key(Buffer.from('1\tq\t2\n')), two.key(Buffer.from('2\tq\t1\n')));
  assert.deepEqual(keyColumnsOf(['"a"'], ['"missing"']), [0]);
  // Different hash keys give different hashes (the repository's chunk-ID key keys them).
  assert.notEqual(new RowHasher(new Uint8Array(32).fill(1)).row(Buffer.from('1\n')), new RowHasher(KEY).row(Buffer.from('1\n')));
});

test('RowSplitter joins rows split across pieces and agrees with splitRows; a missing final newline is an error', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = rng(seed);
    const text = cat(table(r, 50).map((x) => row(x.id, x.body)));
    const sp = new RowSplitter();
    const got = pieces(text, r, 30).flatMap((p) => sp.push(p).map((x) => Buffer.from(x)));
    sp.end();
    assert.deepEqual(got, splitRows(text).map((x) => Buffer.from(x)));
  }
  const sp = new RowSplitter();
  sp.push(Buffer.from('1\ta\n2\tb'));
  assert.throws(() => sp.end(), IntegrityError);
  assert.throws(() => splitRows(Buffer.from('1\ta\n2')), IntegrityError);
  assert.deepEqual(splitRows(new Uint8Array(0)), []);
});

test('property: a backup\'s row list hashed straight from the pieces (addRowsOf) equals the one built row by row, for any key and any piece boundaries', () => {
  // Keys of one column (first, middle, last, beyond the row's columns) and of several (in and out of order).
  const keys = [[0], [1], [2], [5], [0, 2], [2, 1]];
  for (let seed = 1; seed <= 24; seed++) {
    const r = rng(seed);
    const rows = table(r, 40 + r(80)).map((x) => Buffer.from(`${x.id}\t${x.body}\t${r(3) === 0 ? '' : `c${r(50)}`}\n`));
    if (r(4) === 0) rows.push(Buffer.from('\n'), Buffer.from('\t\t\n')); // empty fields, an empty row
    const text = cat(rows);
    const keyColumns = keys[seed % keys.length]!;
    const batch = ROW_ENTRY_BYTES * (1 + r(9));
    const hasher = new RowHasher(KEY, keyColumns);
    const want: Uint8Array[] = [];
    const byRow = new RowListEncoder(batch);
    for (const x of splitRows(text)) {
      // The reference, independent of the code under test: the key fields by splitting the row at its tabs; the key
      // hash is the first 4 bytes of the same keyed hash whose first 12 are a row hash.
      const fields = Buffer.from(x.subarray(0, x.length - 1)).toString('latin1').split('\t');
      const keyFields = [...keyColumns].sort((a, b) => a - b).filter((c) => c < fields.length).map((c) => fields[c]!);
      const key = hasher.row(Buffer.from(keyFields.join('\t'), 'latin1')).slice(0, 4);
      assert.equal(hasher.key(x), key, `seed ${seed}, key ${keyColumns}: the key hash of ${JSON.stringify(Buffer.from(x).toString('latin1').slice(0, 40))}`);
      const b = byRow.add({ row: hasher.row(x), key });
      if (b) want.push(b);
    }
    const wantTail = byRow.flush();
    const enc = new RowListEncoder(batch);
    const sp = new RowSplitter();
    const got: Uint8Array[] = [];
    // The same hasher between pieces, as a backup uses it: a row-by-row call in between must not leave stale bytes.
    for (const p of pieces(text, r, 1 + r(60))) {
      got.push(...enc.addRowsOf(p, sp, hasher));
      if (r(5) === 0) hasher.row(Buffer.from('unrelated\n'));
    }
    sp.end();
    const gotTail = enc.flush();
    assert.equal(enc.count, rows.length, `seed ${seed}`);
    assert.deepEqual(Buffer.concat([...got, ...(gotTail ? [gotTail] : [])]), Buffer.concat([...want, ...(wantTail ? [wantTail] : [])]), `seed ${seed}, key ${keyColumns}`);
    assert.deepEqual(got.map((b) => b.length), want.map((b) => b.length), `seed ${seed}: the same full batches`);
  }
  // Ranges must be of what was loaded.
  const h = new RowHasher(KEY);
  const dst = new Uint8Array(ROW_ENTRY_BYTES);
  assert.throws(() => h.entryAt(Buffer.from('1\n'), 0, 2, dst, 0), /without load/);
  h.load(Buffer.from('1\n'));
  assert.throws(() => h.entryAt(Buffer.from('1\n2\n'), 2, 4, dst, 0), /outside the 2 bytes loaded/);
});

test('RowCursor takes and skips whole rows and fails when the stream is short', async () => {
  const text = Buffer.from('a\nbb\nccc\ndddd\n');
  const c = new RowCursor(stream(pieces(text, rng(3), 2)), 'test rows');
  assert.equal((await collect(c.take(1))).toString(), 'a\n');
  await c.skip(2);
  assert.equal(c.position, 3);
  assert.equal((await collect(c.take(1))).toString(), 'dddd\n');
  assert.equal(await c.atEnd(), true);
  const short = new RowCursor(stream([Buffer.from('a\nb\n')]), 'test rows');
  await assert.rejects(collect(short.take(3)), /ended after 2 rows, 1 rows short/);
});

test('row lists: 16-byte entries, decoded across any piece boundaries; a partial entry is an error', async () => {
  const h = new RowHasher(KEY);
  const rows = Array.from({ length: 1000 }, (_, i) => row(i, `r${i}`));
  const bytes = rowListOf(rows, h, 100);
  assert.equal(bytes.length, 1000 * ROW_ENTRY_BYTES);
  const got: string[] = [];
  for await (const batch of readRowList(stream(pieces(bytes, rng(4), 7)))) for (const e of batch) got.push(e.row + e.key);
  assert.deepEqual(got, rows.map((x) => h.row(x) + h.key(x)));
  await assert.rejects(async () => { for await (const b of readRowList(stream([bytes.subarray(0, 45)]))) void b; }, IntegrityError);
  // One piece of many entries (a whole chunk) comes out in bounded batches.
  const many = rowListOf(Array.from({ length: 10_000 }, (_, i) => row(i, 'x')), h);
  const sizes: number[] = [];
  for await (const batch of readRowList(stream([many]))) sizes.push(batch.length);
  assert.deepEqual(sizes, [4096, 4096, 1808]);
});

test('op lists: runs merge, skips encode forward jumps, and damage or a count mismatch fails loudly', async () => {
  const e = new OpEncoder();
  for (const k of [0, 1, 2]) e.base(k);
  e.literal(); e.literal();
  e.base(10); e.base(11);
  e.literal();
  e.base(300);
  const bytes = e.finish();
  assert.deepEqual(e.stats, { ops: 5, bytes: bytes.length, literalRows: 3, baseRows: 6 });
  const ops = [];
  for await (const op of decodeOps(stream([bytes]), { baseRows: 301, literalRows: 3 })) ops.push(op);
  assert.deepEqual(ops, [
    { kind: 'base', start: 0, count: 3 }, { kind: 'literal', count: 2 }, { kind: 'base', start: 10, count: 2 },
    { kind: 'literal', count: 1 }, { kind: 'base', start: 300, count: 1 },
  ]);
  const drain = async (b: Uint8Array, lim: { baseRows: number; literalRows: number }): Promise<void> => { for await (const op of decodeOps(stream([b]), lim)) void op; };
  await assert.rejects(drain(bytes, { baseRows: 300, literalRows: 3 }), /base rows up to 300, but the base has 300/);
  await assert.rejects(drain(bytes, { baseRows: 301, literalRows: 4 }), /3 literal rows, but the delta has 4/);
  await assert.rejects(drain(bytes.subarray(0, bytes.length - 1), { baseRows: 301, literalRows: 3 }), /ends inside an op/);
  await assert.rejects(drain(Uint8Array.from([0]), { baseRows: 1, literalRows: 0 }), /empty run/);
  assert.throws(() => { const x = new OpEncoder(); x.base(5); x.base(3); }, /must grow/);
});

test('the rebuild checks the recorded counts: a row list or literal stream that does not match fails', async () => {
  const r = rng(8);
  const base = Array.from({ length: 50 }, (_, i) => row(i, `b${i}`));
  const now = [...base.slice(0, 20), row(1000, 'new'), ...base.slice(30)];
  const layer = await delta(base, now, 64, r);
  // Extra literal bytes, a base shorter than the ops need, a wrong row count for the row list.
  await assert.rejects(collect(rebuildRows({ base: stream([cat(base)]), baseRows: 50, ops: stream([layer.ops]), literals: stream([layer.literals, Buffer.from('x\n')]), literalRows: 1, what: 't' })), /hold more than/);
  await assert.rejects(collect(rebuildRows({ base: stream([cat(base.slice(0, 40))]), baseRows: 50, ops: stream([layer.ops]), literals: stream([layer.literals]), literalRows: 1, what: 't' })), /rows short/);
  const h = new RowHasher(KEY);
  const d = new DeltaBuilder(stream([rowListOf(base, h)]), 51, h);
  await assert.rejects((async () => { for (const x of now) await d.add(x); })(), /has 50 entries, but the base has 51 rows/);
});

test('the matcher keeps its memory to the window: entries beyond it are not requested', () => {
  const entry = (row: string, key: string): Buffer => Buffer.from(row.padEnd(12) + key.padEnd(4), 'latin1');
  const m = new WindowMatcher(4);
  assert.equal(m.wants(), 4);
  for (let i = 0; i < 4; i++) m.addBase(entry(`r${i}`, `k${i}`), 0);
  assert.equal(m.wants(), 0);
  assert.throws(() => m.addBase(entry('r4', 'k4'), 0), /window is full/);
  const none = { bytes: entry('', 'none'), at: 12 };
  assert.equal(m.match(entry('r2', ''), () => none), 2);
  assert.equal(m.wants(), 3);
  assert.equal(m.held, 1);
  assert.deepEqual(m.summary(4), { matched: 1, dropped: 3 });
  // A key match (an update) moves the window past the old version; a miss moves nothing.
  m.addBase(entry('r4', 'k4'), 0);
  m.addBase(Buffer.concat([Buffer.alloc(7), entry('r5', 'k5')]), 7);
  assert.equal(m.match(entry('x', ''), () => ({ bytes: entry('', 'k4'), at: 12 })), -1);
  assert.equal(m.held, 1);
  assert.equal(m.match(entry('y', ''), () => none), -1);
  assert.equal(m.held, 1);
  assert.equal(m.match(entry('r5', ''), () => none), 5);
  assert.equal(m.held, 0);
});

test('the matcher\'s hash tables: duplicates give the oldest ordinal, colliding prefixes are told apart, removals keep every chain reachable', () => {
  // Entries whose first 4 bytes are equal (one chain) but whose hashes differ, and exact duplicates.
  const entry = (tail: string, key: string): Buffer => Buffer.from(`AAAA${tail.padEnd(8)}${key.padEnd(4)}`, 'latin1');
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const w = 1 + r(16);
    const n = 200;
    const names = Array.from({ length: n }, () => `t${r(12)}`);
    const m = new WindowMatcher(w);
    const model: { name: string; ord: number }[] = [];
    let fed = 0;
    const feed = (): void => {
      while (m.wants() > 0 && fed < n) { m.addBase(entry(names[fed]!, 'k'), 0); model.push({ name: names[fed]!, ord: fed }); fed++; }
    };
    for (let step = 0; step < 3 * n && (fed < n || model.length); step++) {
      feed();
      const want = r(3) === 0 ? 'nope' : (model[r(Math.max(1, model.length))]?.name ?? 'nope');
      const expect = model.find((e) => e.name === want)?.ord ?? -1;
      const got = m.match(entry(want, ''), () => ({ bytes: entry('', 'zz'), at: 12 }));
      assert.equal(got, expect, `seed ${seed}, window ${w}, step ${step}`);
      if (got >= 0) model.splice(0, model.findIndex((e) => e.ord === got) + 1);
      assert.equal(m.held, model.length);
    }
  }
});

test('a parent of 10 × the bound streams through the delta with at most window + one row-list piece of its entries held, whatever the change', async () => {
  // Counted, not timed: the base entries held at once (DeltaBuilder.held: the matcher's window and the unread rest
  // of the row-list piece, i.e. one stored chunk of the list) stay within W + one piece for a parent of 10 × that
  // many rows, unchanged, fully replaced, emptied, reversed, or interleaved with inserts.
  const W = 1000;
  const PIECE = 3000;
  const bound = W + PIECE;
  const n = 10 * bound;
  const h = new RowHasher(KEY);
  const base = Array.from({ length: n }, (_, i) => row(i, `b${i}`));
  const list = rowListOf(base, h);
  const patterns: [string, Uint8Array[]][] = [
    ['unchanged', base],
    ['every row changed', base.map((_, i) => row(i, `changed ${i}`))],
    ['empty now', []],
    ['reversed', [...base].reverse()],
    ['an insert after every row', base.flatMap((b, i) => [b, row(i + 0.5, 'ins')])],
  ];
  for (const [name, now] of patterns) {
    const inPieces: Uint8Array[] = [];
    for (let at = 0; at < list.length; at += PIECE * ROW_ENTRY_BYTES - 7) inPieces.push(list.subarray(at, at + PIECE * ROW_ENTRY_BYTES - 7));
    const d = new DeltaBuilder(stream(inPieces), n, h, { window: W });
    let most = 0;
    for (const x of now) {
      await d.add(x);
      most = Math.max(most, d.held);
    }
    const end = await d.finish();
    assert.ok(most <= bound, `${name}: ${most} base entries held at once, more than ${bound}`);
    assert.equal(end.stats.matched + end.stats.literalRows, now.length, name);
    if (name === 'unchanged') assert.ok(most > W, 'the window and the piece are counted');
  }
});

test('rebuildSpans keeps a stored piece\'s gzip member exactly when a run copies the piece whole', async () => {
  for (let seed = 1; seed <= 30; seed++) {
    const r = rng(seed * 104729);
    const t0 = table(r, 300);
    const t1 = seed <= 5 ? t0 : edit(r, t0);
    const base = t0.map((x) => row(x.id, x.body));
    const now = t1.map((x) => row(x.id, x.body));
    const layer = await delta(base, now, 64, r);
    const withMembers = (parts: Uint8Array[]): AsyncGenerator<Span> => (async function* () {
      for (const p of parts) yield r(4) === 0 ? { bytes: p } : { bytes: p, member: gzipSync(p) };
    })();
    const basePieces = pieces(cat(base), r);
    const spans: Span[] = [];
    for await (const sp of rebuildSpans({
      base: withMembers(basePieces), baseRows: base.length, ops: stream([layer.ops]),
      literals: withMembers(pieces(layer.literals, r)), literalRows: layer.stats.literalRows, what: 't',
    })) spans.push(sp);
    assert.ok(Buffer.concat(spans.map((x) => x.bytes)).equals(cat(now)), `seed ${seed}: rebuilt rows differ`);
    for (const sp of spans) if (sp.member) assert.ok(gunzipSync(sp.member).equals(sp.bytes), `seed ${seed}: a member that is not its bytes`);
    if (seed <= 5) {
      // Unchanged: one base run, so every piece that had a member keeps it.
      const had = basePieces.length;
      assert.equal(spans.length, had, `seed ${seed}: unchanged pieces pass through one for one`);
    }
  }
});

test('SpanCursor: a piece cut by a take or a skip loses its member; whole pieces keep theirs', async () => {
  const a = Buffer.from('1\n2\n3');
  const b = Buffer.from('\n4\n');
  const c = Buffer.from('5\n6\n');
  const src = async function* (): AsyncGenerator<Span> { for (const p of [a, b, c]) yield { bytes: p, member: gzipSync(p) }; };
  const cur = new SpanCursor(src(), 'rows');
  const first = [];
  for await (const sp of cur.take(3)) first.push(sp);
  assert.deepEqual(first.map((x) => [x.bytes.toString(), x.member !== undefined]), [['1\n2\n3', true], ['\n', false]]);
  await cur.skip(1);
  const rest = [];
  for await (const sp of cur.take(2)) rest.push(sp);
  assert.deepEqual(rest.map((x) => [x.bytes.toString(), x.member !== undefined]), [['5\n6\n', true]]);
});

test('rebuildSpanBatches: the same spans as rebuildSpans, in batches of at most REBUILD_BATCH that end where a piece must be read', async () => {
  for (let seed = 1; seed <= 10; seed++) {
    const r = rng(seed * 7727);
    const t0 = table(r, 2000);
    const t1 = edit(r, t0);
    const base = t0.map((x) => row(x.id, x.body));
    const now = t1.map((x) => row(x.id, x.body));
    const layer = await delta(base, now, 64, r);
    const basePieces = pieces(cat(base), r);
    const litPieces = pieces(layer.literals, r);
    // Each piece in a buffer of its own; a batch may only hold slices of the last piece each source handed out.
    const last = { base: -1, lit: -1 };
    const owner = new Map<ArrayBufferLike, { k: 'base' | 'lit'; i: number }>();
    const own = (parts: Uint8Array[], k: 'base' | 'lit'): AsyncGenerator<Span> => (async function* () {
      for (const [i, p] of parts.entries()) {
        const copy = new Uint8Array(p);
        owner.set(copy.buffer, { k, i });
        last[k] = i;
        yield { bytes: copy };
      }
    })();
    const counted = { rows: 0 };
    const out: Uint8Array[] = [];
    let batches = 0;
    for await (const batch of rebuildSpanBatches({
      base: own(basePieces, 'base'), baseRows: base.length, ops: stream([layer.ops]),
      literals: own(litPieces, 'lit'), literalRows: layer.stats.literalRows, what: 't', counted,
    })) {
      batches++;
      assert.ok(batch.length >= 1 && batch.length <= REBUILD_BATCH, `seed ${seed}: a batch of ${batch.length} spans`);
      for (const sp of batch) {
        const o = owner.get(sp.bytes.buffer)!;
        assert.equal(o.i, last[o.k], `seed ${seed}: a batch holds a slice of ${o.k} piece ${o.i} after piece ${last[o.k]} was read`);
        out.push(sp.bytes);
      }
    }
    assert.ok(Buffer.concat(out).equals(cat(now)), `seed ${seed}: rebuilt rows differ`);
    assert.equal(counted.rows, now.length);
    assert.ok(batches > 1, `seed ${seed}: one batch only`);
  }
});

test('SpanCursor.advance takes rows from the piece in hand only and says how many are still due', async () => {
  const src = async function* (): AsyncGenerator<Span> { for (const p of ['1\n2\n3', '\n4\n', '5\n']) yield { bytes: Buffer.from(p), member: gzipSync(p) }; };
  const cur = new SpanCursor(src(), 'rows');
  const out: Span[] = [];
  assert.equal(cur.advance(2, out), 2, 'nothing in hand before fill()');
  assert.equal(await cur.fill(), true);
  assert.equal(cur.advance(3, out), 1, 'the third row continues in the next piece');
  assert.deepEqual(out.map((x) => [x.bytes.toString(), x.member !== undefined]), [['1\n2\n3', true]]);
  assert.equal(await cur.fill(), true);
  assert.equal(cur.advance(1, out), 0);
  assert.equal(cur.advance(1, null), 0, 'skipped');
  assert.equal(cur.position, 4);
  await cur.fill();
  out.length = 0;
  assert.equal(cur.advance(2, out), 1);
  assert.equal(await cur.fill(), false);
  assert.match(cur.short(1).message, /ended after 5 rows, 1 rows short/);
});
