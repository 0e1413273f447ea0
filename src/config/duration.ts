/** Durations in the configuration: "90s", "30m", "12h", "7d", "2w", combinations such as "1d12h", or "0". */
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
