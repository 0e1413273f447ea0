/**
 * The segment digest (src/dump/engine/segments.ts, docs/format.md "Segment digest"): what the dump engine's hasher
 * computes (inline and in its worker thread) equals the digest recomputed from the produced script and its row
 * ranges (as a restore does, and as an independent reference here does from the definition), for random scripts with
 * empty tables, tables at the very start and end, adjacent tables and pieces of every size.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createHasher, type DumpHasher } from '../../src/dump/engine/hasher.js';
import { segmentDigestOf, SegmentVerifier, type RowRange } from '../../src/dump/engine/segments.js';

/** xorshift32: reproducible random numbers. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

interface Item { kind: 'other' | 'rows'; bytes: Buffer }

/** A random script: runs of other bytes and tables' rows (empty ones included), in random order. */
function randomScript(r: (n: number) => number): Item[] {
  const items: Item[] = [];
  const n = r(12);
  for (let i = 0; i < n; i++) {
    const kind = r(2) === 0 ? 'other' : 'rows';
    const len = r(4) === 0 ? 0 : r(3) === 0 ? r(20000) : r(300);
    const bytes = Buffer.alloc(len);
    for (let j = 0; j < len; j++) bytes[j] = kind === 'rows' && r(20) === 0 ? 0x0a : 32 + r(90);
    items.push({ kind, bytes });
  }
  return items;
}

function rangesOf(items: Item[]): RowRange[] {
  const out: RowRange[] = [];
  let at = 0;
  for (const it of items) {
    if (it.kind === 'rows') out.push({ offset: at, length: it.bytes.length });
    at += it.bytes.length;
  }
  return out;
}

/** The definition, spelled out: records (kind, u64 BE length, SHA-256) of other / rows segments, strictly alternating. */
function reference(items: Item[]): string {
  const records: Buffer[] = [];
  const rec = (kind: number, b: Buffer): void => {
    const r = Buffer.alloc(41);
    r[0] = kind;
    r.writeBigUInt64BE(BigInt(b.length), 1);
    createHash('sha256').update(b).digest().copy(r, 9);
    records.push(r);
  };
  let other: Buffer[] = [];
  for (const it of items) {
    if (it.kind === 'other') { other.push(it.bytes); continue; }
    rec(0, Buffer.concat(other));
    other = [];
    rec(1, it.bytes);
  }
  rec(0, Buffer.concat(other));
  return createHash('sha256').update(Buffer.concat(records)).digest('hex');
}

/** Random cuts of `b` (empty pieces included). */
function pieces(b: Buffer, r: (n: number) => number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < b.length) {
    const n = r(5) === 0 ? 0 : 1 + r(Math.min(b.length - at, r(2) === 0 ? 17 : 40000));
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function engineDigest(h: DumpHasher, items: Item[], r: (n: number) => number): Promise<{ digest: string; tables: string[] }> {
  const tables: string[] = [];
  try {
    for (const it of items) {
      if (it.kind === 'other') {
        for (const p of pieces(it.bytes, r)) await h.scriptBytes(p);
        continue;
      }
      h.beginTable();
      for (const p of pieces(it.bytes, r)) await h.tableBytes(p);
      tables.push(await h.endTable());
    }
    return { digest: await h.endScript(), tables };
  } finally {
    await h.close();
  }
}

test('the engine\'s segment digest (inline and worker) equals the one recomputed from the script and its row ranges', async () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = rng(seed);
    const items = randomScript(r);
    // Tables at the very start and the very end in some of the runs.
    if (seed % 3 === 0) items.unshift({ kind: 'rows', bytes: Buffer.from('1\ta\n2\tb\n') });
    if (seed % 4 === 0) items.push({ kind: 'rows', bytes: Buffer.alloc(0) });
    const script = Buffer.concat(items.map((i) => i.bytes));
    const ranges = rangesOf(items);
    const want = reference(items);
    const rowsSha = items.filter((i) => i.kind === 'rows').map((i) => createHash('sha256').update(i.bytes).digest('hex'));
    for (const inline of [true, false]) {
      const got = await engineDigest(createHasher({ inline, digest: 'segments' }), items, r);
      assert.equal(got.digest, want, `seed ${seed}, inline ${inline}`);
      assert.deepEqual(got.tables, rowsSha, 'a row segment\'s digest is the table\'s rows SHA-256');
    }
    assert.equal(segmentDigestOf(script, ranges), want, `recomputed, seed ${seed}`);
    // A restore sees the bytes cut anywhere.
    const v = new SegmentVerifier(ranges);
    for (const p of pieces(script, r)) v.update(p);
    assert.equal(v.digest(), want);
  }
});

test('the whole-script mode still gives the script\'s plain SHA-256 (pgvault dump, comparable with sha256sum), inline and in the worker', async () => {
  const r = rng(7);
  const items = randomScript(r);
  items.push({ kind: 'rows', bytes: Buffer.from('x\n') }, { kind: 'other', bytes: Buffer.from('\\.\n') });
  const script = Buffer.concat(items.map((i) => i.bytes));
  for (const inline of [true, false]) {
    const got = await engineDigest(createHasher({ inline }), items, r);
    assert.equal(got.digest, createHash('sha256').update(script).digest('hex'));
    assert.notEqual(got.digest, reference(items));
  }
});

test('the digest tells apart what a whole-script hash tells apart: moved boundaries, swapped, dropped and repeated bytes', () => {
  const items: Item[] = [
    { kind: 'other', bytes: Buffer.from('COPY a FROM stdin;\n') }, { kind: 'rows', bytes: Buffer.from('1\n2\n') },
    { kind: 'other', bytes: Buffer.from('\\.\nCOPY b FROM stdin;\n') }, { kind: 'rows', bytes: Buffer.alloc(0) },
    { kind: 'other', bytes: Buffer.from('\\.\n') },
  ];
  const script = Buffer.concat(items.map((i) => i.bytes));
  const ranges = rangesOf(items);
  const good = segmentDigestOf(script, ranges);
  assert.equal(good, reference(items));
  // The same bytes with a table's rows placed one byte later, or the empty table left out: different digests.
  assert.notEqual(segmentDigestOf(script, [{ offset: ranges[0]!.offset + 1, length: 4 }, ranges[1]!]), good);
  assert.notEqual(segmentDigestOf(script, [ranges[0]!]), good);
  // Rows swapped, a row dropped, a row repeated (the size then differs too), a byte flipped.
  const swapped = Buffer.from(script);
  swapped.write('2\n1\n', ranges[0]!.offset);
  assert.notEqual(segmentDigestOf(swapped, ranges), good);
  const dropped = Buffer.concat([script.subarray(0, ranges[0]!.offset + 2), script.subarray(ranges[0]!.offset + 4)]);
  assert.notEqual(segmentDigestOf(dropped, ranges), good);
  const repeated = Buffer.concat([script.subarray(0, ranges[0]!.offset + 4), Buffer.from('2\n'), script.subarray(ranges[0]!.offset + 4)]);
  assert.notEqual(segmentDigestOf(repeated, ranges), good);
  const flipped = Buffer.from(script);
  flipped[2]! ^= 1;
  assert.notEqual(segmentDigestOf(flipped, ranges), good);
  // Too short for its row ranges: no digest at all.
  assert.equal(segmentDigestOf(script.subarray(0, 10), ranges), null);
});

test('verified rows stand in for their hash only where they belong', () => {
  const rows = Buffer.from('1\ta\n2\tb\n');
  const sha = createHash('sha256').update(rows).digest('hex');
  const script = Buffer.concat([Buffer.from('head\n'), rows, Buffer.from('tail\n')]);
  const ranges = [{ offset: 5, length: rows.length }];
  const want = segmentDigestOf(script, ranges);
  const ok = new SegmentVerifier(ranges);
  ok.update(script.subarray(0, 5));
  ok.verifiedRows(rows.subarray(0, 3), ranges[0]!, sha);
  ok.verifiedRows(rows.subarray(3), ranges[0]!, sha);
  ok.update(script.subarray(5 + rows.length));
  assert.equal(ok.digest(), want);
  // Rows spliced one byte early (a byte of the stream before them missing), or not filling their table: no digest.
  const early = new SegmentVerifier(ranges);
  early.update(script.subarray(0, 4));
  early.verifiedRows(rows, ranges[0]!, sha);
  early.update(script.subarray(5 + rows.length));
  assert.equal(early.digest(), null);
  const half = new SegmentVerifier(ranges);
  half.update(script.subarray(0, 5));
  half.verifiedRows(rows.subarray(0, 3), ranges[0]!, sha);
  half.update(script.subarray(8));
  assert.equal(half.digest(), null);
  // Another table's record: no digest.
  const other = new SegmentVerifier(ranges);
  other.update(script.subarray(0, 5));
  other.verifiedRows(rows, { offset: 5, length: rows.length + 1 }, sha);
  assert.equal(other.digest(), null);
});
