/**
 * Chunks in the repository: pack (compress + seal) and upload each new chunk once, with bounded
 * concurrency; record what was uploaded in index objects; load and verify chunks with prefetch.
 *
 * Write order (the repository's safety invariant, as in restic): data objects first, then the index
 * objects that list them, then (elsewhere) the snapshot manifest that references them. A crash at any
 * point leaves at worst unreferenced data objects, which the next backup re-uploads or reuses and
 * prune removes. Chunks reused from the index are proven to exist before `flush()` returns (HEADs or
 * one listing; re-uploaded when missing): see verify-reused.ts.
 */
import { availableParallelism } from 'node:os';
import { open, seal } from '../crypto/aead.js';
import { chunkLabel, packAndSeal } from '../crypto/pack.js';
import { chunkNamer, LEGACY_CHUNK_ID_SCHEME, type ChunkIdScheme, type ChunkNamer } from '../crypto/chunk-id.js';
import type { MasterKey } from '../crypto/keys.js';
import { decompressChunk, gzipForRestore, gzipMemberOf, type ChunkCompression } from '../crypto/compress.js';
import { IntegrityError, NotFoundError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { KnownChunks } from './known-chunks.js';
import { ByteBudget, Limiter } from './limiter.js';
import { decodeIndex, encodeIndex, type ChunkRef, type IndexEntry } from './records.js';
import { ChunkCache } from './cache.js';
import { crashPoint } from '../crash-points.js';
import { ReusedChunkVerifier, type ReuseStats } from './verify-reused.js';
import { GarbagePacer } from '../memory/garbage.js';
import { freeNow } from '../memory/free-now.js';

/** Upload statistics of a ChunkStore session or of one stream. */
export interface UploadStats {
  /** Chunks uploaded (new to the repository). */
  newChunks: number;
  /** Plaintext bytes of the uploaded chunks. */
  newBytes: number;
  /** Bytes actually stored for them (compressed + encrypted). */
  storedBytes: number;
}

/** Plaintext bytes and, when they are one whole chunk stored gzip-compressed, that chunk's gzip member. */
export interface ChunkSpan {
  bytes: Uint8Array;
  /** A complete gzip member whose content is exactly `bytes`. */
  member?: Uint8Array;
}

/** One chunk as a complete gzip member (see ChunkStore.readGzip). */
export interface GzipMember {
  /** A complete gzip member; its buffer belongs to the reader alone (nothing else holds it). */
  member: Uint8Array;
  /** The chunk's plaintext length, as its ref records it (not yet checked against the member's content). */
  length: number;
}

export interface ChunkStoreOptions {
  /** Uploads (and downloads) in flight at once. */
  concurrency: number;
  /** Write an index object after this many new chunks (and at every flush). */
  indexBatch: number;
  cache: ChunkCache | null;
  logger: Logger;
  /** How new data chunks are compressed (default gzip; the repository's setting). */
  compression?: ChunkCompression;
  /** The keyed hash naming chunks, indexes and manifests (the repository's setting; default keyed BLAKE2b-256). */
  idScheme?: ChunkIdScheme;
  /**
   * Memory of the plaintext chunks waiting for or under compression, in bytes (default
   * {@link DEFAULT_COMPRESS_BYTES}): `save` waits while it is spent, so a fast producer holds no more than this
   * (plus the chunk in its hands) however many uploads are in flight. A lent chunk counts its whole pooled buffer.
   */
  compressBytes?: number;
  /**
   * Sequential reads ({@link ChunkStore.read}, {@link ChunkStore.readWithMembers}) run a young-generation collection
   * after every this many plaintext bytes; 0: never (default {@link defaultReadGcEveryBytes}).
   */
  readGcEveryBytes?: number;
}

/**
 * Default of {@link ChunkStoreOptions.compressBytes}: two pooled chunk buffers (2 × avg each at the default chunker
 * parameters). Two compressions at once outrun the main thread, which chunks, hashes and seals at ~1/3 of gzip's
 * speed per core (docs/benchmarks.md); a larger budget only holds more memory (measured: 8 MiB, peak RSS +4–17 MiB).
 */
export const DEFAULT_COMPRESS_BYTES = 4 * 1024 * 1024;

/**
 * Chunks being opened and decompressed at once, across every read of a ChunkStore (restores, verify, check
 * --read-data): one per core, at least 2 and at most 8. Downloads run `concurrency` wide, but a downloaded body is
 * small and its plaintext up to 4 MiB, so the plaintext side is bounded separately. Measured on a 933 MiB dump (pgbench scale 100, compiled CLI, Node 22):
 * with 8 chunks decompressed ahead, `restore --stdout` peaked at 196–202 MiB and `check --read-data` at 176–180 MiB
 * (the bound is 150); `--concurrency 2` gave 153 MiB at the same wall time on a local repository.
 */
export const DECODE_SLOTS = Math.min(8, Math.max(2, availableParallelism()));
/** A sequential read ({@link ChunkStore.read}) decodes this many chunks ahead of the one being consumed. */
export const DECODE_AHEAD = 2;
/**
 * Chunks loaded one by one ({@link ChunkStore.load}: `check --read-data`, `repair`, `concurrency` at once) are paced
 * like a backup's dump (src/memory/garbage.ts): a young-generation collection every this many plaintext bytes, so the
 * buffers of each chunk (downloaded, opened, decompressed) are freed while young instead of piling up outside V8's
 * heap until it notices them, 64 MiB later. Measured on a 933 MiB dump: `check --read-data` peaked at 173–175 MiB
 * without, 133–139 with a collection every 16 MiB (+0.3–0.5 CPU s), 140–142 every 32 MiB. Sequential reads
 * ({@link ChunkStore.read}) showed no gain from pacing on Node.js 22 and are paced only on V8 13 and later
 * ({@link READ_GC_EVERY_BYTES}).
 */
export const LOAD_GC_EVERY_BYTES = 16 * 1024 * 1024;

/**
 * Sequential reads on V8 13 and later (Node.js 24) are paced too: a young-generation collection every this many
 * plaintext bytes (~2 chunks at the default chunker parameters). Measured on the 933 MiB dump (`restore --stdout`,
 * compiled CLI): Node.js 24 peaked at 154–171 MiB unpaced, 130–149 paced every 1–2 MiB, 135–158 every 4–8 MiB, at the
 * same CPU; a `.sql.gz` restore ({@link ChunkStore.readWithMembers}) 167–173 → 134–146 MiB for +0.4 CPU s. Not the young generation (76 scavenges vs Node.js 22's 87, 2.7 vs 4.5 MiB promoted, the same 4 MiB
 * semi-spaces) and not glibc's thread arenas (`MALLOC_ARENA_MAX=2` changed nothing on Node.js 24): the buffers of
 * the chunks read between two scavenges (bodies, opened and decompressed plaintexts, ~13 MiB of data apart) are
 * freed into the main malloc heap, which on Node.js 24 grew to 66 MiB and was given back twice in a run (`strace`:
 * 63 `brk` calls) where Node.js 22's stayed under 50 MiB and shrank again and again (118). Collected every 2 MiB, they
 * are freed while the heap can still reuse their memory. Node.js 22 gained nothing from it (138–140 MiB unpaced,
 * 139–143 paced, the same CPU), so it is left unpaced there; docs/benchmarks.md, "Node.js 24".
 */
export const READ_GC_EVERY_BYTES = 2 * 1024 * 1024;

/** {@link ChunkStoreOptions.readGcEveryBytes} by default: {@link READ_GC_EVERY_BYTES} on V8 13 and later, else 0. */
export function defaultReadGcEveryBytes(v8Version = process.versions.v8 ?? ''): number {
  return Number.parseInt(v8Version, 10) >= 13 ? READ_GC_EVERY_BYTES : 0;
}

export class ChunkStore {
  readonly #store: Store;
  readonly #keys: MasterKey;
  readonly #opts: ChunkStoreOptions;
  #known: KnownChunks | null = null;
  #indexNames = new Set<string>();
  readonly #pending = new Map<string, Promise<void>>();
  #unindexed: IndexEntry[] = [];
  readonly #limiter: Limiter;
  readonly #compressing: ByteBudget;
  /** Decodes (open + decompress + verify) of data chunks in progress: {@link DECODE_SLOTS}. */
  readonly #decoding = new ByteBudget(DECODE_SLOTS);
  readonly #loadPacer = new GarbagePacer(LOAD_GC_EVERY_BYTES);
  /** Paces sequential reads (null: not paced; see {@link READ_GC_EVERY_BYTES}). */
  readonly #readPacer: GarbagePacer | null;
  readonly #reused: ReusedChunkVerifier<UploadStats>;
  readonly stats: UploadStats = { newChunks: 0, newBytes: 0, storedBytes: 0 };
  readonly #name: ChunkNamer;
  /** Downloads and decodes started by sequential reads ({@link read}, {@link readWithMembers}): for tests and measurements. */
  readonly readCounts = { downloads: 0, decodes: 0 };

  constructor(store: Store, keys: MasterKey, opts: ChunkStoreOptions) {
    this.#store = store;
    this.#keys = keys;
    this.#opts = opts;
    this.#name = chunkNamer(opts.idScheme ?? LEGACY_CHUNK_ID_SCHEME, keys.chunkId);
    this.#limiter = new Limiter(opts.concurrency);
    this.#compressing = new ByteBudget(opts.compressBytes ?? DEFAULT_COMPRESS_BYTES);
    const readGc = opts.readGcEveryBytes ?? defaultReadGcEveryBytes();
    this.#readPacer = readGc > 0 ? new GarbagePacer(readGc) : null;
    this.#reused = new ReusedChunkVerifier<UploadStats>({
      store, logger: opts.logger, concurrency: opts.concurrency,
      estimatedObjects: () => this.#known?.size ?? 0,
      reupload: (id, plain, stats) => this.#upload(id, plain, stats),
    });
  }

  /** Young-generation collections run by sequential reads so far (see {@link READ_GC_EVERY_BYTES}). */
  get readCollections(): number {
    return this.#readPacer?.collections ?? 0;
  }

  /** How the chunks reused by this session were proven to exist (see verify-reused.ts). */
  get reuseStats(): ReuseStats {
    return this.#reused.stats;
  }

  /** ID of a plaintext chunk (the repository's keyed hash: src/crypto/chunk-id.ts). */
  idOf(plain: Uint8Array): string {
    return this.#name(plain);
  }

  /**
   * Make sure `plain` (whose id is `id`) is stored; resolves once the upload has been *started*
   * (backpressure), not finished: call `flush()` before relying on it. Returns true if it is new.
   * With `release`, the caller lends `plain` (e.g. from a {@link ChunkPool}): the store calls `release` exactly
   * once, when it will not read `plain` again (an upload: once it is compressed and sealed; otherwise before returning),
   * and keeps a copy where it must hold the bytes longer (a reused chunk waiting for its existence check).
   * `compress: false` stores a new chunk raw without trying to compress it (a stream incompressible by construction).
   */
  async save(id: string, plain: Uint8Array, stats?: UploadStats, release?: () => void, opts: { compress?: boolean } = {}): Promise<boolean> {
    let lent = release;
    try {
      const known = await this.known();
      if (this.#pending.has(id)) return false;
      if (known.has(id)) {
        // Reused: proven to exist before flush() returns, or uploaded again (verify-reused.ts).
        await this.#reused.reuse(id, release ? plain.slice() : plain, stats);
        return false;
      }
      lent = undefined; // #upload releases it
      await this.#upload(id, plain, stats, release, opts.compress ?? true);
      return true;
    } finally {
      lent?.();
    }
  }

  /**
   * Upload one chunk; resolves once the upload has started (backpressure: a slot among `concurrency` uploads, and
   * room in the compression budget). Calls `release` once `plain` is compressed and sealed.
   */
  async #upload(id: string, plain: Uint8Array, stats?: UploadStats, release?: () => void, compress = true): Promise<void> {
    let lent = release;
    const giveBack = (): void => { const r = lent; lent = undefined; r?.(); };
    const length = plain.length;
    let known: KnownChunks;
    try {
      known = await this.known();
    } catch (e) {
      giveBack();
      throw e;
    }
    let done!: () => void;
    this.#pending.set(id, new Promise<void>((r) => { done = r; }));
    const abandon = (): void => { this.#pending.delete(id); done(); };
    // The memory this chunk holds until it is compressed: its pooled buffer when lent, else its bytes.
    const held = release ? plain.buffer.byteLength : length;
    await this.#compressing.acquire(held);
    let budgeted = true;
    const unbudget = (): void => { if (budgeted) { budgeted = false; this.#compressing.release(held); } };
    await this.#limiter.run(async () => {
      try {
        let body: Uint8Array;
        try {
          // The sealed body is the one buffer of the object's size: header and payload are sealed as parts.
          body = await packAndSeal(this.#keys.encryption, plain, `data/${id}`, this.#opts.compression, compress);
        } finally {
          giveBack();
          unbudget();
        }
        await this.#store.put('data', id, body);
        known.add(id);
        this.#reused.markProven(id);
        for (const s of stats ? [this.stats, stats] : [this.stats]) {
          s.newChunks++;
          s.newBytes += length;
          s.storedBytes += body.length;
        }
        this.#unindexed.push({ id, length, stored: body.length });
        if (this.stats.newChunks === 3) crashPoint('during-upload');
      } finally {
        abandon();
      }
      if (this.#unindexed.length >= this.#opts.indexBatch) await this.#writeIndex();
    }).catch((e: unknown) => {
      // The upload never started (an earlier one failed): forget it, so a later save uploads it.
      giveBack();
      unbudget();
      abandon();
      throw e;
    });
  }

  /**
   * Wait for every upload, then write the index of what they stored. Throws the first failure, but
   * even then indexes every chunk that was stored, so a later backup reuses it.
   */
  async flush(): Promise<void> {
    let failure: { e: unknown } | null = null;
    try {
      await this.#reused.drain(); // may start uploads of reused chunks found missing
    } catch (e) {
      failure = { e };
    }
    try {
      await this.#limiter.drain();
    } catch (e) {
      failure ??= { e };
    }
    await this.#writeIndex();
    await this.#saveCache();
    if (failure) throw failure.e;
  }

  async #writeIndex(): Promise<void> {
    if (this.#unindexed.length === 0) return;
    const entries = this.#unindexed;
    this.#unindexed = [];
    const plain = encodeIndex(entries);
    const name = this.idOf(plain);
    try {
      await this.#store.put('index', name, seal(this.#keys.encryption, plain, `index/${name}`));
    } catch (e) {
      this.#unindexed.push(...entries);
      throw e;
    }
    this.#indexNames.add(name);
  }

  /**
   * Write one index object listing `entries` (used by prune to write compacted indexes); returns its
   * name (the keyed hash of its plaintext, so writing the same entries twice is harmless).
   */
  async putIndex(entries: readonly IndexEntry[]): Promise<string> {
    const plain = encodeIndex(entries);
    const name = this.idOf(plain);
    await this.#store.put('index', name, seal(this.#keys.encryption, plain, `index/${name}`));
    return name;
  }

  /**
   * Forget the in-memory known-chunk set (after prune deleted chunks and index objects), so the next
   * `known()` reloads it from the index objects; the local cache is then rebuilt because index objects
   * it covered are gone.
   */
  resetKnown(): void {
    this.#known = null;
    this.#reused.reset();
    this.#indexNames = new Set<string>();
  }

  /** The set of chunk IDs in the repository (loaded lazily from the cache and the index objects). */
  async known(): Promise<KnownChunks> {
    if (this.#known) return this.#known;
    const names = new Set<string>();
    for await (const o of this.#store.list('index')) names.add(o.name);
    let known = new KnownChunks();
    let covered = new Set<string>();
    const cached = this.#opts.cache ? await this.#opts.cache.load() : null;
    if (cached && [...cached.indexNames].every((n) => names.has(n))) {
      known = cached.known;
      covered = cached.indexNames;
    } else if (cached) {
      this.#opts.logger.debug('local chunk cache is stale (index objects were removed by prune); rebuilding it');
    }
    const missing = [...names].filter((n) => !covered.has(n));
    const lim = new Limiter(this.#opts.concurrency);
    const unreadable: string[] = [];
    for (const name of missing) {
      await lim.run(async () => {
        try {
          for (const e of await this.readIndex(name)) known.add(e.id);
        } catch (e) {
          // A damaged or vanished index object must not stop backups: its chunks are simply unknown, so a
          // backup uploads them again (same names). Not cached as covered, so every run warns until repaired.
          if (!(e instanceof IntegrityError)) throw e;
          unreadable.push(name);
          this.#opts.logger.warn(`index object index/${name} cannot be read (${e.message}); the chunks it lists count as unknown ` +
            'and are uploaded again when needed. Run "pgvault repair index" to rebuild the index.');
        }
      });
    }
    await lim.drain();
    for (const n of unreadable) names.delete(n);
    this.#known = known;
    this.#indexNames = names;
    if (missing.length > 0 || !cached) await this.#saveCache();
    return known;
  }

  /** Entries of one index object. */
  async readIndex(name: string): Promise<IndexEntry[]> {
    const label = `index/${name}`;
    return this.#fetchVerified('index', name, label, (body) => decodeIndex(open(this.#keys.encryption, body, label, label), label));
  }

  /**
   * Download an object and decode it; a body that does not authenticate or decode is downloaded once
   * more before it counts as damaged: a body corrupted in transit (a flaky proxy or NIC, HTTP 200 with
   * wrong bytes) is not damage in the repository. A second failure is the repository's.
   */
  async #fetchVerified<T>(kind: 'data' | 'index', name: string, label: string, decode: (body: Uint8Array) => T | Promise<T>): Promise<T> {
    return this.#decodeVerified(kind, name, label, this.#getObject(kind, name, label), decode);
  }

  /**
   * Decode a downloaded body (`body`, a download started earlier); a body that does not authenticate or decode is
   * downloaded once more before it counts as damaged (see #fetchVerified). Data chunks are decoded in one of
   * {@link DECODE_SLOTS}, taken once the body is here.
   */
  async #decodeVerified<T>(kind: 'data' | 'index', name: string, label: string, body: Promise<Uint8Array>,
    decode: (body: Uint8Array) => T | Promise<T>): Promise<T> {
    const first = await body;
    const slot = kind === 'data';
    if (slot) await this.#decoding.acquire(1);
    try {
      try {
        return this.#decoded(first, await decode(first));
      } catch (e) {
        if (!(e instanceof IntegrityError)) throw e;
        this.#opts.logger.warn(`${label} did not verify (${e.message}); downloading it again`);
        const again = await this.#getObject(kind, name, label);
        return this.#decoded(again, await decode(again));
      }
    } finally {
      if (slot) this.#decoding.release(1);
    }
  }

  /**
   * `result`, decoded from `body`: the downloaded body is dead now (every decoder here decrypts into a buffer of its
   * own), so it is freed at once when the store's reads are the caller's own (Store.ownedReads).
   */
  #decoded<T>(body: Uint8Array, result: T): T {
    if (this.#store.ownedReads === true) freeNow(body);
    return result;
  }

  async #saveCache(): Promise<void> {
    if (!this.#opts.cache || !this.#known) return;
    try {
      await this.#opts.cache.save({ indexNames: this.#indexNames, known: this.#known });
    } catch (e) {
      this.#opts.logger.warn(`could not write the local chunk cache (backups still work, just slower to start): ${(e as Error).message}`);
    }
  }

  async #getObject(kind: 'data' | 'index', name: string, label: string): Promise<Uint8Array> {
    try {
      return await this.#store.get(kind, name);
    } catch (e) {
      if (e instanceof NotFoundError) {
        throw new IntegrityError(`object ${label} is missing from the repository at ${this.#store.location}; run "pgvault check"`, label, { cause: e });
      }
      throw e;
    }
  }

  /** Download, decrypt, decompress and verify one chunk. */
  async load(id: string): Promise<Uint8Array> {
    const plain = await this.#fetchVerified('data', id, chunkLabel(id), (body) => this.#plain(id, body));
    this.#loadPacer.count(plain.length);
    return plain;
  }

  /** Decrypt, decompress and verify a downloaded chunk. */
  async #plain(id: string, body: Uint8Array): Promise<Uint8Array> {
    const label = chunkLabel(id);
    const plain = await decompressChunk(open(this.#keys.encryption, body, label, label), label);
    if (this.idOf(plain) !== id) {
      throw new IntegrityError(`chunk ${label} decrypted but its content does not match its ID: the repository is damaged`, label);
    }
    return plain;
  }

  /**
   * One chunk as a complete gzip member, for `.sql.gz` restores without recompression. The AEAD tag
   * authenticates the bytes (bound to the chunk's name); the content hash is checked by the caller
   * over the whole stream.
   */
  async loadGzipMember(id: string): Promise<Uint8Array> {
    return this.#fetchVerified('data', id, chunkLabel(id), (body) => this.#member(id, body));
  }

  async #member(id: string, body: Uint8Array): Promise<Uint8Array> {
    const label = chunkLabel(id);
    const packed = open(this.#keys.encryption, body, label, label);
    const member = gzipMemberOf(packed);
    if (member) return member;
    return gzipForRestore(await decompressChunk(packed, label));
  }

  /**
   * One chunk's plaintext and, when it is stored gzip-compressed, its gzip member too (for `.sql.gz`
   * restores that reuse the members of whole chunks and recompress the rest). Like loadGzipMember, the
   * content hash is not checked here: the caller checks the SHA-256 of the whole stream (and of each
   * layered table) over the plaintext.
   */
  async loadWithMember(id: string): Promise<ChunkSpan> {
    return this.#fetchVerified('data', id, chunkLabel(id), (body) => this.#span(id, body));
  }

  async #span(id: string, body: Uint8Array): Promise<ChunkSpan> {
    const label = chunkLabel(id);
    const packed = open(this.#keys.encryption, body, label, label);
    const bytes = await decompressChunk(packed, label);
    const member = gzipMemberOf(packed);
    return member ? { bytes, member } : { bytes };
  }

  /**
   * The plaintext of a sequence of chunks, in order, with up to `concurrency` downloads ahead. Each plaintext is a
   * buffer of its own that nothing else holds: a reader may free it once done with it (src/memory/free-now.ts).
   */
  read(refs: AsyncIterable<ChunkRef> | Iterable<ChunkRef>): AsyncGenerator<Uint8Array> {
    return this.#readWith(refs, (ref, b) => this.#plain(ref.id, b), (b) => b.length);
  }

  /**
   * Each chunk as a gzip member (see loadGzipMember) with its recorded plaintext length, in order, with prefetch:
   * concatenated, the members are a valid .gz stream of the plaintext. Each member's buffer belongs to the reader.
   */
  readGzip(refs: AsyncIterable<ChunkRef> | Iterable<ChunkRef>): AsyncGenerator<GzipMember> {
    return this.#readWith(refs, async (ref, b) => ({ member: await this.#member(ref.id, b), length: ref.length }), null);
  }

  /** Each chunk's plaintext with its gzip member when it has one (loadWithMember), in order, with prefetch. */
  readWithMembers(refs: AsyncIterable<ChunkRef> | Iterable<ChunkRef>): AsyncGenerator<ChunkSpan> {
    return this.#readWith(refs, (ref, b) => this.#span(ref.id, b), (s) => s.bytes.length);
  }

  /**
   * Up to `concurrency` downloads ahead, but only {@link DECODE_AHEAD} chunks decoded ahead of the one consumed: the
   * window holds small stored bodies, not `concurrency` plaintexts of up to 4 MiB each.
   * `plainLength`: the plaintext length of a decoded chunk, checked against its ref (null: not checked).
   */
  async *#readWith<T>(refs: AsyncIterable<ChunkRef> | Iterable<ChunkRef>, decoder: (ref: ChunkRef, body: Uint8Array) => Promise<T>,
    plainLength: ((loaded: T) => number) | null): AsyncGenerator<T> {
    interface Slot { ref: ChunkRef; body: Promise<Uint8Array>; decoded?: Promise<T> }
    const window: Slot[] = [];
    const iterator = (Symbol.asyncIterator in refs ? refs[Symbol.asyncIterator]() : (refs as Iterable<ChunkRef>)[Symbol.iterator]()) as
      AsyncIterator<ChunkRef> | Iterator<ChunkRef>;
    let exhausted = false;
    const fill = async (): Promise<void> => {
      while (!exhausted && window.length < this.#opts.concurrency) {
        const next = await iterator.next();
        if (next.done) { exhausted = true; break; }
        const ref = next.value;
        const body = this.#getObject('data', ref.id, chunkLabel(ref.id));
        this.readCounts.downloads++;
        body.catch(() => { /* observed when decoded below */ });
        window.push({ ref, body });
      }
    };
    const decodeAhead = (): void => {
      for (const slot of window.slice(0, DECODE_AHEAD)) {
        if (slot.decoded) continue;
        const id = slot.ref.id;
        slot.decoded = this.#decodeVerified('data', id, chunkLabel(id), slot.body, (b) => decoder(slot.ref, b));
        this.readCounts.decodes++;
        slot.decoded.catch(() => { /* observed when awaited below */ });
      }
    };
    await fill();
    while (window.length) {
      decodeAhead();
      const { ref, decoded } = window.shift()!;
      const loaded = await decoded!;
      const length = plainLength?.(loaded);
      if (length !== undefined && length !== ref.length) {
        throw new IntegrityError(`chunk data/${ref.id} has ${length} bytes but the snapshot records ${ref.length}`, `data/${ref.id}`);
      }
      await fill();
      // The chunk yielded before this one has been consumed: collecting now frees its buffers while young.
      this.#readPacer?.count(ref.length);
      yield loaded;
    }
  }
}
