/**
 * Chunker parameters and their validation. Stored in the repository config: changing them changes
 * every chunk boundary (and so defeats deduplication against older snapshots).
 */
import { ConfigError } from '../errors.js';

export interface ChunkerParams {
  /** Smallest chunk, in bytes (except the last chunk of a stream). */
  min: number;
  /** Target average chunk size, in bytes. */
  avg: number;
  /** Largest chunk, in bytes: a chunk is cut here if no content boundary came first. */
  max: number;
}

/**
 * Defaults chosen by measurement on dump-like data (docs/chunking-and-crypto.md, "Choosing the
 * parameters"): 1 MiB average keeps the object count near 1000 per GB while still deduplicating
 * append-mostly tables.
 */
export const DEFAULT_CHUNKER_PARAMS: Readonly<ChunkerParams> = Object.freeze({
  min: 256 * 1024,
  avg: 1024 * 1024,
  max: 4 * 1024 * 1024,
});

/** fastcdc-rs's ranges (its WebAssembly build, the reference the tests compare against, aborts with a bare "unreachable" outside them). */
export const FASTCDC_LIMITS = Object.freeze({
  min: [64, 64 * 1024 * 1024],
  avg: [256, 256 * 1024 * 1024],
  max: [1024, 1024 * 1024 * 1024],
} as const);

/** pgvault's own cap on max: one object per chunk, and the chunker holds up to max bytes. */
export const PGVAULT_MAX_CHUNK = 64 * 1024 * 1024;

/**
 * Check `p` and return a frozen copy. Throws ConfigError explaining which value is wrong: integers,
 * min < avg < max, within fastcdc's ranges, max ≤ 64 MiB.
 */
export function validateChunkerParams(p: unknown): Readonly<ChunkerParams> {
  const fail = (why: string): never => {
    throw new ConfigError(`invalid chunker parameters ${describe(p)}: ${why}. ` +
      `Use integers with min < avg < max, e.g. the defaults ${describe(DEFAULT_CHUNKER_PARAMS)}.`);
  };
  if (typeof p !== 'object' || p === null) return fail('expected an object {min, avg, max}');
  const r = p as Record<string, unknown>;
  const out: Partial<ChunkerParams> = {};
  for (const k of ['min', 'avg', 'max'] as const) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) return fail(`${k} must be an integer number of bytes`);
    const [lo, hi] = FASTCDC_LIMITS[k];
    if (v < lo || v > hi) return fail(`${k} = ${v} is outside fastcdc's range ${lo}..${hi}`);
    out[k] = v;
  }
  const q = out as ChunkerParams;
  if (!(q.min < q.avg && q.avg < q.max)) return fail('need min < avg < max');
  if (q.max > PGVAULT_MAX_CHUNK) return fail(`max must be at most ${PGVAULT_MAX_CHUNK} bytes (64 MiB)`);
  return Object.freeze({ min: q.min, avg: q.avg, max: q.max });
}

function describe(p: unknown): string {
  if (typeof p !== 'object' || p === null) return JSON.stringify(p) ?? String(p);
  const r = p as Record<string, unknown>;
  return `{min: ${String(r.min)}, avg: ${String(r.avg)}, max: ${String(r.max)}}`;
}
