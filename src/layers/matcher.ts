/**
 * The windowed matcher of docs/incremental.md ("Finding the delta"): the base's row list and the current
 * rows are both in the table's key order, so each current row is looked up among the next W base entries
 * only (memory O(W), no key comparison in JavaScript):
 *
 * - its row hash is in the window at ordinal p: the row is unchanged; base rows before p that were not
 *   matched are gone (deleted or changed), the window moves past p;
 * - else its key hash is in the window at p: an update; the window moves past p, the row is a literal;
 * - else: an insert (or a row beyond the window): a literal.
 * Among equal hashes in the window (duplicate rows) the oldest ordinal is taken.
 *
 * Correctness does not depend on W or on the key hashes: a row either comes from the base by an exact
 * (hash) match or is stored as a literal; a missed match only costs storage.
 *
 * Memory is fixed when the matcher is made and nothing is allocated per row: the window's entries are
 * copied, as their 16 row-list bytes, into a ring of W slots, and two open-addressing hash tables (row
 * hashes, key hashes; at least 2 W cells each, linear probing, deletion by backward shift) index the ring
 * by the first 4 bytes of each hash (keyed BLAKE2b output, so uniformly spread); a lookup then compares
 * the whole hash. For W = 8192: 128 KiB of ring and 128 KiB of tables, whatever the base's row count.
 */
import { KEY_HASH_BYTES, ROW_HASH_BYTES } from './hash.js';

export const DEFAULT_WINDOW = 8192;
const ENTRY = ROW_HASH_BYTES + KEY_HASH_BYTES;
const EMPTY = -1;

/** The first 4 bytes of `b` at `at` as an unsigned integer (little-endian). */
function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

export class WindowMatcher {
  readonly #window: number;
  /** Entry of ordinal o at slot o % W (ROW_HASH_BYTES + KEY_HASH_BYTES = 16 bytes: row hash, key hash). */
  readonly #ring: Uint8Array;
  /** Hash table cells: a ring slot, or EMPTY. */
  readonly #byRow: Int32Array;
  readonly #byKey: Int32Array;
  readonly #mask: number;
  /** First base row neither matched nor dropped. */
  #first = 0;
  #filled = 0;
  #ended = false;
  #dropped = 0;
  #matched = 0;

  constructor(window = DEFAULT_WINDOW) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    this.#window = window;
    this.#ring = new Uint8Array(window * ENTRY);
    let cells = 4;
    while (cells < 2 * window) cells *= 2;
    this.#mask = cells - 1;
    this.#byRow = new Int32Array(cells).fill(EMPTY);
    this.#byKey = new Int32Array(cells).fill(EMPTY);
  }

  /** Base entries in the window now (at most W: the matcher's memory does not grow with the base's row count). */
  get held(): number {
    return this.#filled - this.#first;
  }

  /** How many more base entries the window takes now (0 when it is full or the base has ended). */
  wants(): number {
    return this.#ended ? 0 : Math.max(0, this.#first + this.#window - this.#filled);
  }

  /** Append the next base entry (ordinal = entries added before it): the 16 row-list bytes of `list` at `at`. */
  addBase(list: Uint8Array, at: number): void {
    if (this.wants() === 0) throw new RangeError('the matcher\'s window is full');
    const slot = this.#filled++ % this.#window;
    const off = slot * ENTRY;
    for (let i = 0; i < ENTRY; i++) this.#ring[off + i] = list[at + i]!;
    this.#insert(this.#byRow, u32(this.#ring, off), slot);
    this.#insert(this.#byKey, u32(this.#ring, off + ROW_HASH_BYTES), slot);
  }

  /** The base has no more entries. */
  endBase(): void {
    this.#ended = true;
  }

  /**
   * The base ordinal of an unchanged row whose row hash is `row[0..12)`, or -1 (store the row as a
   * literal). `key` is called only when the row hash is not found: it returns a buffer holding the row's
   * key hash at offset `at` (KEY_HASH_BYTES).
   */
  match(row: Uint8Array, key: () => { bytes: Uint8Array; at: number }): number {
    const p = this.#find(this.#byRow, row, 0, 0, ROW_HASH_BYTES);
    if (p >= 0) {
      this.#advance(p + 1);
      this.#matched++;
      return p;
    }
    const k = key();
    const u = this.#find(this.#byKey, k.bytes, k.at, ROW_HASH_BYTES, KEY_HASH_BYTES);
    if (u >= 0) this.#advance(u + 1); // an update: the old version and anything before it are gone
    return -1;
  }

  /** Base rows matched, and base rows not matched among the first `baseRows` (call when all rows are in). */
  summary(baseRows: number): { matched: number; dropped: number } {
    // #dropped counted every ordinal passed, matched ones included.
    return { matched: this.#matched, dropped: this.#dropped - this.#matched + (baseRows - this.#first) };
  }

  /** Ordinal of the entry in ring slot `slot` (it is in the window [#first, #filled)). */
  #ordinal(slot: number): number {
    const w = this.#window;
    return this.#first + ((slot - (this.#first % w) + w) % w);
  }

  #insert(table: Int32Array, hash: number, slot: number): void {
    let i = hash & this.#mask;
    while (table[i] !== EMPTY) i = (i + 1) & this.#mask;
    table[i] = slot;
  }

  /** The oldest ordinal in the window whose entry bytes [field, field + n) equal `h[at..at+n)`, or -1. */
  #find(table: Int32Array, h: Uint8Array, at: number, field: number, n: number): number {
    const ring = this.#ring;
    let best = -1;
    for (let i = u32(h, at) & this.#mask; table[i] !== EMPTY; i = (i + 1) & this.#mask) {
      const slot = table[i]!;
      const off = slot * ENTRY + field;
      let same = true;
      for (let k = 0; k < n; k++) if (ring[off + k] !== h[at + k]) { same = false; break; }
      if (!same) continue;
      const o = this.#ordinal(slot);
      if (best < 0 || o < best) best = o;
    }
    return best;
  }

  /** Remove ring slot `slot` from `table` (its hash at `field` of the entry), closing the gap by backward shift. */
  #remove(table: Int32Array, slot: number, field: number): void {
    const mask = this.#mask;
    const ring = this.#ring;
    let i = u32(ring, slot * ENTRY + field) & mask;
    while (table[i] !== slot) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const k = u32(ring, table[j]! * ENTRY + field) & mask;
      // The entry at j may move back to i unless its home lies cyclically in (i, j].
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      table[i] = table[j]!;
      i = j;
    }
    table[i] = EMPTY;
  }

  #advance(upTo: number): void {
    // Ordinals [#first, upTo) leave the window; all but a matched `upTo - 1` are dropped (counted by the caller's arithmetic).
    for (let o = this.#first; o < upTo; o++) {
      const slot = o % this.#window;
      this.#remove(this.#byRow, slot, 0);
      this.#remove(this.#byKey, slot, ROW_HASH_BYTES);
    }
    this.#dropped += upTo - this.#first;
    this.#first = upTo;
  }
}
