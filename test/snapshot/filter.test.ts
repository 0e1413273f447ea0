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

test('backup --time is checked strictly: real dates, offsets within ±14:00, not more than a day ahead', async () => {
  const { parseSnapshotTime } = await import('../../src/snapshot/time.js');
  const now = new Date('2026-12-03T12:00:00Z');
  assert.equal(parseSnapshotTime('2026-11-26T06:00:00+01:00', now).date.toISOString(), '2026-11-26T05:00:00.000Z');
  assert.equal(parseSnapshotTime('2024-02-29T00:00:00Z', now).wall.day, 29, 'a leap day');
  assert.doesNotThrow(() => parseSnapshotTime('2026-12-04T11:00:00Z', now), 'within a day ahead (clock skew)');
  assert.doesNotThrow(() => parseSnapshotTime('2026-12-03T23:00:00+14:00', now));
  assert.throws(() => parseSnapshotTime('2026-02-30T06:00:00Z', now), /2026-02 has 28 days/);
  assert.throws(() => parseSnapshotTime('2025-02-29T06:00:00Z', now), /2025-02 has 28 days/);
  assert.throws(() => parseSnapshotTime('2026-04-31T06:00:00Z', now), /has 30 days/);
  assert.throws(() => parseSnapshotTime('2026-11-26T06:00:00+25:00', now), /offset beyond ±14:00/);
  assert.throws(() => parseSnapshotTime('2026-11-26T06:00:00-14:30', now), /offset beyond ±14:00/);
  assert.throws(() => parseSnapshotTime('2026-11-26T06:00:60Z', now), /seconds must be 00-59/);
  assert.throws(() => parseSnapshotTime('9999-12-31T23:59:59Z', now), /more than a day in the future/);
  // Stored manifests are still read as they are (parseTime stays lenient).
  assert.equal(parseTime('2026-11-26T06:00:00+25:00').offsetMinutes, 25 * 60);
});
