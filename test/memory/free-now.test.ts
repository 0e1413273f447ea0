/**
 * freeNow (src/memory/free-now.ts) frees a large buffer's memory at once and leaves small ones, which may be views of
 * Node.js's shared Buffer slabs, to the collector.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FREE_NOW_MIN_BYTES, freeNow } from '../../src/memory/free-now.js';

test('a large buffer is freed at once: its views become empty and the process holds fewer external bytes', () => {
  const size = 32 * 1024 * 1024;
  const big = new Uint8Array(size).fill(7);
  const view = big.subarray(10, 20);
  const before = process.memoryUsage().arrayBuffers;
  assert.equal(freeNow(view), true);
  const after = process.memoryUsage().arrayBuffers;
  assert.equal(big.length, 0, 'every view of the freed buffer is empty');
  assert.equal(big.buffer.byteLength, 0);
  assert.ok(before - after >= size, `external bytes went from ${before} to ${after}`);
  assert.equal(freeNow(big), false, 'freeing twice does nothing');
});

test('small buffers and shared Buffer slabs are left alone', () => {
  const a = Buffer.from('first of two buffers that share a slab');
  const b = Buffer.from('second');
  assert.equal(a.buffer, b.buffer, 'Node.js carved both from one slab');
  assert.equal(freeNow(a), false);
  assert.equal(a.toString(), 'first of two buffers that share a slab');
  assert.equal(b.toString(), 'second');
  const justBelow = new Uint8Array(FREE_NOW_MIN_BYTES - 1).fill(1);
  assert.equal(freeNow(justBelow), false);
  assert.equal(justBelow.length, FREE_NOW_MIN_BYTES - 1);
  const atLimit = new Uint8Array(FREE_NOW_MIN_BYTES);
  assert.equal(freeNow(atLimit), true);
});

test('a SharedArrayBuffer is never detached', () => {
  const shared = new Uint8Array(new SharedArrayBuffer(FREE_NOW_MIN_BYTES * 2));
  assert.equal(freeNow(shared), false);
  assert.equal(shared.length, FREE_NOW_MIN_BYTES * 2);
});

test('a buffer that cannot be detached is left as it was (WebAssembly memory; Node.js 24 marks zlib\'s output so)', () => {
  const memory = new WebAssembly.Memory({ initial: 2 });
  const view = new Uint8Array(memory.buffer);
  view[0] = 42;
  assert.ok(view.length >= FREE_NOW_MIN_BYTES);
  assert.equal(freeNow(view), false);
  assert.equal(view[0], 42);
  assert.equal(memory.buffer.byteLength, 2 * 65536);
});
