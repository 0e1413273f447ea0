/** The row layer as `npm run bench:incremental` runs it (bench/lib/row-delta.ts over src/layers). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowDelta } from '../../bench/lib/row-delta.js';

const rows = (ids: number[], tag = ''): Buffer => Buffer.from(ids.map((i) => `${i}\trow ${i}${tag}\n`).join(''));
const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

test('an unchanged table is one copy-from-base run and no literal', async () => {
  const s = await rowDelta(rows(range(0, 1000)), rows(range(0, 1000)));
  assert.deepEqual([s.matched, s.literalRows, s.dropped, s.ops], [1000, 0, 0, 1]);
});

test('updates, inserts and deletes in key order: matched + literal = rows, matched + dropped = base rows', async () => {
  const next = range(0, 1000).filter((i) => i % 100 !== 7).map((i) => i); // 10 deleted
  const text = next.map((i) => `${i}\trow ${i}${i % 50 === 3 ? ' changed' : ''}\n`);
  text.splice(500, 0, '100000\tinserted\n');
  const s = await rowDelta(rows(range(0, 1000)), Buffer.from(text.join('')));
  assert.equal(s.rows, 991);
  assert.equal(s.literalRows, 20 + 1);  // 20 changed rows (i % 50 === 3) + 1 insert
  assert.equal(s.matched + s.literalRows, s.rows);
  assert.equal(s.matched + s.dropped, s.baseRows);
  assert.equal(s.dropped, 10 + 20);
});

test('a window smaller than a run of deletions only costs literals, never a wrong match', async () => {
  const base = range(0, 200);
  const next = range(150, 200);
  const s = await rowDelta(rows(base), rows(next), 16);
  assert.equal(s.matched + s.literalRows, 50);
  assert.equal(s.matched + s.dropped, 200);
  assert.equal(s.literalRows, 50); // every surviving row lies beyond the 16-row window
  assert.equal((await rowDelta(rows(base), rows(next), 256)).literalRows, 0);
});

test('updates move the window past the old versions (matched by key), so a long run of updates does not stall it', async () => {
  const base = rows(range(0, 200));
  const next = Buffer.from(range(0, 200).map((i) => `${i}\trow ${i}${i < 100 ? ' updated' : ''}\n`).join(''));
  const s = await rowDelta(base, next, 16);
  assert.deepEqual([s.literalRows, s.matched, s.dropped], [100, 100, 100]);
});
