/**
 * Snapshot times are RFC 3339 strings that keep the UTC offset of the clock that recorded them
 * (`2026-11-26T06:00:00+01:00`), as restic does: retention buckets (days, ISO weeks, months) are
 * computed in each snapshot's own wall clock, and file names use it too.
 */
import { UsageError } from '../errors.js';

const pad = (n: number, w = 2): string => String(Math.trunc(Math.abs(n))).padStart(w, '0');

/** `date` in the host's local time zone (or a given offset in minutes east of UTC), RFC 3339 with offset. */
export function formatTime(date: Date, offsetMinutes = -date.getTimezoneOffset()): string {
  const local = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes >= 0 ? '+' : '-';
  const off = offsetMinutes === 0 ? 'Z' : `${sign}${pad(Math.abs(offsetMinutes) / 60)}:${pad(Math.abs(offsetMinutes) % 60)}`;
  const ms = local.getUTCMilliseconds();
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T${pad(local.getUTCHours())}:` +
    `${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${ms ? `.${pad(ms, 3)}` : ''}${off}`;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/i;

export interface ParsedTime {
  /** The instant. */
  date: Date;
  /** Offset of the recording clock, minutes east of UTC. */
  offsetMinutes: number;
  /** Wall-clock fields in that offset. */
  wall: { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

export function parseTime(s: string): ParsedTime {
  const m = RFC3339.exec(s.trim());
  if (!m) throw new UsageError(`invalid time ${JSON.stringify(s)}: expected RFC 3339 with a UTC offset, e.g. 2026-11-26T06:00:00+01:00`);
  const [, y, mo, d, h, mi, se, frac, tz] = m;
  let offsetMinutes = 0;
  if (tz && tz.toUpperCase() !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const wall = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(se) };
  const ms = frac ? Math.round(Number(frac) * 1000) : 0;
  const utc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, ms) - offsetMinutes * 60_000;
  const date = new Date(utc);
  if (Number.isNaN(utc) || wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > 31 || wall.hour > 23 || wall.minute > 59 || wall.second > 60) {
    throw new UsageError(`invalid time ${JSON.stringify(s)}`);
  }
  return { date, offsetMinutes, wall };
}

/** `YYYYmmdd_HHMMSS` in the snapshot's own wall clock (the original ticket's file naming). */
export function fileStamp(time: string): string {
  const { wall: w } = parseTime(time);
  return `${pad(w.year, 4)}${pad(w.month)}${pad(w.day)}_${pad(w.hour)}${pad(w.minute)}${pad(w.second)}`;
}

/** Largest UTC offset accepted for a time given by a person: real time zones span -12:00 to +14:00. */
export const MAX_OFFSET_MINUTES = 14 * 60;
/** How far in the future a given snapshot time may be (clock skew between hosts), ms. */
export const MAX_FUTURE_MS = 24 * 3_600_000;

/**
 * A time given for a new snapshot (`backup --time`), checked strictly, unlike parseTime (which must
 * read whatever a stored manifest holds): RFC 3339 with a real calendar date (no 2026-02-30), seconds
 * 00-59, a UTC offset within ±14:00, and at most one day after `now` (a snapshot dated 9999 would stay
 * `latest` forever and keep-within rules would count back from it).
 */
export function parseSnapshotTime(s: string, now: Date = new Date()): ParsedTime {
  const p = parseTime(s);
  const { year, month, day, second } = p.wall;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) throw new UsageError(`invalid time ${JSON.stringify(s)}: ${year}-${pad(month)} has ${daysInMonth} days`);
  if (second > 59) throw new UsageError(`invalid time ${JSON.stringify(s)}: seconds must be 00-59`);
  if (Math.abs(p.offsetMinutes) > MAX_OFFSET_MINUTES) {
    throw new UsageError(`invalid time ${JSON.stringify(s)}: UTC offset beyond ±14:00 (real time zones span -12:00 to +14:00)`);
  }
  if (p.date.getTime() - now.getTime() > MAX_FUTURE_MS) {
    throw new UsageError(`time ${JSON.stringify(s)} is more than a day in the future (now ${formatTime(now)}): ` +
      'a future snapshot would stay "latest" and skew retention; check the value and this host\'s clock');
  }
  return p;
}
