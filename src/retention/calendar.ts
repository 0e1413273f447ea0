/**
 * Calendar arithmetic for retention, in the wall clock of each snapshot's own recorded UTC offset
 * (restic does the same: a snapshot's time keeps its offset, and Go's Year()/Month()/Day()/Hour()/
 * ISOWeek() read the wall clock in it). Nothing here depends on the machine's time zone.
 */
import { parseTime, type ParsedTime } from '../snapshot/time.js';
import type { Duration } from './duration.js';

export type BucketKind = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';

/** A point in time with the wall clock it was recorded in. */
export interface WallTime {
  /** Milliseconds since the epoch (the instant). */
  ms: number;
  parsed: ParsedTime;
}

export function wallTime(time: string): WallTime {
  const parsed = parseTime(time);
  return { ms: parsed.date.getTime(), parsed };
}

/** Milliseconds of a proleptic-Gregorian wall-clock date as if it were UTC (Date.UTC without the 0–99 → 1900s quirk). */
function utcMs(year: number, monthIndex: number, day: number, h = 0, mi = 0, s = 0, ms = 0): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  d.setUTCHours(h, mi, s, ms);
  return d.getTime();
}

/** ISO 8601 week-numbering year and week of a calendar date (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(year: number, month: number, day: number): { year: number; week: number } {
  const date = utcMs(year, month - 1, day);
  const dow = (new Date(date).getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(date + (3 - dow) * 86_400_000);
  const isoYear = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - utcMs(isoYear, 0, 1)) / (7 * 86_400_000));
  return { year: isoYear, week };
}

/** The calendar bucket a snapshot falls in, as one comparable number (YYYYMMDDHH, YYYYMMDD, YYYYWW, YYYYMM, YYYY). */
export function bucketKey(kind: BucketKind, t: WallTime): number {
  const w = t.parsed.wall;
  switch (kind) {
    case 'hourly': return w.year * 1_000_000 + w.month * 10_000 + w.day * 100 + w.hour;
    case 'daily': return w.year * 10_000 + w.month * 100 + w.day;
    case 'weekly': { const iw = isoWeek(w.year, w.month, w.day); return iw.year * 100 + iw.week; }
    case 'monthly': return w.year * 100 + w.month;
    case 'yearly': return w.year;
  }
}

/**
 * The instant `d` before `from`, with calendar arithmetic in `from`'s own wall clock: years, months and
 * days are subtracted from the wall-clock date (overflowing days roll over: 31 March minus 1 month is
 * "31 February" = 3 March, or 2 March in a leap year), then hours are subtracted as elapsed time.
 * Returns -Infinity when the result is beyond what a Date can represent (everything is newer).
 */
export function subtractDuration(from: WallTime, d: Duration): number {
  const w = from.parsed.wall;
  const frac = from.ms - Math.floor(from.ms / 1000) * 1000;
  const wallMs = utcMs(w.year - d.years, w.month - 1 - d.months, w.day - d.days, w.hour, w.minute, w.second, frac);
  const ms = wallMs - from.parsed.offsetMinutes * 60_000 - d.hours * 3_600_000;
  return Number.isFinite(ms) ? ms : -Infinity;
}
