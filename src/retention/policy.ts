/**
 * The retention policy engine: a pure function from (snapshots of one group, policy, clock) to the
 * snapshots kept, with restic 0.18's reasons, and those removed. It follows restic 0.18's rules
 * (internal/restic/snapshot_policy.go; docs/retention.md describes them and the one deliberate
 * difference): snapshots are taken newest first; each `--keep-<bucket> N` rule keeps a snapshot when
 * its calendar bucket (in the snapshot's own recorded wall clock) differs from the bucket of the
 * previous snapshot the rule looked at, until N buckets are used (-1 = unlimited); the group's oldest
 * snapshot is also kept by every rule that still has unused slots ("oldest daily snapshot" when its
 * bucket was already used); `--keep-within*` are measured back from the newest snapshot that is not
 * in the future, with calendar arithmetic and a strict cut-off; `--keep-tag` keeps snapshots carrying
 * all tags of any one list. A snapshot is kept if any rule keeps it.
 */
import { UsageError } from '../errors.js';
import { bucketKey, subtractDuration, wallTime, type BucketKind, type WallTime } from './calendar.js';
import { formatDuration, isZeroDuration, type Duration } from './duration.js';
import type { SnapshotOrigin } from '../snapshot/manifest.js';

/** What the engine needs to know about a snapshot. */
export interface PolicySnapshot {
  id: string;
  /** RFC 3339 with the recording clock's UTC offset. */
  time: string;
  host: string;
  database: string;
  tags: readonly string[];
  /** The source identity of version 2 manifests (src/snapshot/source.ts); absent for version 1. */
  origin?: SnapshotOrigin | undefined;
}

/** `-1` means unlimited. */
export const UNLIMITED = -1;

export interface RetentionPolicy {
  last?: number;
  hourly?: number;
  daily?: number;
  weekly?: number;
  monthly?: number;
  yearly?: number;
  within?: Duration;
  withinHourly?: Duration;
  withinDaily?: Duration;
  withinWeekly?: Duration;
  withinMonthly?: Duration;
  withinYearly?: Duration;
  /** Keep snapshots that have every tag of at least one list (`--keep-tag a,b --keep-tag c`). */
  tags?: readonly (readonly string[])[];
}

export interface Decision<S extends PolicySnapshot = PolicySnapshot> {
  snapshot: S;
  /** Why it is kept, in restic's words (empty for removed snapshots). */
  reasons: string[];
}

export interface PolicyResult<S extends PolicySnapshot = PolicySnapshot> {
  /** Newest first. */
  keep: Decision<S>[];
  /** Newest first. */
  remove: Decision<S>[];
}

const COUNTS = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;
const WITHINS = ['within', 'withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly'] as const;

export const FLAG_OF: Record<(typeof COUNTS)[number] | (typeof WITHINS)[number] | 'tags', string> = {
  last: '--keep-last', hourly: '--keep-hourly', daily: '--keep-daily', weekly: '--keep-weekly', monthly: '--keep-monthly', yearly: '--keep-yearly',
  within: '--keep-within', withinHourly: '--keep-within-hourly', withinDaily: '--keep-within-daily', withinWeekly: '--keep-within-weekly',
  withinMonthly: '--keep-within-monthly', withinYearly: '--keep-within-yearly', tags: '--keep-tag',
};

/** Parse a `--keep-<bucket>` count: a whole number ≥ 0, or `unlimited` (-1). */
export function parseCount(input: string, flag = 'count'): number {
  const s = input; // not trimmed: restic (strconv.ParseInt) refuses " 3" too
  if (s === 'unlimited') return UNLIMITED;
  if (!/^[+-]?\d+$/.test(s)) throw new UsageError(`invalid ${flag} ${JSON.stringify(input)}: expected a whole number of snapshots to keep, or "unlimited"`);
  const n = Number(s);
  if (n < 0) throw new UsageError(`invalid ${flag} ${JSON.stringify(input)}: negative values are not allowed, use "unlimited" to keep all`);
  if (!Number.isSafeInteger(n)) throw new UsageError(`invalid ${flag} ${JSON.stringify(input)}: number too large (use "unlimited")`);
  return n === 0 ? 0 : n;
}

/** Parse one `--keep-tag` / `--tag` value: comma-separated tags, each trimmed (restic keeps empty entries: `''` means "no tags"). */
export function parseTagList(input: string): string[] {
  return input.split(',').map((t) => t.trim());
}

/**
 * restic's tag-list match: the snapshot has every tag of `list`; an empty tag matches a snapshot
 * without any tag (so `--keep-tag ''` keeps untagged snapshots).
 */
export function hasTags(snapshotTags: readonly string[], list: readonly string[]): boolean {
  for (const t of list) {
    if (t === '' && snapshotTags.length === 0) return true;
    if (!snapshotTags.includes(t)) return false;
  }
  return true;
}

/** True when the policy keeps nothing by itself (all counts 0, all durations zero, no tag list). */
export function isEmptyPolicy(p: RetentionPolicy): boolean {
  return COUNTS.every((k) => !p[k]) && WITHINS.every((k) => isZeroDuration(p[k])) && !(p.tags && p.tags.length > 0);
}

/** Refuse malformed policies with a message that names the flag. `allowEmpty` is for `--unsafe-allow-remove-all`. */
export function validatePolicy(p: RetentionPolicy, opts: { allowEmpty?: boolean } = {}): void {
  for (const k of COUNTS) {
    const v = p[k];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < UNLIMITED) {
      throw new UsageError(`${FLAG_OF[k]} ${String(v)} is not allowed: give a whole number ≥ 0, or "unlimited"`);
    }
  }
  for (const k of WITHINS) {
    const d = p[k];
    if (!d) continue;
    for (const part of [d.years, d.months, d.days, d.hours]) {
      if (!Number.isSafeInteger(part) || part < 0) {
        throw new UsageError(`${FLAG_OF[k]}: durations with negative or fractional parts are not allowed (got ${JSON.stringify(d)})`);
      }
    }
  }
  if (!opts.allowEmpty && isEmptyPolicy(p)) {
    throw new UsageError('no policy was specified, so no snapshot would be removed: give at least one of --keep-last, --keep-hourly, --keep-daily, ' +
      '--keep-weekly, --keep-monthly, --keep-yearly (a number > 0 or "unlimited"), --keep-within* (a duration such as 7d) or --keep-tag');
  }
}

/** One line, like restic's "Applying Policy: ...". */
export function describePolicy(p: RetentionPolicy): string {
  const names = ['latest', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'];
  const keeps: string[] = [];
  COUNTS.forEach((k, i) => {
    const v = p[k] ?? 0;
    if (v > 0) keeps.push(`${v} ${names[i]!}`);
    else if (v === UNLIMITED) keeps.push(`all ${names[i]!}`);
  });
  const within = (['withinHourly', 'withinDaily', 'withinWeekly', 'withinMonthly', 'withinYearly'] as const)
    .filter((k) => !isZeroDuration(p[k]))
    .map((k) => `${k.slice(6).toLowerCase()} snapshots within ${formatDuration(p[k]!)}`);
  let s = keeps.length ? `${keeps.join(', ')} snapshots` : '';
  if (within.length) s += (s ? ', ' : '') + within.join(', ');
  if (p.tags?.length) s += (s ? ' and ' : '') + `all snapshots with tags ${p.tags.map((l) => `[${l.join(', ')}]`).join(' ')}`;
  if (!isZeroDuration(p.within)) s += (s ? ' and ' : '') + `all snapshots within ${formatDuration(p.within!)} of the newest`;
  return s ? `keep ${s}` : 'remove';
}

interface Timed<S> { s: S; t: WallTime }

/** Newest first; equal times in id order, so the result never depends on listing order. */
export function sortNewestFirst<S extends PolicySnapshot>(list: readonly S[]): Timed<S>[] {
  return list.map((s) => ({ s, t: wallTime(s.time) }))
    .sort((a, b) => b.t.ms - a.t.ms || (a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0));
}

const BUCKETS: { key: (typeof COUNTS)[number]; kind: BucketKind | 'last'; reason: string }[] = [
  { key: 'last', kind: 'last', reason: 'last snapshot' },
  { key: 'hourly', kind: 'hourly', reason: 'hourly snapshot' },
  { key: 'daily', kind: 'daily', reason: 'daily snapshot' },
  { key: 'weekly', kind: 'weekly', reason: 'weekly snapshot' },
  { key: 'monthly', kind: 'monthly', reason: 'monthly snapshot' },
  { key: 'yearly', kind: 'yearly', reason: 'yearly snapshot' },
];

const WITHIN_BUCKETS: { key: Exclude<(typeof WITHINS)[number], 'within'>; kind: BucketKind; reason: string }[] = [
  { key: 'withinHourly', kind: 'hourly', reason: 'hourly within' },
  { key: 'withinDaily', kind: 'daily', reason: 'daily within' },
  { key: 'withinWeekly', kind: 'weekly', reason: 'weekly within' },
  { key: 'withinMonthly', kind: 'monthly', reason: 'monthly within' },
  { key: 'withinYearly', kind: 'yearly', reason: 'yearly within' },
];

/**
 * Apply `policy` to ONE group of snapshots (see groupSnapshots). `now` only decides which snapshots
 * are "in the future" (ignored when finding the newest snapshot that `--keep-within*` measure from).
 * Does not refuse an empty policy or a result that keeps nothing: the caller decides (see forget()).
 */
export function applyPolicy<S extends PolicySnapshot>(snapshots: readonly S[], policy: RetentionPolicy, now: Date = new Date()): PolicyResult<S> {
  validatePolicy(policy, { allowEmpty: true });
  const list = sortNewestFirst(snapshots);
  const result: PolicyResult<S> = { keep: [], remove: [] };
  if (list.length === 0) return result;

  // The newest snapshot strictly before `now`; none (all in the future) = every snapshot is "within".
  const nowMs = now.getTime();
  const latest = list.find((x) => x.t.ms < nowMs)?.t;
  const cutoff = (d: Duration): number => (latest ? subtractDuration(latest, d) : -Infinity);

  const counters = BUCKETS.map((b) => ({ ...b, left: policy[b.key] ?? 0, last: undefined as number | undefined }));
  const withins = WITHIN_BUCKETS.filter((b) => !isZeroDuration(policy[b.key]))
    .map((b) => ({ ...b, duration: policy[b.key]!, cutoff: cutoff(policy[b.key]!), last: undefined as number | undefined }));
  const withinAll = isZeroDuration(policy.within) ? undefined : { duration: policy.within!, cutoff: cutoff(policy.within!) };

  list.forEach((cur, nr) => {
    const oldest = nr === list.length - 1;
    const reasons: string[] = [];
    for (const l of policy.tags ?? []) {
      if (hasTags(cur.s.tags, l)) reasons.push(`has tags [${l.join(', ')}]`);
    }
    if (withinAll && cur.t.ms > withinAll.cutoff) reasons.push(`within ${formatDuration(withinAll.duration)}`);
    for (const b of counters) {
      if (b.left === 0) continue;
      const val = b.kind === 'last' ? nr : bucketKey(b.kind, cur.t);
      if (val !== b.last || oldest) {
        reasons.push(val === b.last ? `oldest ${b.reason}` : b.reason);
        b.last = val;
        if (b.left > 0) b.left--;
      }
    }
    for (const b of withins) {
      if (!(cur.t.ms > b.cutoff)) continue;
      const val = bucketKey(b.kind, cur.t);
      if (val !== b.last || oldest) {
        reasons.push(`${val === b.last ? 'oldest ' : ''}${b.reason} ${formatDuration(b.duration)}`);
        b.last = val;
      }
    }
    (reasons.length > 0 ? result.keep : result.remove).push({ snapshot: cur.s, reasons });
  });
  return result;
}
