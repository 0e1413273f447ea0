/**
 * A base's row list (docs/format.md "Row lists"): one 16-byte entry per row of the base, in row order:
 * the row hash (12 bytes) then the key hash (4 bytes) of ./hash.ts. Stored as a chunked stream like the
 * dump, so it deduplicates and is written and read with bounded memory.
 */
import { IntegrityError } from '../errors.js';
import { KEY_HASH_BYTES, ROW_HASH_BYTES, type RowHasher } from './hash.js';
import type { RowSplitter } from './rows.js';

export const ROW_ENTRY_BYTES = ROW_HASH_BYTES + KEY_HASH_BYTES;
/** Entries per decoded batch of readRowList. */
export const ROW_LIST_BATCH = 4096;

export interface RowEntry {
  /** Row hash, latin1 (12 characters). */
  row: string;
  /** Key hash, latin1 (8 characters). */
  key: string;
}

/** Collects entries into byte batches of about `batchBytes` (for a stream writer). */
export class RowListEncoder {
  readonly #batch: Buffer;
  #at = 0;
  #count = 0;

  constructor(batchBytes = 64 * 1024) {
    this.#batch = Buffer.alloc(Math.max(ROW_ENTRY_BYTES, batchBytes - (batchBytes % ROW_ENTRY_BYTES)));
  }

  get count(): number {
    return this.#count;
  }

  /** Append an entry; returns a full batch (a copy) when one is ready. */
  add(e: RowEntry): Uint8Array | undefined {
    this.#batch.write(e.row, this.#at, ROW_HASH_BYTES, 'latin1');
    this.#batch.write(e.key, this.#at + ROW_HASH_BYTES, KEY_HASH_BYTES, 'latin1');
    return this.#added();
  }

  /**
   * Append the entries of the rows `piece` completes (split by `split`, which joins rows across pieces), hashed
   * straight from the piece: one copy of it into the hasher and no object per row (what a backup does). Returns the
   * full batches (copies), in order.
   */
  addRowsOf(piece: Uint8Array, split: RowSplitter, hasher: RowHasher): Uint8Array[] {
    const full: Uint8Array[] = [];
    let loaded: Uint8Array | null = null;
    split.each(piece, (buf, start, end) => {
      if (buf !== loaded) { hasher.load(buf); loaded = buf; }
      hasher.entryAt(buf, start, end, this.#batch, this.#at);
      const b = this.#added();
      if (b) full.push(b);
    });
    return full;
  }

  #added(): Uint8Array | undefined {
    this.#at += ROW_ENTRY_BYTES;
    this.#count++;
    return this.#at === this.#batch.length ? this.flush() : undefined;
  }

  /** The entries not yet returned (possibly none). */
  flush(): Uint8Array | undefined {
    if (this.#at === 0) return undefined;
    const out = Buffer.from(this.#batch.subarray(0, this.#at));
    this.#at = 0;
    return out;
  }
}

/** Decode a row list stream into batches of entries; the stream must hold whole entries. */
export async function* readRowList(source: AsyncIterable<Uint8Array>, what = 'row list'): AsyncGenerator<RowEntry[]> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const piece of source) {
    const buf = carry.length ? Buffer.concat([carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    const whole = buf.length - (buf.length % ROW_ENTRY_BYTES);
    // Batches of at most ROW_LIST_BATCH entries: a piece can be a whole chunk (megabytes, ~10^5 entries).
    for (let from = 0; from < whole; from += ROW_LIST_BATCH * ROW_ENTRY_BYTES) {
      const out: RowEntry[] = [];
      const to = Math.min(whole, from + ROW_LIST_BATCH * ROW_ENTRY_BYTES);
      for (let at = from; at < to; at += ROW_ENTRY_BYTES) {
        out.push({ row: buf.toString('latin1', at, at + ROW_HASH_BYTES), key: buf.toString('latin1', at + ROW_HASH_BYTES, at + ROW_ENTRY_BYTES) });
      }
      yield out;
    }
    carry = Buffer.from(buf.subarray(whole));
  }
  if (carry.length) throw new IntegrityError(`${what} ends inside an entry (${carry.length} stray bytes)`);
}
