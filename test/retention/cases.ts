/**
 * Generated retention cases shared by the oracle test: snapshot histories (as RFC 3339 times with the
 * offsets real clocks would record) and the flags to run forget with. Deterministic (seeded).
 */
import { formatTime } from '../../src/snapshot/time.js';
import type { PolicyFlags } from '../../src/retention/flags.js';

export interface CaseSnapshot { time: string; host: string; database: string; tags: string[] }

export interface CaseArgs extends PolicyFlags {
  groupBy?: string;
  host?: string[];
  db?: string[];
  tag?: string[];
  unsafeAllowRemoveAll?: boolean;
}

export interface OracleCase {
  name: string;
  snapshots: CaseSnapshot[];
  args: CaseArgs;
  /** Set when restic must refuse: a phrase of its error message. */
  refuses?: string;
}

/** xorshift32: small, seeded, good enough for test data. */
export function rng(seed: number): { next: () => number; int: (lo: number, hi: number) => number; pick: <T>(xs: readonly T[]) => T; chance: (p: number) => boolean } {
  let x = seed >>> 0 || 1;
  const next = (): number => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 2 ** 32; };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

const offsetCache = new Map<string, Intl.DateTimeFormat>();
/** The UTC offset (minutes east) that time zone `zone` had at instant `ms` (from the system's tzdata, as restic reads it). */
export function zoneOffset(zone: string, ms: number): number {
  let f = offsetCache.get(zone);
  if (!f) offsetCache.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')!.value; // "GMT+01:00" or "GMT"
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/** The instant `ms` as a clock in `zone` records it. */
export function zoned(ms: number, zone: string): string {
  return formatTime(new Date(ms), zoneOffset(zone, ms));
}

/** The instant at which the wall clock of `zone` shows `wall` ("YYYY-MM-DDTHH:MM:SS"); for gaps, the later side. */
export function wallInstant(wall: string, zone: string): number {
  const asUtc = Date.parse(wall + 'Z');
  let ms = asUtc - zoneOffset(zone, asUtc) * 60_000;
  ms = asUtc - zoneOffset(zone, ms) * 60_000;
  return ms;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A cron job at fixed wall-clock times in `zone`, every day from `from` for `days` days. */
export function cron(from: string, days: number, times: string[], zone: string, who: Omit<CaseSnapshot, 'time'>, skip: (day: number) => boolean = () => false): CaseSnapshot[] {
  const out: CaseSnapshot[] = [];
  const start = Date.parse(from + 'T00:00:00Z');
  for (let d = 0; d < days; d++) {
    if (skip(d)) continue;
    const date = new Date(start + d * DAY).toISOString().slice(0, 10);
    for (const t of times) out.push({ ...who, time: zoned(wallInstant(`${date}T${t}`, zone), zone) });
  }
  return out;
}

/** An irregular history: gaps drawn from `gapsMs`, clocks in `zones` (each snapshot picks one). */
export function irregular(seed: number, from: string, n: number, gapsMs: number[], zones: string[], who: () => Omit<CaseSnapshot, 'time'>): CaseSnapshot[] {
  const r = rng(seed);
  const out: CaseSnapshot[] = [];
  let ms = Date.parse(from);
  for (let i = 0; i < n; i++) {
    ms += Math.max(1000, Math.round(r.pick(gapsMs) * (0.5 + r.next()) / 1000) * 1000);
    out.push({ ...who(), time: zoned(ms, r.pick(zones)) });
  }
  return out;
}

/** Drop snapshots at an instant already taken (restic's order for equal times is unspecified). */
export function distinctInstants(list: CaseSnapshot[]): CaseSnapshot[] {
  const seen = new Set<number>();
  return list.filter((s) => {
    const ms = Date.parse(s.time);
    if (seen.has(ms)) return false;
    seen.add(ms);
    return true;
  });
}

const who = (host: string, database = 'shop', tags: string[] = []): Omit<CaseSnapshot, 'time'> => ({ host, database, tags });

export function buildCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  const add = (name: string, snapshots: CaseSnapshot[], args: CaseArgs, refuses?: string): void => {
    cases.push({ name, snapshots: distinctInstants(snapshots), args, ...(refuses ? { refuses } : {}) });
  };

  // The original ticket: twice-daily cron at 06:00 and 18:00, Europe/Berlin wall clock (DST in March and October).
  const ticket = cron('2026-08-12', 100, ['06:00:00', '18:00:00'], 'Europe/Berlin', who('db1'));
  add('ticket policy, 100 days of twice-daily cron across the October DST change', ticket, { keepDaily: '7', keepWeekly: '4', keepMonthly: '3' });
  const year = cron('2025-11-01', 400, ['06:00:00', '18:00:00'], 'Europe/Berlin', who('db1'), (d) => (d > 40 && d < 47) || d % 97 === 5);
  add('ticket policy over 400 days with a week-long gap', year, { keepDaily: '7', keepWeekly: '4', keepMonthly: '3' });
  add('hourly/daily/weekly/monthly/yearly over 400 days', year, { keepHourly: '5', keepDaily: '10', keepWeekly: '8', keepMonthly: '14', keepYearly: '3' });
  add('keep-last and unlimited monthly', year, { keepLast: '3', keepMonthly: 'unlimited' });
  add('unlimited daily, yearly 1', cron('2026-09-20', 20, ['06:00:00', '18:00:00'], 'Europe/Berlin', who('db1')), { keepDaily: 'unlimited', keepYearly: '1' });

  // Year and ISO-week boundaries (2020 and 2026 have an ISO week 53; 2015 too), local clocks on both sides of UTC.
  for (const [from, zone] of [['2020-12-20', 'America/New_York'], ['2015-12-22', 'Asia/Kolkata'], ['2026-12-20', 'Pacific/Auckland'], ['2021-12-24', 'UTC']] as const) {
    const h = cron(from, 22, ['00:30:00', '11:00:00', '23:30:00'], zone, who('edge'));
    add(`year/ISO-week boundary from ${from} in ${zone}`, h, { keepDaily: '4', keepWeekly: '6', keepMonthly: '3', keepYearly: '3' });
    add(`ISO weeks only from ${from} in ${zone}`, h, { keepWeekly: 'unlimited' });
  }
  // Near midnight at -05:00 and +13:00: the same instants fall on different days.
  const midnight: CaseSnapshot[] = [];
  for (let d = 0; d < 16; d++) {
    const base = Date.parse('2021-12-26T04:30:00Z') + d * DAY;
    midnight.push({ ...who('m'), time: zoned(base, 'Etc/GMT+5') });
    midnight.push({ ...who('m'), time: zoned(base + 3 * HOUR + 17_000, 'Pacific/Tongatapu') });
    midnight.push({ ...who('m'), time: zoned(base + 9 * HOUR + 5_000, 'UTC') });
  }
  add('mixed offsets -05:00/+13:00/UTC near midnight, daily+weekly+yearly', midnight, { keepDaily: '9', keepWeekly: '3', keepYearly: '2' });
  add('mixed offsets, hourly', midnight, { keepHourly: '20' });

  // DST: clocks in Europe/Berlin change offset; a snapshot every 5 hours across both changes.
  const dst = [...irregular(11, '2026-03-26T00:00:00Z', 30, [5 * HOUR], ['Europe/Berlin'], () => who('dst')),
    ...irregular(12, '2026-10-23T00:00:00Z', 30, [5 * HOUR], ['Europe/Berlin', 'America/New_York'], () => who('dst'))];
  add('DST changes, hourly and daily', dst, { keepHourly: '25', keepDaily: '10', keepWeekly: '3' });

  // Clusters of snapshots within one hour (some crossing the hour).
  const clusters: CaseSnapshot[] = [];
  for (const [c, start] of ['2026-05-01T10:40:00Z', '2026-05-01T11:58:00Z', '2026-05-02T07:00:00Z', '2026-05-04T23:50:00Z', '2026-05-09T12:10:00Z'].entries()) {
    for (let i = 0; i < 6; i++) clusters.push({ ...who('cl'), time: zoned(Date.parse(start) + i * 4 * 60_000 + c * 1000, 'Europe/Berlin') });
  }
  add('clusters within an hour: hourly and last', clusters, { keepHourly: '4', keepLast: '3' });
  add('clusters within an hour: daily beyond the history (oldest rule)', clusters, { keepDaily: '10' });
  add('clusters: hourly within 1d, daily within 3d', clusters, { keepWithinHourly: '1d', keepWithinDaily: '3d' });

  // The oldest-snapshot rule.
  const few = [{ ...who('o'), time: '2026-05-01T08:00:00+02:00' }, { ...who('o'), time: '2026-05-01T20:00:00+02:00' }, { ...who('o'), time: '2026-05-03T09:00:00+02:00' }];
  add('oldest rule: daily 10 over 3 snapshots on 2 days', few, { keepDaily: '10' });
  add('oldest rule: daily 2 over 3 snapshots (no slot left)', few, { keepDaily: '2' });
  add('oldest rule: weekly, monthly, yearly with slots', few, { keepWeekly: '5', keepMonthly: '2', keepYearly: '1', keepLast: '1' });
  add('oldest rule: within-daily covering everything', few, { keepWithinDaily: '10d', keepWithinWeekly: '1m' });
  add('single snapshot', few.slice(2), { keepDaily: '3', keepWithinHourly: '2h', keepLast: '1' });

  // keep-within: month ends, leap years, strict cut-off, hours, offsets.
  const around = (latest: string, zoneOthers: string, points: string[]): CaseSnapshot[] =>
    [{ ...who('w'), time: latest }, ...points.map((p) => ({ ...who('w'), time: zoned(Date.parse(p), zoneOthers) }))];
  const mar31 = around('2021-03-31T12:00:00Z', 'UTC', ['2021-03-03T11:59:59Z', '2021-03-03T12:00:00Z', '2021-03-03T12:00:01Z', '2021-02-28T12:00:01Z', '2021-03-30T12:00:00Z', '2021-03-02T12:00:00Z']);
  add('keep-within 1m from 31 March (Go-style day overflow to 3 March, strict)', mar31, { keepWithin: '1m' });
  add('keep-within 1m1d from 31 March', mar31, { keepWithin: '1m1d' });
  add('keep-within 29d', mar31, { keepWithin: '29d' });
  const leap = around('2024-03-31T12:00:00+02:00', 'Etc/GMT+5', ['2024-03-02T10:00:00Z', '2024-03-02T09:59:59Z', '2024-03-02T10:00:01Z', '2024-02-29T12:00:00Z', '2024-03-01T11:00:00Z']);
  add('keep-within 1m from 31 March of a leap year, latest at +02:00, others at -05:00', leap, { keepWithin: '1m' });
  const feb29 = around('2024-02-29T18:00:00-05:00', 'Europe/Berlin', ['2023-03-01T23:00:00Z', '2023-03-01T22:59:59Z', '2023-03-01T23:00:01Z', '2023-02-28T23:00:00Z', '2023-06-01T00:00:00Z']);
  add('keep-within 1y from 29 February', feb29, { keepWithin: '1y' });
  add('keep-within 1y2m3d4h', feb29, { keepWithin: '1y2m3d4h' });
  add('keep-within 36h and daily 1', around('2026-01-10T06:00:00+01:00', 'Europe/Berlin', ['2026-01-08T17:00:00Z', '2026-01-08T16:59:59Z', '2026-01-08T17:00:01Z', '2026-01-09T05:00:00Z']), { keepWithin: '36h', keepDaily: '1' });

  // keep-within-<bucket> over a long irregular history.
  const long = irregular(21, '2019-06-01T00:00:00Z', 160, [3 * HOUR, DAY, 5 * DAY, 20 * DAY], ['Europe/Berlin', 'UTC', 'America/New_York'], () => who('long'));
  add('keep-within-hourly/daily/weekly/monthly/yearly', long, { keepWithinHourly: '2d', keepWithinDaily: '1m', keepWithinWeekly: '3m', keepWithinMonthly: '1y', keepWithinYearly: '5y' });
  add('keep-within-* with counts', long, { keepWithinDaily: '14d', keepWeekly: '10', keepMonthly: '6', keepWithin: '3d' });
  add('gaps: daily/weekly/monthly and unlimited yearly', long, { keepDaily: '10', keepWeekly: '6', keepMonthly: '4', keepYearly: 'unlimited' });

  // Several hosts, databases and tags: grouping and filters.
  const r = rng(99);
  const multi = irregular(31, '2026-01-01T00:00:00Z', 90, [7 * HOUR, 30 * HOUR], ['Europe/Berlin', 'UTC'], () => ({
    host: r.pick(['alpha', 'beta']), database: r.pick(['shop', 'crm']), tags: r.pick([[], ['nightly'], ['nightly', 'prod'], ['prod'], ['manual']]),
  }));
  const pol = { keepDaily: '5', keepWeekly: '2' };
  for (const g of [undefined, '', 'host', 'database', 'tags', 'host,tags', 'host,database,tags']) {
    add(`several hosts/databases/tags, group-by ${g === undefined ? '(default)' : JSON.stringify(g)}`, multi, { ...pol, ...(g === undefined ? {} : { groupBy: g }) });
  }
  add('keep-tag a list and a single tag', multi, { keepTag: ['nightly,prod', 'manual'], keepLast: '1' });
  add('keep-tag \'\' keeps untagged snapshots', multi, { keepTag: [''], keepDaily: '2' });
  add('keep-tag with spaces around tags', multi, { keepTag: [' prod , nightly'], keepLast: '1', groupBy: 'host' });
  add('filter --tag (AND within, OR across)', multi, { tag: ['nightly,prod', 'manual'], keepLast: '2', groupBy: 'host' });
  add('filter --tag \'\' (untagged only)', multi, { tag: [''], keepDaily: '3' });
  add('filter --host', multi, { host: ['beta'], keepWeekly: '3' });
  add('filter --db', multi, { db: ['crm'], keepLast: '4', groupBy: '' });
  add('unsafe-allow-remove-all with a filter', multi, { db: ['crm'], unsafeAllowRemoveAll: true });

  // Snapshots in the future (ignored when finding the newest for keep-within*, still counted by buckets).
  const future = [...cron('2026-06-01', 10, ['06:00:00'], 'UTC', who('f')), { ...who('f'), time: '2099-01-01T00:00:00+01:00' }, { ...who('f'), time: '2099-01-03T00:00:00-05:00' }];
  add('future snapshots with keep-within', future, { keepWithin: '3d' });
  add('future snapshots with keep-within-daily and last', future, { keepWithinDaily: '4d', keepLast: '1' });
  add('future snapshots with daily', future, { keepDaily: '3' });
  add('only future snapshots with keep-within', future.slice(-2), { keepWithin: '1h' });

  // Policies restic refuses.
  add('a count with a plus sign', few, { keepDaily: '+2' });
  add('refused: a count with a space', few, { keepDaily: ' 2' }, 'invalid syntax');
  add('refused: empty policy', few, { keepLast: '0', keepWithin: '0d' }, 'no policy was specified');
  add('refused: negative count', few, { keepDaily: '-1' }, 'negative values not allowed');
  add('refused: week unit', few, { keepWithin: '1w' }, "invalid unit 'w'");
  add('refused: negative duration', few, { keepWithinDaily: '-2d' }, 'negative values are not allowed');
  add('refused: space in duration', few, { keepWithin: '1d 2h' }, 'no number found');
  add('refused: keep-tag matching nothing', multi, { keepTag: ['nosuchtag'] }, 'refusing to delete last snapshot');
  add('refused: keep-tag that leaves one group empty', multi, { keepTag: ['prod'], groupBy: 'host,database,tags' }, 'refusing to delete last snapshot');
  add('refused: unsafe-allow-remove-all without a filter', multi, { unsafeAllowRemoveAll: true }, 'not allowed unless a snapshot filter');
  add('refused: no policy at all', multi, {}, 'no policy was specified');

  // Random histories and policies.
  for (let i = 0; i < 24; i++) {
    const rr = rng(1000 + i);
    const zones = [rr.pick(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC', 'Australia/Adelaide', 'Pacific/Chatham']), rr.pick(['UTC', 'Etc/GMT+5', 'Europe/Berlin'])];
    const gaps = [rr.pick([15 * 60_000, HOUR, 6 * HOUR]), rr.pick([12 * HOUR, DAY, 2 * DAY]), rr.pick([7 * DAY, 30 * DAY, 90 * DAY])];
    const snaps = irregular(2000 + i, `20${rr.int(15, 25)}-${String(rr.int(1, 12)).padStart(2, '0')}-15T00:00:00Z`, rr.int(25, 70), gaps, zones, () => ({
      host: rr.chance(0.3) ? 'h2' : 'h1', database: rr.chance(0.3) ? 'crm' : 'shop', tags: rr.pick([[], [], ['a'], ['a', 'b'], ['b']]),
    }));
    const args: CaseArgs = {};
    const counts = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'] as const;
    const withins = ['keepWithin', 'keepWithinHourly', 'keepWithinDaily', 'keepWithinWeekly', 'keepWithinMonthly', 'keepWithinYearly'] as const;
    const nRules = rr.int(1, 4);
    for (let k = 0; k < nRules; k++) {
      if (rr.chance(0.6)) args[rr.pick(counts)] = rr.chance(0.1) ? 'unlimited' : String(rr.int(1, 12));
      else args[rr.pick(withins)] = rr.pick(['12h', '2d', '10d', '1m', '1m15d', '3m', '1y', '2y6m', '40d12h']);
    }
    if (rr.chance(0.2)) args.keepTag = [rr.pick(['a,b', 'b', 'a'])];
    if (rr.chance(0.3)) args.groupBy = rr.pick(['', 'host', 'tags', 'database,tags']);
    add(`random #${i}`, snaps, args);
  }
  return cases;
}
