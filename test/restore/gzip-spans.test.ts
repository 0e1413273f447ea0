/**
 * GzipMemberWriter (src/restore/gzip-spans.ts): spans with a stored gzip member pass through unchanged, the
 * rest is compressed in pieces; the output is one valid gzip file of the spans' bytes, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GzipMemberWriter } from '../../src/restore/gzip-spans.js';

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
