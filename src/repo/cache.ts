/**
 * Local cache of the known-chunk set, so that opening a repository does not download every index
 * object each time. It lives in `$XDG_CACHE_HOME/pgvault/<repo id>/` (default `~/.cache/pgvault`),
 * records which index objects it covers, and is authenticated with a keyed BLAKE2b MAC (the
 * chunk-ID key), so a damaged or foreign cache is ignored and rebuilt, never trusted.
 * The repository works with no cache at all: a fresh machine rebuilds it from the bucket.
 */
import { mkdir, readFile, rename, writeFile, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { chunkId } from '../crypto/keys.js';
import { ID_BYTES, KnownChunks } from './known-chunks.js';

const MAGIC = Buffer.from('PVKC', 'latin1');
const VERSION = 1;

export function defaultCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'pgvault');
}

export interface CachedIndex {
  indexNames: Set<string>;
  known: KnownChunks;
}

export class ChunkCache {
  readonly #file: string;
  readonly #dir: string;
  readonly #macKey: Uint8Array;

  constructor(root: string, repoId: string, macKey: Uint8Array) {
    this.#dir = join(root, repoId);
    this.#file = join(this.#dir, 'known-chunks');
    this.#macKey = macKey;
  }

  /** The cached state, or null when absent, damaged, or not ours. */
  async load(): Promise<CachedIndex | null> {
    let buf: Buffer;
    try {
      buf = await readFile(this.#file);
    } catch {
      return null;
    }
    if (buf.length < 4 + 1 + 4 + ID_BYTES || !buf.subarray(0, 4).equals(MAGIC) || buf[4] !== VERSION) return null;
    const body = buf.subarray(0, buf.length - ID_BYTES);
    const mac = buf.subarray(buf.length - ID_BYTES).toString('hex');
    if (chunkId(this.#macKey, body) !== mac) return null;
    let o = 5;
    const count = body.readUInt32BE(o);
    o += 4;
    const indexNames = new Set<string>();
    for (let i = 0; i < count; i++) {
      const len = body[o]!;
      indexNames.add(body.toString('latin1', o + 1, o + 1 + len));
      o += 1 + len;
    }
    if ((body.length - o) % ID_BYTES !== 0) return null;
    return { indexNames, known: KnownChunks.fromSortedBuffer(body.subarray(o)) };
  }

  async save(state: CachedIndex): Promise<void> {
    const names = [...state.indexNames].sort();
    const parts: Buffer[] = [MAGIC, Buffer.from([VERSION])];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(names.length);
    parts.push(count);
    for (const n of names) parts.push(Buffer.from([n.length]), Buffer.from(n, 'latin1'));
    parts.push(state.known.toSortedBuffer());
    const body = Buffer.concat(parts);
    const mac = Buffer.from(chunkId(this.#macKey, body), 'hex');
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, Buffer.concat([body, mac]), { mode: 0o600 });
    await rename(tmp, this.#file);
  }

  async clear(): Promise<void> {
    await rm(this.#file, { force: true });
  }
}
