import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as growth from '../../src/memory/heap-growth.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const { MAX_GROWTH_PERCENT, MIN_GROWTH_PERCENT, ROOM_BYTES, adaptHeapGrowth, growthPercent, setHeapGrowth } = growth;
const MiB = 1024 * 1024;

test('a small live heap gets a fixed room, within the minimum and maximum percentages', () => {
  assert.equal(growthPercent(20 * MiB), 120); // 24 MiB of room over 20 MiB live
  assert.equal(growthPercent(ROOM_BYTES), 100);
  assert.equal(growthPercent(1 * MiB), MAX_GROWTH_PERCENT);
  assert.equal(growthPercent(0), MAX_GROWTH_PERCENT);
});

test('a large live heap (a catalog of many objects) gets the minimum growth', () => {
  assert.equal(growthPercent(80 * MiB), MIN_GROWTH_PERCENT);
  assert.equal(growthPercent(400 * MiB), MIN_GROWTH_PERCENT);
  // A dump of 20 000 tables (~140 MiB live at its sort) may grow by at most 30 %: at 50 % it peaked 25–35 MiB higher.
  assert.ok(growthPercent(140 * MiB) <= 30, `${growthPercent(140 * MiB)} %`);
});

test('the percentage only falls as the live heap grows', () => {
  let last = Infinity;
  for (let live = MiB; live <= 256 * MiB; live += MiB) {
    const p = growthPercent(live);
    assert.ok(p <= last, `${p}% at ${live / MiB} MiB after ${last}%`);
    assert.ok(p >= MIN_GROWTH_PERCENT && p <= MAX_GROWTH_PERCENT);
    last = p;
  }
});

test('adaptHeapGrowth recomputes the growth after a full collection', { timeout: 30_000 }, async () => {
  assert.throws(() => setHeapGrowth(0), RangeError);
  assert.throws(() => setHeapGrowth(1.5), RangeError);
  adaptHeapGrowth();
  adaptHeapGrowth(); // idempotent: one observer
  const before = growth.adaptations;
  setHeapGrowth(MIN_GROWTH_PERCENT - 1); // a value no adaptation sets: it must be replaced after the collection
  // A full collection (V8's gc, reached as src/memory/garbage.ts does), then wait for the observer's turn.
  setFlagsFromString('--expose-gc');
  const full = runInNewContext('gc') as (o: { type: 'major'; execution: 'sync' }) => void;
  setFlagsFromString('--no-expose-gc');
  full({ type: 'major', execution: 'sync' });
  await new Promise<void>((resolve) => {
    const check = (): void => { if (growth.adaptations > before) resolve(); else setImmediate(check); };
    check();
  });
  const now = growth.heapGrowth();
  assert.ok(now >= MIN_GROWTH_PERCENT && now <= MAX_GROWTH_PERCENT, `recomputed after the collection: ${now}%`);
});
