/**
 * An encrypted, content-addressed pgvault repository on top of a Store (docs/format.md).
 *
 * - `Repository.init` creates `config` and the first key file; `Repository.open` unlocks one key with
 *   the password and reads the sealed settings.
 * - Streams are saved with `writer()` (chunked, deduplicated, uploaded with bounded concurrency) and
 *   read back with `readStream()`; small objects (snapshot manifests, locks) with `putSealed()` /
 *   `getSealed()`.
 */
import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { DEFAULT_CHUNKER_PARAMS, type ChunkerParams, type ChunkPool } from '../chunker/index.js';
import { open, seal } from '../crypto/aead.js';
import { CHUNK_ID_SCHEMES, fasterChunkIdScheme, isChunkIdScheme, type ChunkIdScheme } from '../crypto/chunk-id.js';
import { checkCompression, type ChunkCompression } from '../crypto/compress.js';
import { createKeyFile, MAX_KDF_PARAMS, openKeyFile, parseKeyFile, type KdfParams } from '../crypto/keyfile.js';
import { generateMasterKey, type MasterKey } from '../crypto/keys.js';
import { openObject, sealObject } from '../crypto/pack.js';
import { IntegrityError, NotFoundError, PgvaultError, RepoExistsError, RepoNotFoundError, UsageError, WrongPasswordError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { ObjectKind, Store } from '../store/types.js';
import { describeRetry } from '../store/retry.js';
import { ChunkCache, defaultCacheRoot } from './cache.js';
import { ChunkStore, type ChunkSpan, type GzipMember } from './chunk-store.js';
import { releaseFreedMemory } from '../memory/garbage.js';
import { SeenSnapshots } from './seen.js';
import {
  chunkCompressionOf, chunkIdSchemeOf, parseConfigHeader, REPO_FORMAT, REPO_VERSION, schemeOf, type ConfigFile, type RepoSettings,
} from './format.js';
import { decodeRefs, type ChunkRef } from './records.js';
import { chunkPoolFor, StreamWriter, type StreamWriterOptions } from './writer.js';
import { compareCodeUnits } from '../order.js';

export interface OpenOptions {
  logger?: Logger;
  /** Cache root directory; null disables the local cache. Default: $XDG_CACHE_HOME/pgvault. */
  cacheDir?: string | null;
  /** Uploads/downloads in flight (default 8). */
  concurrency?: number;
  /** Write an index object every N new chunks (default 1000). */
  indexBatch?: number;
  /**
   * The most expensive Argon2id parameters a key file may ask for before it is tried (default: the most any
   * pgvault release has written, MAX_KDF_PARAMS: 3 passes, 64 MiB). Key files asking for more are skipped with a warning: anyone who
   * can write to the bucket could add one with 64 passes x 1 GiB and make every command take minutes and
   * a gigabyte. null: no cap (key files made so on purpose).
   */
  maxKdf?: KdfParams | null;
  /**
   * Derive the key where its memory does not stay in this process: Node.js's native Argon2id, or libsodium
   * in a short-lived worker thread, never libsodium on this thread (its WebAssembly memory keeps the 19 MiB
   * until exit). For long commands whose peak RSS matters (backup, restore, check, prune, run); costs
   * ~0.15 s more CPU on Node.js without native Argon2id (docs/benchmarks.md, "Start-up").
   */
  unlockOffThread?: boolean;
  /**
   * Once open, give V8's free heap pages back to the system (a memory-reducing full collection) when its committed heap
   * is above this many bytes (default {@link RELEASE_HEAP_AFTER_OPEN_ABOVE}; null: never). Opening an S3 repository
   * loads and runs the AWS SDK, which leaves ~17 MiB of committed but empty heap that V8 would otherwise keep for the
   * whole run (docs/benchmarks.md, "S3 repositories: peak RSS").
   */
  releaseHeapAbove?: number | null;
}

/** {@link OpenOptions.releaseHeapAbove} by default: a local repository opens with ~13 MiB of heap, an S3 one with ~33. */
export const RELEASE_HEAP_AFTER_OPEN_ABOVE = 24 * 1024 * 1024;

export interface InitOptions extends OpenOptions {
  chunker?: ChunkerParams;
  /** How data chunks are compressed (default gzip; zstd needs Node.js ≥ 22.15; docs/benchmarks.md). */
  compression?: ChunkCompression;
  /**
   * The keyed hash naming chunks (default 'auto': HMAC-SHA-256 unless keyed BLAKE2b is clearly faster on this
   * machine, src/crypto/chunk-id.ts). Fixed for the repository's life.
   */
  chunkId?: ChunkIdScheme | 'auto';
  /** Argon2id parameters for the first key (tests pass cheap ones). */
  kdf?: Partial<KdfParams>;
}

export interface KeyInfo {
  name: string;
  host: string;
  username: string;
  created: string;
  /** The key this session was unlocked with. */
  current: boolean;
}

const DEFAULT_CONCURRENCY = 8;

function newName(): string {
  return randomBytes(16).toString('hex');
}

function formatMiB(bytes: number): string {
  return `${+(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function keyMeta(): { host: string; username: string; created: string } {
  let username = 'unknown';
  try { username = userInfo().username; } catch { /* no passwd entry */ }
  return { host: hostname(), username, created: new Date().toISOString() };
}

export class Repository {
  readonly store: Store;
  readonly id: string;
  readonly settings: RepoSettings;
  readonly chunks: ChunkStore;
  readonly logger: Logger;
  /** What this host saw of the repository's snapshots (rollback detection, seen.ts); null without a cache folder. */
  readonly seen: SeenSnapshots | null;
  /** How this repository compresses data chunks (from its sealed settings). */
  readonly compression: ChunkCompression;
  /** The keyed hash naming this repository's objects (from its sealed settings; keyed BLAKE2b in format version 1). */
  readonly chunkIdScheme: ChunkIdScheme;
  /** The `version` of its `config` (docs/format.md): 1 or 2. */
  readonly formatVersion: number;
  readonly #keys: MasterKey;
  #keyName: string;
  #heapReleasedAfterOpen = false;
  /** Chunk memory shared by every stream this repository writes (src/repo/writer.ts, chunkPoolFor). */
  #chunkPool: ChunkPool | undefined;

  private constructor(store: Store, config: ConfigFile, settings: RepoSettings, keys: MasterKey, keyName: string, opts: OpenOptions) {
    this.store = store;
    this.id = config.id;
    this.settings = settings;
    this.compression = chunkCompressionOf(settings, store.location);
    this.chunkIdScheme = chunkIdSchemeOf(config.version, settings, store.location);
    this.formatVersion = config.version;
    this.#keys = keys;
    this.#keyName = keyName;
    this.logger = opts.logger ?? silentLogger;
    // Retries and stalls are visible at the default level (a slow or flaky bucket should not be a surprise).
    const logger = this.logger;
    store.observeRetries?.((e) => logger.warn(describeRetry(e)));
    const cacheRoot = opts.cacheDir === undefined ? defaultCacheRoot() : opts.cacheDir;
    this.seen = cacheRoot === null ? null : new SeenSnapshots(cacheRoot, config.id);
    this.chunks = new ChunkStore(store, keys, {
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
      indexBatch: opts.indexBatch ?? 1000,
      cache: cacheRoot === null ? null : new ChunkCache(cacheRoot, config.id, keys.chunkId),
      logger: this.logger,
      compression: this.compression,
      idScheme: this.chunkIdScheme,
    });
  }

  /** Whether `open` gave V8's free heap pages back to the system ({@link OpenOptions.releaseHeapAbove}). */
  get heapReleasedAfterOpen(): boolean {
    return this.#heapReleasedAfterOpen;
  }

  /** Name of the key file this session was unlocked with. */
  get keyName(): string {
    return this.#keyName;
  }

  /**
   * Create a new repository. Refuses when `config` already exists at the location. (Key files left by
   * an init that crashed before writing `config` do no harm: `open` ignores keys that do not fit.)
   */
  static async init(store: Store, password: string, opts: InitOptions = {}): Promise<Repository> {
    if (await store.stat('config', 'config')) throw new RepoExistsError(store.location);
    checkCompression(opts.compression ?? 'gzip');
    const keys = generateMasterKey();
    const chunkId = opts.chunkId === undefined || opts.chunkId === 'auto' ? fasterChunkIdScheme() : opts.chunkId;
    if (!isChunkIdScheme(chunkId)) throw new UsageError(`unknown chunk-ID scheme "${String(chunkId)}" (known: ${CHUNK_ID_SCHEMES.join(', ')})`);
    const settings: RepoSettings = {
      chunker: opts.chunker ?? DEFAULT_CHUNKER_PARAMS, compression: schemeOf(opts.compression ?? 'gzip'), chunkId,
    };
    const config: ConfigFile = {
      format: REPO_FORMAT,
      version: REPO_VERSION,
      id: randomBytes(16).toString('hex'),
      created: new Date().toISOString(),
      settings: Buffer.from(seal(keys.encryption, new TextEncoder().encode(JSON.stringify(settings)), 'config')).toString('base64'),
    };
    const keyName = newName();
    // Key first, config last: `config` is what makes the location a repository.
    await store.put('keys', keyName, await createKeyFile(keys, password, keyMeta(), opts.kdf));
    await store.put('config', 'config', new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
    return new Repository(store, config, settings, keys, keyName, opts);
  }

  /** Open an existing repository with `password`. */
  static async open(store: Store, password: string, opts: OpenOptions = {}): Promise<Repository> {
    let configBytes: Uint8Array;
    try {
      configBytes = await store.get('config', 'config');
    } catch (e) {
      if (e instanceof NotFoundError) throw new RepoNotFoundError(store.location, { cause: e });
      throw e;
    }
    const config = parseConfigHeader(configBytes, store.location);
    const names: string[] = [];
    for await (const k of store.list('keys')) names.push(k.name);
    if (names.length === 0) throw new IntegrityError(`the repository at ${store.location} has no key files (keys/ is empty): it cannot be unlocked`, 'keys/');
    let lastIntegrity: PgvaultError | null = null;
    const cap = opts.maxKdf === undefined ? MAX_KDF_PARAMS : opts.maxKdf;
    const skipped: string[] = [];
    for (const name of names.sort()) {
      const label = `keys/${name}`;
      let keys: MasterKey;
      try {
        const bytes = await store.get('keys', name);
        if (cap) {
          const { kdf } = parseKeyFile(bytes, label);
          if (kdf.opslimit > cap.opslimit || kdf.memlimit > cap.memlimit) {
            skipped.push(name);
            opts.logger?.warn(`key file ${label} asks for Argon2id with ${kdf.opslimit} passes and ${formatMiB(kdf.memlimit)}, more than pgvault ` +
              `has ever written (${cap.opslimit} passes, ${formatMiB(cap.memlimit)}): skipped, since anyone who can write to the bucket could have planted it ` +
              'to make every command slow. If you made it so, pass --allow-expensive-kdf (or PGVAULT_ALLOW_EXPENSIVE_KDF=1).');
            continue;
          }
        }
        keys = await openKeyFile(bytes, password, label, { offThread: opts.unlockOffThread === true });
      } catch (e) {
        if (e instanceof WrongPasswordError) continue;
        if (e instanceof IntegrityError) { lastIntegrity = e; opts.logger?.warn(e.message); continue; }
        throw e;
      }
      let settings: RepoSettings;
      try {
        const plain = open(keys.encryption, Buffer.from(config.settings, 'base64'), 'config', 'config');
        settings = JSON.parse(new TextDecoder().decode(plain)) as RepoSettings;
      } catch (e) {
        // A key of another (earlier, abandoned) repository at the same place: try the others.
        opts.logger?.warn(`key ${label} opens with this password but does not fit this repository's config; ignoring it`);
        lastIntegrity = e instanceof PgvaultError ? e : lastIntegrity;
        continue;
      }
      const repo = new Repository(store, config, settings, keys, name, opts);
      const above = opts.releaseHeapAbove === undefined ? RELEASE_HEAP_AFTER_OPEN_ABOVE : opts.releaseHeapAbove;
      repo.#heapReleasedAfterOpen = above !== null && releaseFreedMemory({ ifHeapAbove: above });
      return repo;
    }
    if (skipped.length > 0 && skipped.length + (lastIntegrity ? 1 : 0) >= names.length) {
      throw new IntegrityError(`no key file of the repository at ${store.location} could be tried: ${skipped.length} ask for a more expensive ` +
        `Argon2id than pgvault has ever written (first: keys/${skipped[0]!}). If you made them so, pass --allow-expensive-kdf (or PGVAULT_ALLOW_EXPENSIVE_KDF=1); ` +
        'otherwise remove them (someone with write access to the bucket may have added them).', `keys/${skipped[0]!}`);
    }
    if (lastIntegrity && names.length === 1) throw lastIntegrity;
    throw new WrongPasswordError(`wrong password: it opens none of the ${names.length} key(s) of the repository at ${store.location}`);
  }

  // ---- keys ----

  async listKeys(): Promise<KeyInfo[]> {
    const out: KeyInfo[] = [];
    for await (const k of this.store.list('keys')) {
      const label = `keys/${k.name}`;
      const { meta } = parseKeyFile(await this.store.get('keys', k.name), label);
      out.push({ name: k.name, ...meta, current: k.name === this.#keyName });
    }
    return out.sort((a, b) => compareCodeUnits(a.created, b.created) || compareCodeUnits(a.name, b.name));
  }

  /** Add a key file for another password; returns its name. */
  async addKey(password: string, kdf?: Partial<KdfParams>): Promise<string> {
    const name = newName();
    await this.store.put('keys', name, await createKeyFile(this.#keys, password, keyMeta(), kdf));
    return name;
  }

  /** Remove a key file. Refuses the key in use (use changePassword) and the last key. */
  async removeKey(name: string): Promise<void> {
    const keys = await this.listKeys();
    const matches = keys.filter((k) => k.name.startsWith(name));
    if (matches.length === 0) throw new UsageError(`no key named ${name} in this repository (see "pgvault key list")`);
    if (matches.length > 1) throw new UsageError(`key prefix ${name} is ambiguous: ${matches.map((k) => k.name).join(', ')}`);
    const target = matches[0]!;
    if (keys.length === 1) throw new UsageError('refusing to remove the last key: the repository could never be opened again');
    if (target.current) throw new UsageError('refusing to remove the key this command was unlocked with; unlock with another password, or use "pgvault key passwd"');
    await this.store.delete('keys', target.name);
  }

  /** Replace the current key with one for `newPassword`; returns the new key's name. */
  async changePassword(newPassword: string, kdf?: Partial<KdfParams>): Promise<string> {
    const old = this.#keyName;
    const name = await this.addKey(newPassword, kdf);
    this.#keyName = name;
    await this.store.delete('keys', old);
    return name;
  }

  // ---- sealed small objects ----

  async putSealed(kind: Exclude<ObjectKind, 'data' | 'config' | 'keys'>, name: string, plain: Uint8Array): Promise<number> {
    const body = await sealObject(this.#keys, kind, name, plain);
    await this.store.put(kind, name, body);
    return body.length;
  }

  async getSealed(kind: Exclude<ObjectKind, 'data' | 'config' | 'keys'>, name: string): Promise<Uint8Array> {
    const label = `${kind}/${name}`;
    const fetch = async (): Promise<Uint8Array> => {
      try {
        return await this.store.get(kind, name);
      } catch (e) {
        if (e instanceof NotFoundError) throw new IntegrityError(`object ${label} is missing from the repository at ${this.store.location}`, label, { cause: e });
        throw e;
      }
    };
    const decode = (body: Uint8Array): Promise<Uint8Array> => openObject(this.#keys, kind, name, body);
    const body = await fetch();
    try {
      return await decode(body);
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      // Damaged in transit (HTTP 200, wrong bytes) or in the repository: one more download tells.
      this.logger.warn(`${label} did not verify (${e.message}); downloading it again`);
      return decode(await fetch());
    }
  }

  /** Keyed content hash, for naming content-addressed objects (e.g. snapshot manifests). */
  contentId(plain: Uint8Array): string {
    return this.chunks.idOf(plain);
  }

  // ---- streams ----

  /** Throws ConfigError if this Node.js cannot compress the way the repository does (zstd before Node 22.15). */
  writer(opts: StreamWriterOptions = {}): StreamWriter {
    checkCompression(this.compression);
    this.#chunkPool ??= chunkPoolFor(this.settings.chunker);
    return new StreamWriter(this.chunks, this.settings.chunker, this.#chunkPool, opts);
  }

  /** The data-chunk refs of a saved stream, in order, read from its chunk-list stream. */
  refs(list: readonly ChunkRef[], label = 'chunk list'): AsyncGenerator<ChunkRef> {
    return decodeRefs(this.chunks.read(list), label);
  }

  /** The plaintext of a saved stream, optionally only the byte range [start, end). */
  async *readStream(list: readonly ChunkRef[], range?: { start: number; end: number }): AsyncGenerator<Uint8Array> {
    if (!range) {
      yield* this.chunks.read(this.refs(list));
      return;
    }
    const { start, end } = range;
    let pos = 0;
    const wanted = (async function* (all: AsyncGenerator<ChunkRef>): AsyncGenerator<ChunkRef & { at: number }> {
      for await (const r of all) {
        const at = pos;
        pos += r.length;
        if (at + r.length <= start) continue;
        if (at >= end) break;
        yield { ...r, at };
      }
    })(this.refs(list));
    // Track offsets of the chunks in the same order as they are read.
    const offsets: number[] = [];
    const tracked = (async function* () {
      for await (const r of wanted) { offsets.push(r.at); yield r; }
    })();
    for await (const bytes of this.chunks.read(tracked)) {
      const at = offsets.shift()!;
      const from = Math.max(0, start - at);
      const to = Math.min(bytes.length, end - at);
      if (to > from) yield bytes.subarray(from, to);
    }
  }

  /** The plaintext of a saved stream chunk by chunk, each with its gzip member when stored gzip-compressed. */
  readWithMembers(list: readonly ChunkRef[]): AsyncGenerator<ChunkSpan> {
    return this.chunks.readWithMembers(this.refs(list));
  }

  /**
   * The stream as gzip members, one per chunk, each with its chunk's plaintext length: the members concatenated are
   * a valid .gz file of the plaintext.
   */
  readGzip(list: readonly ChunkRef[]): AsyncGenerator<GzipMember> {
    return this.chunks.readGzip(this.refs(list));
  }

  async close(): Promise<void> {
    await this.store.close();
  }
}
