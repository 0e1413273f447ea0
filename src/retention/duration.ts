/**
 * Durations for `--keep-within*`, in restic's language: a sequence of `<number><unit>` with units
 * y (years), m (months), d (days) and h (hours), e.g. `1y2m3d4h`. A unit given twice keeps the last
 * value (`1d2d` = 2d), as restic does. Negative numbers are refused.
 */
import { UsageError } from '../errors.js';

export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
}

export const ZERO_DURATION: Duration = Object.freeze({ years: 0, months: 0, days: 0, hours: 0 });

const UNITS: Record<string, keyof Duration> = { y: 'years', m: 'months', d: 'days', h: 'hours' };
const HELP = 'write a number followed by y (years), m (months), d (days) or h (hours), e.g. 2d, 36h or 1y2m3d4h (no spaces, no weeks: use 7d)';

/** Parse `1y2m3d4h`. `flag` names the option in error messages. An empty string is the zero duration. */
export function parseDuration(input: string, flag = 'duration'): Duration {
  const d: Duration = { ...ZERO_DURATION };
  let s = input.trim();
  const fail = (why: string): never => {
    throw new UsageError(`invalid ${flag} ${JSON.stringify(input)}: ${why}; ${HELP}`);
  };
  while (s !== '') {
    const m = /^(-?)(\d*)/.exec(s)!;
    const [whole, minus, digits] = m as unknown as [string, string, string];
    if (digits === '') fail(`no number found at ${JSON.stringify(s)}`);
    if (minus) fail(`negative values are not allowed`);
    const n = Number(digits);
    if (!Number.isSafeInteger(n)) fail(`number ${digits} is too large`);
    s = s.slice(whole.length);
    if (s === '') fail(`no unit found after number ${n}`);
    const unit = UNITS[s[0]!];
    if (!unit) fail(`invalid unit '${s[0]!}' found after number ${n}`);
    d[unit!] = n;
    s = s.slice(1);
  }
  return d;
}

export function isZeroDuration(d: Duration | undefined): boolean {
  return !d || (d.years === 0 && d.months === 0 && d.days === 0 && d.hours === 0);
}

/** restic's rendering: non-zero parts in the order y, m, d, h (`1y2m`, `48h`); the zero duration is "". */
export function formatDuration(d: Duration): string {
  return (d.years ? `${d.years}y` : '') + (d.months ? `${d.months}m` : '') + (d.days ? `${d.days}d` : '') + (d.hours ? `${d.hours}h` : '');
}
