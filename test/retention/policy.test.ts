/** Table-driven tests of the policy engine, durations, counts, ISO weeks and grouping (restic 0.18 rules). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UsageError } from '../../src/errors.js';
import { bucketKey, isoWeek, subtractDuration, wallTime } from '../../src/retention/calendar.js';
import { formatDuration, parseDuration } from '../../src/retention/duration.js';
import { policyFromFlags } from '../../src/retention/flags.js';
import { RefusedError, planForget } from '../../src/retention/forget.js';
import { groupSnapshots, parseGroupBy, describeGroup } from '../../src/retention/group.js';
import { applyPolicy, describePolicy, hasTags, parseCount, validatePolicy, type PolicySnapshot, type RetentionPolicy } from '../../src/retention/policy.js';
import { formatTime } from '../../src/snapshot/time.js';

let n = 0;
const snap = (time: string, extra: Partial<PolicySnapshot> = {}): PolicySnapshot =>
  ({ id: (++n).toString(16).padStart(64, '0'), time, host: 'h', database: 'db', tags: [], ...extra });

/** [time, reasons] newest first, and the removed times newest first. */
function decide(list: PolicySnapshot[], policy: RetentionPolicy, now = new Date('2030-01-01T00:00:00Z')): { keep: [string, string[]][]; remove: string[] } {
  const r = applyPolicy(list, policy, now);
  return { keep: r.keep.map((d) => [d.snapshot.time, d.reasons]), remove: r.remove.map((d) => d.snapshot.time) };
}

describe('durations', () => {
  const ok: [string, [number, number, number, number], string][] = [
    ['1y2m3d4h', [1, 2, 3, 4], '1y2m3d4h'],
    ['2d', [0, 0, 2, 0], '2d'],
    ['48h', [0, 0, 0, 48], '48h'],
    ['0d3h', [0, 0, 0, 3], '3h'],
    ['1d1d', [0, 0, 1, 0], '1d'],
    [' 7d ', [0, 0, 7, 0], '7d'],
    ['3h1y', [1, 0, 0, 3], '1y3h'],
    ['', [0, 0, 0, 0], ''],
  ];
  for (const [input, [years, months, days, hours], shown] of ok) {
    test(`parses ${JSON.stringify(input)}`, () => {
      const d = parseDuration(input);
      assert.deepEqual(d, { years, months, days, hours });
      assert.equal(formatDuration(d), shown);
    });
  }
  const bad: [string, RegExp][] = [
    ['1w', /invalid unit 'w' found after number 1.*use 7d/],
    ['1d 2h', /no number found/],
    ['d', /no number found/],
    ['5', /no unit found after number 5/],
    ['-1d', /negative values are not allowed/],
    ['1D', /invalid unit 'D'/],
    ['99999999999999999999d', /too large/],
  ];
  for (const [input, re] of bad) {
    test(`refuses ${JSON.stringify(input)} naming the flag`, () => {
      assert.throws(() => parseDuration(input, '--keep-within'), (e: unknown) => e instanceof UsageError && /--keep-within/.test(e.message) && re.test(e.message));
    });
  }
});

describe('counts and validation', () => {
  test('counts: numbers, unlimited, refusals', () => {
    assert.equal(parseCount('7'), 7);
    assert.equal(parseCount('+3'), 3);
    assert.throws(() => parseCount(' 3', '--keep-last'), UsageError);
    assert.equal(parseCount('0'), 0);
    assert.equal(parseCount('unlimited'), -1);
    assert.throws(() => parseCount('-1', '--keep-daily'), /--keep-daily "-1": negative values are not allowed, use "unlimited"/);
    assert.throws(() => parseCount('-5', '--keep-daily'), UsageError);
    assert.throws(() => parseCount('1.5', '--keep-last'), /whole number/);
    assert.throws(() => parseCount('seven', '--keep-last'), UsageError);
    assert.throws(() => parseCount('', '--keep-last'), UsageError);
  });
  test('an empty policy is refused (zero counts and zero durations count as empty); a keep-tag makes it non-empty', () => {
    assert.throws(() => validatePolicy({}), /no policy was specified/);
    assert.throws(() => validatePolicy(policyFromFlags({ keepLast: '0', keepWithin: '0d', keepDaily: '0' })), /no policy was specified/);
    validatePolicy(policyFromFlags({ keepTag: [''] }));
    validatePolicy({}, { allowEmpty: true });
    assert.throws(() => validatePolicy({ daily: -2 }), /--keep-daily -2 is not allowed/);
    assert.throws(() => validatePolicy({ within: { years: 0, months: -1, days: 0, hours: 0 } }), /--keep-within: durations with negative/);
  });
  test('policy description like restic\'s "Applying Policy"', () => {
    assert.equal(describePolicy(policyFromFlags({ keepDaily: '7', keepWeekly: '4', keepMonthly: '3' })), 'keep 7 daily, 4 weekly, 3 monthly snapshots');
    assert.equal(describePolicy(policyFromFlags({ keepLast: 'unlimited', keepWithinDaily: '7d', keepTag: ['a,b'], keepWithin: '2d' })),
      'keep all latest snapshots, daily snapshots within 7d and all snapshots with tags [a, b] and all snapshots within 2d of the newest');
  });
});

describe('calendar', () => {
  const weeks: [string, number, number][] = [
    ['2020-12-31', 2020, 53], ['2021-01-01', 2020, 53], ['2021-01-03', 2020, 53], ['2021-01-04', 2021, 1],
    ['2015-12-31', 2015, 53], ['2016-01-03', 2015, 53], ['2016-01-04', 2016, 1], ['2018-12-31', 2019, 1],
    ['2026-12-31', 2026, 53], ['2027-01-03', 2026, 53], ['2027-01-04', 2027, 1], ['2024-12-30', 2025, 1], ['2026-11-26', 2026, 48],
  ];
  for (const [date, year, week] of weeks) {
    test(`ISO week of ${date} is ${year}-W${week}`, () => {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      assert.deepEqual(isoWeek(y, m, d), { year, week });
    });
  }
  test('ISO weeks: every Monday starts a new week, weeks 1..52/53 in order, over 30 years', () => {
    let prev = isoWeek(1999, 12, 31);
    for (let ms = Date.UTC(2000, 0, 1); ms < Date.UTC(2030, 0, 1); ms += 86_400_000) {
      const d = new Date(ms);
      const w = isoWeek(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
      if (d.getUTCDay() === 1) {
        const next = prev.week >= 52 && w.year === prev.year + 1 ? { year: prev.year + 1, week: 1 } : { year: prev.year, week: prev.week + 1 };
        assert.deepEqual(w, next, d.toISOString());
      } else {
        assert.deepEqual(w, prev, d.toISOString());
      }
      prev = w;
    }
  });
  test('buckets use the wall clock of the snapshot\'s own offset, not UTC', () => {
    const t = wallTime('2021-01-01T00:30:00+01:00'); // 2020-12-31T23:30Z
    assert.equal(bucketKey('daily', t), 20210101);
    assert.equal(bucketKey('hourly', t), 2021010100);
    assert.equal(bucketKey('weekly', t), 202053);
    assert.equal(bucketKey('monthly', t), 202101);
    assert.equal(bucketKey('yearly', t), 2021);
    assert.equal(bucketKey('daily', wallTime('2020-12-31T23:30:00-05:00')), 20201231); // 2021-01-01T04:30Z
  });
  const cut: [string, string, string][] = [
    ['2021-03-31T12:00:00Z', '1m', '2021-03-03T12:00:00.000Z'],
    ['2024-03-31T12:00:00Z', '1m', '2024-03-02T12:00:00.000Z'],
    ['2024-02-29T12:00:00Z', '1y', '2023-03-01T12:00:00.000Z'],
    ['2024-03-31T12:00:00+02:00', '1m', '2024-03-02T10:00:00.000Z'],
    ['2026-01-10T06:00:00+01:00', '36h', '2026-01-08T17:00:00.000Z'],
    ['2026-01-10T06:00:00+01:00', '1y2m3d4h', '2024-11-07T01:00:00.000Z'],
    ['2026-03-31T00:30:00-05:00', '1m', '2026-03-03T05:30:00.000Z'],
  ];
  for (const [from, d, expected] of cut) {
    test(`${from} minus ${d} is ${expected} (calendar arithmetic in the snapshot's offset)`, () => {
      assert.equal(new Date(subtractDuration(wallTime(from), parseDuration(d))).toISOString(), expected);
    });
  }
});

describe('applyPolicy', () => {
  test('restic\'s documented example: 12 Sundays, --keep-daily 4 keeps the last four', () => {
    const list = Array.from({ length: 12 }, (_, i) => snap(formatTime(new Date(Date.UTC(2019, 8, 1 + 7 * i, 11)), 0)));
    const r = decide(list, { daily: 4 });
    assert.deepEqual(r.keep, ['2019-11-17', '2019-11-10', '2019-11-03', '2019-10-27'].map((d) => [`${d}T11:00:00Z`, ['daily snapshot']]));
    assert.equal(r.remove.length, 8);
  });

  test('twice-daily cron: the later snapshot of each day is the daily one; daily+weekly+monthly overlap', () => {
    const list: PolicySnapshot[] = [];
    for (let d = 1; d <= 31; d++) for (const h of ['06', '18']) list.push(snap(`2026-01-${String(d).padStart(2, '0')}T${h}:00:00+01:00`));
    const r = decide(list, { daily: 3, weekly: 2, monthly: 2 });
    assert.deepEqual(r.keep, [
      ['2026-01-31T18:00:00+01:00', ['daily snapshot', 'weekly snapshot', 'monthly snapshot']],
      ['2026-01-30T18:00:00+01:00', ['daily snapshot']],
      ['2026-01-29T18:00:00+01:00', ['daily snapshot']],
      ['2026-01-25T18:00:00+01:00', ['weekly snapshot']], // Sunday of ISO week 4
      ['2026-01-01T06:00:00+01:00', ['oldest monthly snapshot']], // a monthly slot is left: the oldest is kept
    ]);
    assert.equal(r.remove.length, 62 - 5);
  });

  test('the oldest-snapshot rule: only while the rule has slots left, "oldest" only when its bucket was already used', () => {
    const few = [snap('2026-05-01T08:00:00+02:00'), snap('2026-05-01T20:00:00+02:00'), snap('2026-05-03T09:00:00+02:00')];
    assert.deepEqual(decide(few, { daily: 10 }).keep.map((k) => k[1]), [['daily snapshot'], ['daily snapshot'], ['oldest daily snapshot']]);
    assert.deepEqual(decide(few, { daily: 2 }).remove, ['2026-05-01T08:00:00+02:00']);
    const three = [snap('2026-05-01T08:00:00+02:00'), snap('2026-05-02T08:00:00+02:00'), snap('2026-05-03T08:00:00+02:00')];
    assert.deepEqual(decide(three, { daily: 5, last: 5 }).keep.map((k) => k[1]), [
      ['last snapshot', 'daily snapshot'], ['last snapshot', 'daily snapshot'], ['last snapshot', 'daily snapshot']]);
    assert.deepEqual(decide(few, { withinDaily: parseDuration('10d') }).keep.map((k) => k[1]),
      [['daily within 10d'], ['daily within 10d'], ['oldest daily within 10d']]);
  });

  test('keep-within: strict cut-off from the newest snapshot, calendar months', () => {
    const list = [snap('2021-03-31T12:00:00Z'), snap('2021-03-03T12:00:01Z'), snap('2021-03-03T12:00:00Z'), snap('2021-03-03T11:59:59Z')];
    const r = decide(list, { within: parseDuration('1m') });
    assert.deepEqual(r.keep, [['2021-03-31T12:00:00Z', ['within 1m']], ['2021-03-03T12:00:01Z', ['within 1m']]]);
    assert.deepEqual(r.remove, ['2021-03-03T12:00:00Z', '2021-03-03T11:59:59Z']);
  });

  test('future snapshots: ignored when finding the newest for keep-within, kept by it, still counted by buckets', () => {
    const now = new Date('2026-06-11T00:00:00Z');
    const list = [snap('2026-06-08T06:00:00Z'), snap('2026-06-09T06:00:00Z'), snap('2026-06-10T06:00:00Z'), snap('2099-01-01T00:00:00+01:00')];
    assert.deepEqual(decide(list, { within: parseDuration('1d') }, now).keep.map((k) => k[0]), ['2099-01-01T00:00:00+01:00', '2026-06-10T06:00:00Z']);
    assert.deepEqual(decide(list, { daily: 2 }, now).keep.map((k) => k[0]), ['2099-01-01T00:00:00+01:00', '2026-06-10T06:00:00Z']);
    // Everything in the future: nothing to measure from, so everything is "within".
    assert.equal(decide(list.slice(3), { within: parseDuration('1h') }, new Date('2020-01-01T00:00:00Z')).keep.length, 1);
  });

  test('unlimited counts keep every bucket', () => {
    const list = [snap('2026-01-01T06:00:00Z'), snap('2026-01-01T18:00:00Z'), snap('2026-01-02T06:00:00Z'), snap('2026-02-02T06:00:00Z')];
    // An unlimited rule always has a slot left, so the group's oldest snapshot is kept too.
    assert.deepEqual(decide(list, { daily: -1 }).keep, [['2026-02-02T06:00:00Z', ['daily snapshot']], ['2026-01-02T06:00:00Z', ['daily snapshot']],
      ['2026-01-01T18:00:00Z', ['daily snapshot']], ['2026-01-01T06:00:00Z', ['oldest daily snapshot']]]);
    assert.deepEqual(decide(list, { last: -1 }).remove, []);
  });

  test('keep-tag: every tag of one list; \'\' = untagged; reasons in restic\'s order and words', () => {
    const list = [snap('2026-01-03T00:00:00Z', { tags: ['a', 'b'] }), snap('2026-01-02T00:00:00Z', { tags: ['a'] }), snap('2026-01-01T00:00:00Z')];
    const r = decide(list, { tags: [['a', 'b'], ['a'], ['']], within: parseDuration('1d'), last: 1, withinHourly: parseDuration('3d') });
    assert.deepEqual(r.keep, [
      ['2026-01-03T00:00:00Z', ['has tags [a, b]', 'has tags [a]', 'within 1d', 'last snapshot', 'hourly within 3d']],
      ['2026-01-02T00:00:00Z', ['has tags [a]', 'hourly within 3d']], // 1d before the newest is the cut-off itself: not within
      ['2026-01-01T00:00:00Z', ['has tags []', 'hourly within 3d']],
    ]);
    assert.equal(hasTags(['a'], ['a', '']), false);
    assert.equal(hasTags([], ['', 'a']), true);
  });

  test('equal times are ordered by id, whatever the input order', () => {
    const a = snap('2026-01-01T00:00:00Z');
    const b = snap('2026-01-01T01:00:00+01:00');
    assert.deepEqual(applyPolicy([a, b], { last: 1 }).keep.map((d) => d.snapshot.id), [a.id]);
    assert.deepEqual(applyPolicy([b, a], { last: 1 }).keep.map((d) => d.snapshot.id), [a.id]);
    assert.deepEqual(applyPolicy([], { last: 1 }), { keep: [], remove: [] });
  });
});

describe('grouping and refusals', () => {
  const list = [
    snap('2026-01-01T00:00:00Z', { host: 'a', database: 'shop', tags: ['x', 'y'] }),
    snap('2026-01-02T00:00:00Z', { host: 'a', database: 'shop', tags: ['y', 'x'] }),
    snap('2026-01-03T00:00:00Z', { host: 'a', database: 'crm' }),
    snap('2026-01-04T00:00:00Z', { host: 'b', database: 'shop' }),
  ];
  test('default host+database; tags compared as sets; \'\' = one group', () => {
    assert.deepEqual(groupSnapshots(list).map((g) => [describeGroup(g.key), g.snapshots.length]),
      [['host a, database crm', 1], ['host a, database shop', 2], ['host b, database shop', 1]]);
    assert.deepEqual(groupSnapshots(list, parseGroupBy('tags')).map((g) => [describeGroup(g.key), g.snapshots.length]),
      [['tags [x, y]', 2], ['tags []', 2]]);
    assert.deepEqual(groupSnapshots(list, parseGroupBy('')).map((g) => [describeGroup(g.key), g.snapshots.length]), [['all snapshots', 4]]);
    assert.deepEqual(parseGroupBy('hosts,db,tag'), { host: true, database: true, tags: true });
    assert.throws(() => parseGroupBy('host,paths'), /unknown --group-by key "paths" \(pgvault groups by database/);
  });
  test('a policy that keeps nothing in a group is refused as a whole, naming the group', () => {
    assert.throws(() => planForget(list, policyFromFlags({ keepTag: ['x'] })), (e: unknown) =>
      e instanceof RefusedError && /refusing to delete the last snapshot of group "host a, database crm"/.test(e.message) && /nothing was deleted/.test(e.message));
    const ok = planForget(list, policyFromFlags({ keepTag: ['x'] }), { groupBy: parseGroupBy('tags'), filter: { tags: ['x'] } });
    assert.ok(ok.every((g) => g.keep.length > 0));
  });
  test('--unsafe-allow-remove-all needs a filter, and then removes everything matched', () => {
    assert.throws(() => planForget(list, {}, { unsafeAllowRemoveAll: true }), /needs a snapshot filter/);
    assert.throws(() => planForget(list, {}), /no policy was specified/);
    const all = planForget(list, {}, { unsafeAllowRemoveAll: true, filter: { hosts: ['b'] } });
    assert.deepEqual(all.map((g) => [g.description, g.keep.length, g.remove.length]), [['host b, database shop', 0, 1]]);
  });
});
