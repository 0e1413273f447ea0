import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tagsMatch } from '../../src/snapshot/snapshots.js';
import { fileStamp, formatTime, parseTime } from '../../src/snapshot/time.js';

test('tag filters follow restic: comma = all of them, several = any group, empty = untagged only', () => {
  assert.equal(tagsMatch(['a', 'b'], undefined), true);
  assert.equal(tagsMatch(['a', 'b'], ['a,b']), true);
  assert.equal(tagsMatch(['a'], ['a,b']), false);
  assert.equal(tagsMatch(['a'], ['x', 'a']), true);
  assert.equal(tagsMatch([], ['']), true);
  assert.equal(tagsMatch(['a'], ['']), false);
  assert.equal(tagsMatch(['a'], [' a ']), true);
});

test('snapshot times keep their UTC offset; file stamps use the recorded wall clock', () => {
  const p = parseTime('2026-11-20T06:00:00+01:00');
  assert.equal(p.date.toISOString(), '2026-11-20T05:00:00.000Z');
  assert.equal(p.offsetMinutes, 60);
  assert.equal(fileStamp('2026-11-20T06:00:00+01:00'), '20261120_060000');
  assert.equal(fileStamp('2026-12-31T23:59:59-05:00'), '20261231_235959');
  assert.equal(formatTime(new Date('2026-11-20T05:00:00Z'), 60), '2026-11-20T06:00:00+01:00');
  assert.equal(formatTime(new Date('2026-11-20T05:00:00Z'), 0), '2026-11-20T05:00:00Z');
  assert.equal(formatTime(new Date('2026-11-20T05:00:00Z'), -330), '2026-11-19T23:30:00-05:30');
  assert.throws(() => parseTime('2026-11-20 06:00'), /RFC 3339/);
  assert.throws(() => parseTime('2026-13-20T06:00:00Z'));
});
