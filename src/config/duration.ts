/**
 * Wall-clock durations for configuration keys and flags (--grace, --retry-lock, --lock-wait, prune.every):
 * "90s", "30m" (minutes), "12h", "7d", "2w", combinations such as "1d12h", or "0".
 * (Retention's --keep-within uses restic's calendar durations instead, where "m" means months:
 * src/retention/duration.ts.)
 */
import { UsageError } from '../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Milliseconds, or null when the text is not a duration. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isSafeInteger(total) ? total : null;
}

/** Milliseconds of a command-line duration; a UsageError naming `flag` when it is not one. */
export function parseDurationMs(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${flag} "${text}" is not a duration; use e.g. 90s, 30m (minutes), 12h, 2d or 1h30m`);
  return ms;
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = ms;
  for (const [u, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (rest >= size) { parts.push(`${Math.floor(rest / size)}${u}`); rest %= size; }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}
