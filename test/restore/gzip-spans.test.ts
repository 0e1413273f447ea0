/**
 * GzipMemberWriter (src/restore/gzip-spans.ts): spans with a stored gzip member pass through unchanged, the
 * rest is compressed in pieces; the output is one valid gzip file of the spans' bytes, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GzipMemberWriter } from '../../src/restore/gzip-spans.js';
import type { Span } from '../../src/layers/rows.js';

function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return s % n;
  };
}

test('members pass through verbatim, plain bytes are compressed in pieces, and the file gunzips to the spans in order', async () => {
  for (let seed = 1; seed <= 8; seed++) {
    const r = rng(seed * 31);
    const out: Uint8Array[] = [];
    let inFlight = 0;
    let most = 0;
    // A slow output: each write resolves after the next macrotask, so members queue up behind it.
    const w = new GzipMemberWriter(async (b) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise<void>((res) => setImmediate(res));
      out.push(b);
      inFlight--;
    });
    const plain: Uint8Array[] = [];
    const members: Uint8Array[] = [];
    let reusedBytes = 0;
    for (let i = 0; i < 60; i++) {
      const size = r(5) === 0 ? r(3 * GzipMemberWriter.PIECE_BYTES) : r(20_000);
      const bytes = Buffer.alloc(size, `span ${seed}.${i} `);
      plain.push(bytes);
      if (r(2) === 0) {
        const member = gzipSync(bytes, { level: 9 });
        members.push(member);
        reusedBytes += size;
        await w.add({ bytes, member });
      } else {
        await w.add({ bytes });
      }
    }
    await w.finish();
    const file = Buffer.concat(out);
    assert.ok(gunzipSync(file).equals(Buffer.concat(plain)), `seed ${seed}: the file does not gunzip to the spans`);
    for (const m of members) assert.ok(out.some((o) => o === m), `seed ${seed}: a stored member was not written as is`);
    assert.equal(w.stats.reused, members.length);
    assert.equal(w.stats.reusedBytes, reusedBytes);
    assert.equal(w.stats.compressedBytes + reusedBytes, Buffer.concat(plain).length);
    assert.equal(most, 1, 'one write at a time, in order');
  }
});

test('nothing in, an empty file out; empty plain spans add no member', async () => {
  const out: Uint8Array[] = [];
  const w = new GzipMemberWriter(async (b) => { out.push(b); });
  await w.add({ bytes: new Uint8Array(0) });
  await w.finish();
  assert.equal(out.length, 0);
  assert.deepEqual(w.stats, { reused: 0, reusedBytes: 0, compressed: 0, compressedBytes: 0 });
});

/** A compressor whose members complete out of order: each finishes after a seeded number of event-loop turns. */
function outOfOrder(r: (n: number) => number): { compress: (plain: Uint8Array) => Promise<Uint8Array>; finished: number[]; inFlight: () => number; most: () => number; buffers: Set<ArrayBufferLike> } {
  const finished: number[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let calls = 0;
  let inFlight = 0;
  let most = 0;
  const compress = async (plain: Uint8Array): Promise<Uint8Array> => {
    const n = calls++;
    buffers.add(plain.buffer);
    inFlight++;
    most = Math.max(most, inFlight);
    const before = Buffer.from(plain);
    for (let turns = r(6); turns > 0; turns--) await new Promise<void>((res) => setImmediate(res));
    // The writer must not touch a piece while it is being compressed.
    assert.ok(Buffer.from(plain).equals(before), `piece ${n} changed under its compression`);
    const member = gzipSync(plain, { level: 1 });
    inFlight--;
    finished.push(n);
    return member;
  };
  return { compress, finished, inFlight: () => inFlight, most: () => most, buffers };
}

test('members come out in order whatever order the compressions finish in, added one by one or in batches; pieces and their buffers stay bounded', async () => {
  const piece = 4096;
  const window = 3;
  for (let seed = 1; seed <= 10; seed++) {
    const r = rng(seed * 7919);
    const c = outOfOrder(r);
    const out: Uint8Array[] = [];
    const w = new GzipMemberWriter(async (b) => { out.push(b); }, { compress: c.compress, pieceBytes: piece, window });
    const plain: Uint8Array[] = [];
    let batch: Span[] = [];
    for (let i = 0; i < 200; i++) {
      const size = r(8) === 0 ? r(3 * piece) : r(700);
      const bytes = Buffer.alloc(size, `${seed}:${i};`);
      plain.push(bytes);
      const span = r(10) === 0 ? { bytes, member: gzipSync(bytes) } : { bytes };
      // Half the seeds add span by span, the other half in batches of random length (what a restore does).
      if (seed % 2) { await w.add(span); continue; }
      batch.push(span);
      if (r(6) === 0) { await w.addAll(batch); batch = []; }
    }
    await w.addAll(batch);
    await w.finish();
    const all = Buffer.concat(plain);
    assert.ok(gunzipSync(Buffer.concat(out)).equals(all), `seed ${seed}: the file does not gunzip to the spans in order`);
    assert.ok(c.finished.some((n, i) => i > 0 && n < c.finished[i - 1]!), `seed ${seed}: the compressions did finish out of order`);
    assert.ok(c.most() <= window, `seed ${seed}: ${c.most()} compressions at once, more than ${window}`);
    assert.ok(w.pieceBuffers <= window + 1, `seed ${seed}: ${w.pieceBuffers} piece buffers`);
    assert.equal(w.stats.compressedBytes + w.stats.reusedBytes, all.length);
  }
});

test('a plain span of whole pieces is compressed from its own bytes; only its tail is copied', async () => {
  const seen: Uint8Array[] = [];
  const out: Uint8Array[] = [];
  const w = new GzipMemberWriter(async (b) => { out.push(b); }, { compress: async (p) => { seen.push(p); return gzipSync(p); }, pieceBytes: 1000, window: 2 });
  const big = Buffer.alloc(2500, 'abc');
  await w.add({ bytes: big });
  await w.finish();
  assert.deepEqual(seen.map((p) => p.length), [1000, 1000, 500]);
  assert.equal(seen[0]!.buffer, big.buffer);
  assert.equal(seen[1]!.buffer, big.buffer);
  assert.notEqual(seen[2]!.buffer, big.buffer);
  assert.ok(gunzipSync(Buffer.concat(out)).equals(big));
  assert.equal(w.pieceBuffers, 1);
});

test('a failed compression fails the writer when its member is due', async () => {
  let n = 0;
  const w = new GzipMemberWriter(async () => {}, {
    compress: async (p) => { if (n++ === 1) throw new Error('zlib broke'); return gzipSync(p); }, pieceBytes: 100, window: 1,
  });
  await assert.rejects((async () => {
    for (let i = 0; i < 10; i++) await w.add({ bytes: Buffer.alloc(100, i) });
    await w.finish();
  })(), /zlib broke/);
});
