/**
 * How pgvault writes sizes and durations for people, everywhere (tables, log lines, progress): binary units
 * (1 MiB = 1024 KiB), and seconds with one or two decimals. Machine output (--json, metrics) keeps raw numbers.
 */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}
