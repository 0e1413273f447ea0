/**
 * Proof that the chunks a backup *reuses* exist, before its snapshot is committed (issue 10 item 3).
 *
 * The known-chunk set comes from the index objects (and the local cache of them): it says a chunk was
 * uploaded once, not that its object is still there. A deleted or emptied data object, or an old
 * index object copied back by someone with bucket write access, would otherwise make every later
 * backup reference a chunk that does not exist, exit 0, and never restore.
 *
 * So every reused chunk (known, and not uploaded by this session) is checked against the store while
 * the backup still holds its plaintext: reused chunks wait in a bounded batch (count and bytes), and
 * each full batch is checked in the background (one batch in flight, so memory stays bounded; a batch is cut
 * short when a listing already costs less than its HEADs, so small repositories hold one chunk, not a batch):
 *
 * - with `HEAD`s (`Store.stat`), one per chunk, while that is cheaper than listing, or
 * - against one listing of `data/` taken in this session (ceil(objects / 1000) LIST requests on S3/B2),
 *   once the HEADs spent plus the batch would cost more than that listing (a ski-rental rule: never more
 *   than twice the cheaper of the two). After the listing, each reused chunk is looked up at once (no
 *   batch, no plaintext held).
 *
 * Sizes: an object shorter than the smallest sealed chunk (empty or truncated) counts as missing.
 * A missing chunk is uploaded again from the plaintext in hand (logged as a warning and counted), so
 * the snapshot is complete. `drain()` (called by `ChunkStore.flush`, before the manifest is written)
 * checks the rest. The repository lock keeps prune away meanwhile, so what was proven stays true.
 */
import type { Logger } from '../log.js';
import type { Store } from '../store/types.js';
import { KnownChunks } from './known-chunks.js';

/** 0x01 || nonce[24] || (packed: method byte + u32 length) || tag[16]: no sealed chunk is shorter. */
export const MIN_SEALED_CHUNK_BYTES = 1 + 24 + 5 + 16;
/**
 * The ids among `ids` whose data object is absent or shorter than any sealed chunk, by one `stat` (HEAD)
 * each, `concurrency` at a time. Shared by the reused-chunk verifier and the check of a layer's base.
 */
export async function statMissing(store: Store, ids: readonly string[], concurrency: number): Promise<string[]> {
  const missing: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const info = await store.stat('data', id);
      if (!info || info.size < MIN_SEALED_CHUNK_BYTES) missing.push(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return missing;
}

/** Keys per LIST response on S3 and B2. */
export const LIST_PAGE_KEYS = 1000;

export interface ReuseStats {
  /** Reused chunks checked (distinct within this session). */
  checked: number;
  /** HEAD requests made. */
  heads: number;
  /** Listings of `data/` made (0 or 1 per session). */
  listings: number;
  /** Objects seen by that listing (its cost on S3/B2 is ceil(n / 1000) LIST requests). */
  listedObjects: number;
  /** Reused chunks found missing or truncated, and uploaded again. */
  missing: number;
}

export interface VerifierOptions {
  store: Store;
  /** How many data objects the repository is believed to hold (the cost of a listing). */
  estimatedObjects: () => number;
  /** Upload a chunk again (it was found missing); resolves when the upload has started. */
  reupload: (id: string, plain: Uint8Array, stats: object | undefined) => Promise<void>;
  logger: Logger;
  /** HEADs in flight (default 8). */
  concurrency?: number;
  /** Chunks per batch (default 32). */
  batchChunks?: number;
  /** Plaintext bytes per batch (default 48 MiB). */
  batchBytes?: number;
}

interface Waiting<S> {
  id: string;
  plain: Uint8Array;
  stats: S | undefined;
}

const MAX_WARNINGS = 10;

export class ReusedChunkVerifier<S extends object = object> {
  readonly stats: ReuseStats = { checked: 0, heads: 0, listings: 0, listedObjects: 0, missing: 0 };
  readonly #o: Required<Omit<VerifierOptions, 'reupload'>> & { reupload: (id: string, plain: Uint8Array, stats: S | undefined) => Promise<void> };
  /** Chunks known to exist in this session: uploaded by it, or checked. */
  #proven = new KnownChunks();
  /** The `data/` listing of this session (objects of plausible size), once taken. */
  #listing: KnownChunks | null = null;
  #batch: Waiting<S>[] = [];
  #batchIds = new Set<string>();
  #batchBytes = 0;
  /** The batch being checked in the background, if any; its ids stay "waiting" until it is done. */
  #inflight: Promise<void> | null = null;
  #inflightIds = new Set<string>();

  constructor(o: Omit<VerifierOptions, 'reupload'> & { reupload: (id: string, plain: Uint8Array, stats: S | undefined) => Promise<void> }) {
    this.#o = { concurrency: 8, batchChunks: 32, batchBytes: 48 * 1024 * 1024, ...o };
  }

  /** Forget what was proven (after prune deleted chunks in this process). */
  reset(): void {
    this.#proven = new KnownChunks();
    this.#listing = null;
  }

  /** A chunk this session uploaded: it exists, no check needed. */
  markProven(id: string): void {
    this.#proven.add(id);
  }

  /**
   * A known chunk is being reused: make sure it exists before the commit. Resolves once it is queued
   * (or, when the queue is full, once the previous batch's check is done: backpressure).
   */
  async reuse(id: string, plain: Uint8Array, stats?: S): Promise<void> {
    if (this.#proven.has(id) || this.#batchIds.has(id) || this.#inflightIds.has(id)) return;
    if (this.#listing && !this.#inflight && this.#batch.length === 0) {
      // Listed already: a lookup, no need to hold the plaintext in a batch.
      this.stats.checked++;
      this.#proven.add(id);
      if (!this.#listing.has(id)) await this.#missing({ id, plain, stats });
      return;
    }
    this.#batch.push({ id, plain, stats });
    this.#batchIds.add(id);
    this.#batchBytes += plain.length;
    if (this.#batch.length >= this.#batchLimit() || this.#batchBytes >= this.#o.batchBytes) await this.#startBatch();
  }

  /**
   * Chunks per batch: `batchChunks`, or fewer when a listing would already pay for itself with fewer HEADs (every
   * repository of under batchChunks × 1000 objects): the batch that decides to list is then that small, and the
   * chunks after it are looked up without holding their plaintext.
   */
  #batchLimit(): number {
    if (this.#listing) return this.#o.batchChunks;
    const listCost = Math.max(1, Math.ceil(this.#o.estimatedObjects() / LIST_PAGE_KEYS));
    return Math.max(1, Math.min(this.#o.batchChunks, listCost - this.stats.heads));
  }

  /** Check everything still waiting; throws the first failure (e.g. the store is unreachable). */
  async drain(): Promise<void> {
    await this.#startBatch();
    const p = this.#inflight;
    if (p) await p;
  }

  async #startBatch(): Promise<void> {
    while (this.#inflight) await this.#inflight; // one batch in flight: memory stays at two batches
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#inflightIds = this.#batchIds;
    this.#batch = [];
    this.#batchIds = new Set();
    this.#batchBytes = 0;
    const p = this.#check(batch).finally(() => {
      if (this.#inflight === p) { this.#inflight = null; this.#inflightIds = new Set(); }
    });
    p.catch(() => { /* rethrown by the next #startBatch / drain that awaits it */ });
    this.#inflight = p;
  }

  async #check(batch: Waiting<S>[]): Promise<void> {
    const listCost = Math.max(1, Math.ceil(this.#o.estimatedObjects() / LIST_PAGE_KEYS));
    if (!this.#listing && this.stats.heads + batch.length >= listCost) await this.#list();
    const missing: Waiting<S>[] = [];
    if (this.#listing) {
      const listing = this.#listing;
      for (const w of batch) if (!listing.has(w.id)) missing.push(w);
    } else {
      this.stats.heads += batch.length;
      const gone = new Set(await statMissing(this.#o.store, batch.map((w) => w.id), this.#o.concurrency));
      for (const w of batch) if (gone.has(w.id)) missing.push(w);
    }
    this.stats.checked += batch.length;
    for (const w of batch) this.#proven.add(w.id);
    for (const w of missing) await this.#missing(w);
  }

  async #missing(w: Waiting<S>): Promise<void> {
    this.stats.missing++;
    if (this.stats.missing <= MAX_WARNINGS) {
      this.#o.logger.warn(`chunk data/${w.id} is listed in the index but ${this.#listing ? 'absent from' : 'missing or truncated in'} the repository; ` +
        'uploading it again (run "pgvault check" to see which older snapshots it damaged)');
    } else if (this.stats.missing === MAX_WARNINGS + 1) {
      this.#o.logger.warn('more indexed chunks are missing; uploading them again (the count is in the backup summary)');
    }
    await this.#o.reupload(w.id, w.plain, w.stats);
  }

  async #list(): Promise<void> {
    const listing = new KnownChunks();
    let n = 0;
    for await (const o of this.#o.store.list('data')) {
      n++;
      if (o.size >= MIN_SEALED_CHUNK_BYTES) listing.add(o.name);
    }
    this.#listing = listing;
    this.stats.listings++;
    this.stats.listedObjects = n;
    this.#o.logger.debug(`listed ${n} data object(s) to prove reused chunks exist`);
  }
}
