/**
 * The keyed hash that names a repository's chunks, indexes and manifests (its "chunk-ID scheme").
 *
 * Both schemes are keyed with `master.chunkId` and give 32 bytes as 64 lowercase hex characters:
 * - `blake2b-256-keyed`: BLAKE2b-256 with the key in its parameter block (libsodium's `crypto_generichash`).
 *   Every repository of format version 1 uses it.
 * - `hmac-sha256`: HMAC-SHA-256 (RFC 2104) through Node.js's OpenSSL. Where the CPU has SHA-256 instructions
 *   (x86 SHA extensions: every AMD Zen, Intel since Ice Lake and Goldmont; the ARMv8 crypto extensions) it costs
 *   ~0.64 CPU s per GB against ~1.1 for libsodium's WebAssembly BLAKE2b; without them ~2 s per GB
 *   (docs/benchmarks.md, "Eighth pass").
 *
 * A repository records its scheme at init (format version 2, docs/format.md) and never changes it: the same
 * plaintext must always get the same name, or deduplication and every ID check break.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';
import { chunkId as keyedBlake2b, KEY_BYTES } from './keys.js';

export const CHUNK_ID_SCHEMES = ['blake2b-256-keyed', 'hmac-sha256'] as const;
export type ChunkIdScheme = (typeof CHUNK_ID_SCHEMES)[number];

/** The scheme of every repository that does not name one (format version 1). */
export const LEGACY_CHUNK_ID_SCHEME: ChunkIdScheme = 'blake2b-256-keyed';

export type ChunkNamer = (plain: Uint8Array) => string;

export function isChunkIdScheme(s: unknown): s is ChunkIdScheme {
  return typeof s === 'string' && (CHUNK_ID_SCHEMES as readonly string[]).includes(s);
}

/** The naming function of `scheme` under `idKey` (32 bytes). */
export function chunkNamer(scheme: ChunkIdScheme, idKey: Uint8Array): ChunkNamer {
  if (idKey.length !== KEY_BYTES) throw new RangeError(`chunk-ID key must be ${KEY_BYTES} bytes, got ${idKey.length}`);
  if (scheme === 'hmac-sha256') {
    const key = Buffer.from(idKey);
    return (plain) => createHmac('sha256', key).update(plain).digest('hex');
  }
  if (scheme === 'blake2b-256-keyed') return (plain) => keyedBlake2b(idKey, plain);
  throw new ConfigError(`unknown chunk-ID scheme "${String(scheme)}"`);
}

/** CPU seconds one scheme takes on a fixed sample, for {@link fasterChunkIdScheme} (tests inject their own). */
export type SchemeTimer = (scheme: ChunkIdScheme) => number;

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** The best of three tries at naming 4 × 1 MiB of pseudo-random bytes (~10 ms for both schemes where SHA-256 has CPU instructions). */
export function measureScheme(scheme: ChunkIdScheme): number {
  const sample = randomBytes(1 << 20); // neither hash's speed depends on the content
  const name = chunkNamer(scheme, new Uint8Array(KEY_BYTES).fill(7));
  name(sample); // warm up (libsodium's WebAssembly, OpenSSL's dispatch)
  let best = Infinity;
  for (let t = 0; t < 3; t++) {
    const start = cpuSeconds();
    for (let r = 0; r < 4; r++) name(sample);
    best = Math.min(best, cpuSeconds() - start);
  }
  return best;
}

/**
 * The scheme a new repository gets by default: HMAC-SHA-256 unless keyed BLAKE2b is clearly faster on this
 * machine (a CPU without SHA-256 instructions, where it is ~2× faster). The two differ by ~1.7× either way, so
 * the choice does not flip on noise; ties go to HMAC-SHA-256 (native code, no WebAssembly memory).
 */
export function fasterChunkIdScheme(time: SchemeTimer = measureScheme): ChunkIdScheme {
  const hmac = time('hmac-sha256');
  const blake = time('blake2b-256-keyed');
  return blake * 1.25 < hmac ? 'blake2b-256-keyed' : 'hmac-sha256';
}
