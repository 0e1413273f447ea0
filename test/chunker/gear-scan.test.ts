import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { GEAR } from '../../src/chunker/gear.js';
import { gearScan, scanHash, WINDOW_BYTES } from '../../src/chunker/gear-scan.js';

/** The scan as plain JavaScript: the definition the WebAssembly must match. */
function reference(data: Uint8Array, from: number, to: number, h: number, mask: number): { cut: number; hash: number } {
  for (let o = from; o < to; o++) {
    h = ((h >>> 1) + GEAR[data[o]!]!) | 0;
    if ((h & mask) === 0) return { cut: o + 1, hash: h };
  }
  return { cut: -1, hash: h };
}

/** A deterministic pseudo-random generator (xorshift32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let x = seed || 1;
  return () => { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; return x >>> 0; };
}

test('the WebAssembly scan finds the cut and the hash the JavaScript reference finds', () => {
  const next = rng(7);
  const data = randomBytes(3 * WINDOW_BYTES + 12345);
  for (let i = 0; i < 400; i++) {
    const bits = 1 + (next() % 24);
    const mask = 2 ** bits - 1;
    const from = next() % data.length;
    const to = from + (next() % (data.length - from + 1));
    const h = next() | 0; // any 32-bit hash, signed as the chunker keeps it
    const want = reference(data, from, to, h, mask);
    const cut = gearScan(data, from, to, h, mask);
    assert.equal(cut, want.cut, `case ${i}: from ${from} to ${to} mask ${mask.toString(16)} h ${h}`);
    assert.equal(scanHash, want.hash, `case ${i}: hash`);
  }
});

test('a scan across several windows carries the hash from one window to the next', () => {
  // With a 31-bit mask a cut is as good as impossible (2^-31 per byte): the scan runs through all three windows,
  // and its final hash is the reference's only if each window started from the previous one's hash.
  const data = randomBytes(2 * WINDOW_BYTES + 99);
  const mask = 0x7fffffff;
  const want = reference(data, 0, data.length, 0, mask);
  assert.equal(gearScan(data, 0, data.length, 0, mask), want.cut);
  assert.equal(scanHash, want.hash);
});

test('an empty range returns -1 and leaves the hash as given', () => {
  const data = randomBytes(10);
  assert.equal(gearScan(data, 4, 4, -123456, 0xff), -1);
  assert.equal(scanHash, -123456);
});

test('a Buffer and a Uint8Array view of the same bytes scan alike', () => {
  const bytes = randomBytes(100000);
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  for (const mask of [0xff, 0xfff, 0xffff]) {
    assert.equal(gearScan(bytes, 5, bytes.length, 0, mask), gearScan(view, 5, view.length, 0, mask));
  }
});
