/** Durations for maintenance flags (--grace, --retry-lock): "90s", "30m", "12h", "7d", "1h30m", or "0". */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDurationMs(text: string, flag: string): number {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^(\d+(ms|s|m|h|d))+$/.test(t)) {
    throw new UsageError(`${flag} "${text}" is not a duration; use e.g. 90s, 30m, 12h, 2d or 1h30m`);
  }
  let total = 0;
  for (const m of t.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!Number.isSafeInteger(total)) throw new UsageError(`${flag} "${text}" is too long`);
  return total;
}
