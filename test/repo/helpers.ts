import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { FsStore } from '../../src/store/fs.js';
import { Repository, type InitOptions } from '../../src/repo/repository.js';
import type { GzipMember } from '../../src/repo/chunk-store.js';

/** Cheap Argon2id parameters: tests measure behaviour, not KDF cost. */
export const TEST_KDF = { opslimit: 1, memlimit: 8192 * 1024 };
/** Small chunks so that small test streams have many chunks. */
export const TEST_CHUNKER = { min: 4096, avg: 16384, max: 65536 };

export function tempDir(prefix = 'pgvault-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export async function testRepo(opts: InitOptions = {}): Promise<{ repo: Repository; dir: string; cacheDir: string; cleanup: () => void }> {
  const t = tempDir();
  const dir = join(t.path, 'repo');
  const cacheDir = join(t.path, 'cache');
  const repo = await Repository.init(new FsStore(dir, { fsync: false }), 'correct horse', {
    kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir, ...opts,
  });
  return { repo, dir, cacheDir, cleanup: t.cleanup };
}

/** Deterministic pseudo-random bytes (xorshift), compressible when `text` is true. */
export function bytes(n: number, seed = 1, text = false): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = text ? 0x20 + (x % 64) : x & 0xff;
  }
  return out;
}

export async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of it) parts.push(p);
  return Buffer.concat(parts);
}

/**
 * The gzip members of `it` concatenated (a .gz stream); checks that each member inflates to the plaintext length it
 * comes with.
 */
export async function collectMembers(it: AsyncIterable<GzipMember>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const { member, length } of it) {
    const plain = gunzipSync(member).length;
    if (plain !== length) throw new Error(`a gzip member inflates to ${plain} bytes but comes with length ${length}`);
    parts.push(member);
  }
  return Buffer.concat(parts);
}

export async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
