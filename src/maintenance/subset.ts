/**
 * `check --read-data-subset`: which referenced chunks to download and verify in this run.
 *
 * - `n/m` (1 ≤ n ≤ m): partition n of m by chunk id (the first 4 bytes of the id, modulo m). The
 *   partitions are disjoint and cover every chunk, so running 1/m, 2/m, …, m/m (one per day, say)
 *   verifies the whole repository; a chunk stays in its partition across runs (ids never change).
 * - `P%` (0 < P ≤ 100): a random P percent of the chunks, drawn afresh each run.
 */
import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';

export type DataSubset =
  | { kind: 'partition'; n: number; m: number }
  | { kind: 'fraction'; fraction: number };

export function parseSubset(text: string): DataSubset {
  const t = text.trim();
  const part = /^(\d+)\/(\d+)$/.exec(t);
  if (part) {
    const n = Number(part[1]);
    const m = Number(part[2]);
    if (!(m >= 1 && n >= 1 && n <= m)) throw new UsageError(`--read-data-subset ${t}: n/m needs 1 <= n <= m (e.g. 1/7 ... 7/7)`);
    return { kind: 'partition', n, m };
  }
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(t);
  if (pct) {
    const p = Number(pct[1]);
    if (!(p > 0 && p <= 100)) throw new UsageError(`--read-data-subset ${t}: the percentage must be above 0 and at most 100`);
    return { kind: 'fraction', fraction: p / 100 };
  }
  throw new UsageError(`--read-data-subset "${t}" is neither n/m (e.g. 2/7) nor a percentage (e.g. 10%)`);
}

export function describeSubset(s: DataSubset): string {
  return s.kind === 'partition' ? `partition ${s.n}/${s.m}` : `${+(s.fraction * 100).toFixed(4)}% at random`;
}

/** A membership test for one run; `seed` makes the random choice reproducible (tests). */
export function subsetFilter(s: DataSubset | null, seed: Uint8Array = randomBytes(16)): (id: string) => boolean {
  if (s === null) return () => true;
  if (s.kind === 'partition') {
    return (id) => Number.parseInt(id.slice(0, 8), 16) % s.m === s.n - 1;
  }
  if (s.fraction >= 1) return () => true;
  const limit = Math.floor(s.fraction * 2 ** 32);
  return (id) => createHash('sha256').update(seed).update(id).digest().readUInt32BE(0) < limit;
}
