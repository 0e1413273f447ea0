import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CATALOG_GROWTH_PERCENT, MAX_STREAMING_PERCENT, STREAMING_ROOM_BYTES, growHeapForStreaming, setHeapGrowth, streamingGrowthPercent,
} from '../../src/memory/heap-growth.js';

const MiB = 1024 * 1024;

test('streaming gives a small live heap a fixed room, within the catalog and the maximum percentages', () => {
  assert.equal(streamingGrowthPercent(20 * MiB), 120); // 24 MiB of room over 20 MiB live
  assert.equal(streamingGrowthPercent(STREAMING_ROOM_BYTES), 100);
  assert.equal(streamingGrowthPercent(1 * MiB), MAX_STREAMING_PERCENT);
  assert.equal(streamingGrowthPercent(0), MAX_STREAMING_PERCENT);
});

test('a large live heap (a schema of many objects) keeps the catalog growth while streaming', () => {
  assert.equal(streamingGrowthPercent(48 * MiB), CATALOG_GROWTH_PERCENT);
  assert.equal(streamingGrowthPercent(400 * MiB), CATALOG_GROWTH_PERCENT);
});

test('the percentage only falls as the live heap grows', () => {
  let last = Infinity;
  for (let live = MiB; live <= 256 * MiB; live += MiB) {
    const p = streamingGrowthPercent(live);
    assert.ok(p <= last, `${p}% at ${live / MiB} MiB after ${last}%`);
    assert.ok(p >= CATALOG_GROWTH_PERCENT && p <= MAX_STREAMING_PERCENT);
    last = p;
  }
});

test('setting the growth is accepted by V8 and growHeapForStreaming reports what it set', () => {
  assert.equal(growHeapForStreaming(20 * MiB), 120);
  const now = growHeapForStreaming();
  assert.ok(now >= CATALOG_GROWTH_PERCENT && now <= MAX_STREAMING_PERCENT);
  setHeapGrowth(CATALOG_GROWTH_PERCENT);
  assert.throws(() => setHeapGrowth(0), RangeError);
  assert.throws(() => setHeapGrowth(1.5), RangeError);
});
