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

test('the collection runs: a young-generation GC is observed by a PerformanceObserver', async () => {
  const { PerformanceObserver, constants } = await import('node:perf_hooks');
  const kinds: number[] = [];
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) kinds.push((e as unknown as { detail: { kind: number } }).detail.kind);
  });
  obs.observe({ entryTypes: ['gc'] });
  const p = new GarbagePacer(10);
  p.count(10);
  await new Promise((r) => setTimeout(r, 0)); // entries are delivered asynchronously, after the GC already ran
  await new Promise((r) => setImmediate(r));
  obs.disconnect();
  assert.equal(p.collections, 1);
  assert.ok(kinds.includes(constants.NODE_PERFORMANCE_GC_MINOR), `GC kinds seen: ${kinds.join(', ')}`);
});
