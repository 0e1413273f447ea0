/** The garbage pacer (src/memory/garbage.ts): a young-generation collection every `everyBytes`, without exposing `gc`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GarbagePacer } from '../../src/memory/garbage.js';

test('collects once every everyBytes counted, and leaves no global gc behind', () => {
  const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
  const p = new GarbagePacer(1000);
  p.count(999);
  assert.equal(p.collections, 0);
  p.count(1);
  assert.equal(p.collections, 1, 'the 1000th byte runs a collection');
  for (let i = 0; i < 25; i++) p.count(100);
  assert.equal(p.collections, 3, '2500 more bytes: two more collections, 500 bytes carried');
  p.count(499);
  assert.equal(p.collections, 3);
  p.count(1);
  assert.equal(p.collections, 4);
  assert.equal(typeof (globalThis as { gc?: unknown }).gc === 'function', hadGc, 'no gc function appears on the global object');
  assert.throws(() => new GarbagePacer(0), RangeError);
});

test('the collection runs: the young generation\'s garbage is gone right after count() crosses the threshold', async () => {
  const { getHeapSpaceStatistics } = await import('node:v8');
  const newSpace = (): number => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_used_size;
  const p = new GarbagePacer(10);
  const makeGarbage = (): void => {
    let keep = 0;
    for (let i = 0; i < 4_000; i++) keep += [i, i + 1, i + 2, { i }].length; // ~4 000 small arrays and objects, all dead at return
    assert.equal(keep, 16_000);
  };
  // A scavenge V8 starts by itself can only happen while allocating, i.e. before `before` is read; between the two
  // readings only the pacer runs. Without a collection the new space cannot shrink; with one its dead objects go.
  makeGarbage();
  const before = newSpace();
  p.count(10);
  const after = newSpace();
  assert.equal(p.collections, 1);
  assert.ok(before - after > 64 * 1024, `new space ${before} -> ${after} bytes: no young-generation collection ran`);
});

test('releaseFreedMemory gives a dropped heap\'s pages back to the system (V8 12 pools them until a memory-reducing collection)', async () => {
  const { releaseFreedMemory } = await import('../../src/memory/garbage.js');
  const { getHeapStatistics } = await import('node:v8');
  const committed = (): number => getHeapStatistics().total_physical_size;
  assert.ok(releaseFreedMemory());
  const base = process.memoryUsage().rss;
  // ~120 MiB of small objects in the old generation (they survive the scavenges while the array grows).
  let keep: { a: number; b: string }[] | null = [];
  for (let i = 0; i < 1_500_000; i++) keep.push({ a: i, b: `s${i}` });
  assert.equal(keep.length, 1_500_000);
  const grown = process.memoryUsage().rss;
  assert.ok(grown - base > 80 * 1024 * 1024, `the heap did not grow (${base} -> ${grown} bytes of RSS)`);
  keep = null;
  const heapBefore = committed();
  assert.ok(releaseFreedMemory());
  const heapAfter = committed();
  assert.ok(heapBefore - heapAfter > 60 * 1024 * 1024, `committed heap ${heapBefore} -> ${heapAfter} bytes: no full collection ran`);
  if (Number.parseInt(process.versions.v8, 10) >= 12) {
    // V8 12+ pools the freed pages (resident) until a memory-reducing collection, which releases them before it
    // returns. (V8 11 unmaps them on a background thread, so RSS there falls a moment later: not asserted.)
    const after = process.memoryUsage().rss;
    assert.ok(after - base < 40 * 1024 * 1024, `RSS ${base} -> ${grown} -> ${after} bytes: the dropped heap stayed resident`);
  }
});

test('releaseFreedMemory with ifHeapAbove runs nothing for a heap at or below it, and collects above it', async () => {
  const { releaseFreedMemory } = await import('../../src/memory/garbage.js');
  const { getHeapStatistics } = await import('node:v8');
  const committed = getHeapStatistics().total_heap_size;
  assert.equal(releaseFreedMemory({ ifHeapAbove: committed + 64 * 1024 * 1024 }), false);
  assert.equal(releaseFreedMemory({ ifHeapAbove: 0 }), true);
});
