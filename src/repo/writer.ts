/**
 * Save one byte stream into the repository: content-defined chunks, each new chunk uploaded once,
 * and the ordered chunk list itself saved as a second chunked stream (so a 1 TB dump's million
 * references cost neither a giant manifest nor memory: the list is chunked and deduplicated like
 * data). The result is small: the list's own chunk refs, the size and the SHA-256 of the stream.
 */
import { createHash, type Hash } from 'node:crypto';
import { Chunker, ChunkPool, type ChunkerParams } from '../chunker/index.js';
import type { ChunkStore, UploadStats } from './chunk-store.js';
import { encodeRef, type ChunkRef } from './records.js';

export interface SavedStream {
  /** Chunk refs of the chunk-list stream (36-byte records: id + plaintext length of each data chunk). */
  list: ChunkRef[];
  /** Plaintext bytes of the stream. */
  size: number;
  /** SHA-256 of the stream's plaintext, hex (null when the writer was created with `hash: false`). */
  sha256: string | null;
  /** Data chunks referenced (with repeats). */
  chunks: number;
  /** What this stream added: new chunks and stored bytes of data and list chunks; newBytes counts dump bytes only (≤ size). */
  added: UploadStats;
}

/**
 * The chunk memory for writers of chunks with `params`. Nearly every chunk fits a buffer of 2 × avg; the pool keeps up
 * to 2 free buffers beside those in flight (4 kept 4–8 MiB more resident at the peak of a 3.7 GiB backup, for no CPU
 * saved: docs/benchmarks.md, "Dead buffers"). A layered backup writes 3–5 streams at once (the dump, each layered
 * table's rows and row list, or its ops and literals): one pool for all of them keeps 2 free buffers in all instead
 * of 2 per stream.
 */
export function chunkPoolFor(params: ChunkerParams): ChunkPool {
  return new ChunkPool({ small: 2 * params.avg, max: params.max, keep: 2 });
}

/** How a {@link StreamWriter} saves its stream. */
export interface StreamWriterOptions {
  /** false: the caller hashes the bytes itself (no SHA-256 of the stream). */
  hash?: boolean;
  /** false: store the data chunks raw, without trying to compress them. */
  compress?: boolean;
}

export class StreamWriter {
  readonly #chunks: ChunkStore;
  readonly #data: Chunker;
  /** Memory of the data chunks, given back by the chunk store once each is compressed (src/chunker/pool.ts). */
  readonly #pool: ChunkPool;
  readonly #list: Chunker;
  readonly #listRefs: ChunkRef[] = [];
  readonly #hash: Hash | null;
  readonly #added: UploadStats = { newChunks: 0, newBytes: 0, storedBytes: 0 };
  /** Uploads of chunk-list chunks: they count as new chunks and stored bytes, not as new dump bytes. */
  readonly #listAdded: UploadStats = { newChunks: 0, newBytes: 0, storedBytes: 0 };
  readonly #saveOpts: { compress: boolean };
  #size = 0;
  #count = 0;
  #finished = false;

  /**
   * `pool`: the chunk memory, shared by every writer of a repository (Repository.writer; {@link chunkPoolFor}).
   * `hash: false` skips the SHA-256 when the caller already hashes the same bytes (the dump engine does).
   * `compress: false` stores the data chunks raw without trying to compress them, for a stream that is
   * incompressible by construction (a row list: keyed hashes).
   */
  constructor(chunks: ChunkStore, params: ChunkerParams, pool: ChunkPool, opts: StreamWriterOptions = {}) {
    this.#chunks = chunks;
    this.#hash = opts.hash === false ? null : createHash('sha256');
    this.#saveOpts = { compress: opts.compress ?? true };
    this.#pool = pool;
    this.#data = new Chunker(params, { pool: this.#pool });
    this.#list = new Chunker(params);
  }

  /** Bytes written so far (the offset where the next write starts). */
  get offset(): number {
    return this.#size;
  }

  /** Append bytes. Resolves when the resulting uploads have started (backpressure). */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#finished) throw new Error('StreamWriter.write after finish');
    if (bytes.length === 0) return;
    this.#hash?.update(bytes);
    this.#size += bytes.length;
    try {
      for (const c of this.#data.push(bytes)) await this.#dataChunk(c);
    } catch (e) {
      throw await this.#failed(e);
    }
  }

  /**
   * Force a chunk boundary here when at least `minPending` bytes are waiting since the last boundary
   * (0: always, unless nothing is waiting). The chunker starts afresh after it, so the chunks of
   * what follows do not depend on what came before: the backup cuts where a table's data starts
   * (with the chunker's minimum, so small tables are not each stored as a tiny object) and around
   * the dump's per-run `\restrict` key lines (docs/chunking-and-crypto.md, "Forced boundaries").
   */
  async cut(minPending = 0): Promise<void> {
    if (this.#finished) throw new Error('StreamWriter.cut after finish');
    if (this.#data.pending === 0 || this.#data.pending < minPending) return;
    try {
      for (const c of this.#data.finish()) await this.#dataChunk(c);
    } catch (e) {
      throw await this.#failed(e);
    }
  }

  /** Flush the last chunks, wait for every upload and the index, and describe the saved stream. */
  async finish(): Promise<SavedStream> {
    if (this.#finished) throw new Error('StreamWriter.finish called twice');
    this.#finished = true;
    try {
      for (const c of this.#data.finish()) await this.#dataChunk(c);
      for (const c of this.#list.finish()) await this.#listChunk(c);
    } catch (e) {
      throw await this.#failed(e);
    }
    await this.#chunks.flush();
    const added: UploadStats = { newChunks: this.#added.newChunks + this.#listAdded.newChunks, newBytes: this.#added.newBytes,
      storedBytes: this.#added.storedBytes + this.#listAdded.storedBytes };
    return { list: this.#listRefs, size: this.#size, sha256: this.#hash?.digest('hex') ?? null, chunks: this.#count, added };
  }

  /** After a failure: stop, index what was stored (so the next run reuses it), return the first error. */
  async #failed(e: unknown): Promise<unknown> {
    this.#finished = true;
    try {
      await this.#chunks.flush();
    } catch (first) {
      return first;
    }
    return e;
  }

  async #dataChunk(c: Uint8Array): Promise<void> {
    const id = this.#chunks.idOf(c);
    const length = c.length;
    this.#count++;
    await this.#chunks.save(id, c, this.#added, () => this.#pool.give(c), this.#saveOpts);
    for (const lc of this.#list.push(encodeRef({ id, length }))) await this.#listChunk(lc);
  }

  async #listChunk(c: Uint8Array): Promise<void> {
    const id = this.#chunks.idOf(c);
    await this.#chunks.save(id, c, this.#listAdded);
    this.#listRefs.push({ id, length: c.length });
  }
}
