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
