/**
 * Row hashes for matching a table's current rows against its base (docs/incremental.md): keyed
 * BLAKE2b (key = the repository's chunk-ID key, so the hashes reveal nothing without it) of
 *
 * - the whole row (its bytes with the newline), 12 bytes kept: an unchanged row is found by it;
 * - the row's key fields (the ORDER BY key's columns, tab-separated as in the row), 4 bytes kept: an
 *   updated row is found by it, which moves the matching window past the row's old version. A false match
 *   (two keys with equal 4 bytes inside one window, ~W / 2^32 per unmatched row) only costs storage: it drops
 *   base rows as gone, whose rows then come as literals.
 *
 * The matcher and the row list take them as bytes written in place (rowInto, keyInto: nothing allocated per
 * row); `row` and `key` return them as Latin-1 strings (one character per byte) for tests and tools.
 */
import { KeyedBlake2b } from '../crypto/blake2b.js';

export const ROW_HASH_BYTES = 12;
export const KEY_HASH_BYTES = 4;
/** libsodium's smallest BLAKE2b output; the kept bytes are a prefix of it. */
const HASH_OUT = 16;
const TAB = 0x09;
const NL = 0x0a;

export class RowHasher {
  /** libsodium's BLAKE2b without its per-call allocations (two calls per row: src/crypto/blake2b.ts). */
  readonly #hash: KeyedBlake2b;
  readonly #key: Uint8Array;
  /** For keys of several columns in {@link entryAt} (made on first use). */
  #joined: KeyedBlake2b | undefined;
  /** Column positions (0-based, in COPY order) of the key; sorted ascending. */
  readonly #keyColumns: readonly number[];

  /** `keyColumns`: positions of the ORDER BY key's columns in the COPY column list ([0] when unknown). */
  constructor(key: Uint8Array, keyColumns: readonly number[] = [0]) {
    if (key.length < 16) throw new RangeError('row hash key must be at least 16 bytes');
    this.#hash = new KeyedBlake2b(key, HASH_OUT);
    this.#key = key;
    this.#keyColumns = keyColumns.length ? [...keyColumns].sort((a, b) => a - b) : [0];
  }

  row(row: Uint8Array): string {
    return this.#hash.latin1(row, ROW_HASH_BYTES);
  }

  /** The row hash (ROW_HASH_BYTES) written to `dst` at `at`: no allocation per row. */
  rowInto(row: Uint8Array, dst: Uint8Array, at: number): void {
    this.#hash.into(row, ROW_HASH_BYTES, dst, at);
  }

  /** The key hash (KEY_HASH_BYTES) written to `dst` at `at`. */
  keyInto(row: Uint8Array, dst: Uint8Array, at: number): void {
    this.#hash.into(this.#keyBytes(row), KEY_HASH_BYTES, dst, at);
  }

  /**
   * The row's entry of a row list (row hash, then key hash: {@link ROW_HASH_BYTES} + {@link KEY_HASH_BYTES} bytes) for
   * the row at `start`–`end` of `buf`, written to `dst` at `at`: the same bytes as {@link rowInto} and {@link keyInto}
   * of `buf.subarray(start, end)`, without an object or a copy per row. `buf` is copied into WebAssembly memory once
   * for all its rows: call {@link load} with it first, and again after any other call of this hasher.
   */
  entryAt(buf: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
    this.#hash.intoLoaded(start, end, ROW_HASH_BYTES, dst, at);
    if (this.#keyColumns.length === 1) {
      // A row without the column (which COPY does not write) hashes the empty field, as #keyBytes gives.
      const [from, to] = fieldRange(buf, start, end, this.#keyColumns[0]!) ?? [end, end];
      this.#hash.intoLoaded(from, to, KEY_HASH_BYTES, dst, at + ROW_HASH_BYTES);
    } else {
      // Several key columns are joined with tabs: hashed from a copy, by a second hasher so the loaded bytes stay.
      this.#joined ??= new KeyedBlake2b(this.#key, HASH_OUT);
      this.#joined.into(this.#keyBytes(buf.subarray(start, end)), KEY_HASH_BYTES, dst, at + ROW_HASH_BYTES);
    }
  }

  /** Copy `buf` into the hasher for {@link entryAt}. */
  load(buf: Uint8Array): void {
    this.#hash.load(buf);
  }

  /** Hash of the key fields: a single key column is hashed in place; several are joined with tabs. */
  key(row: Uint8Array): string {
    return this.#hash.latin1(this.#keyBytes(row), KEY_HASH_BYTES);
  }

  #keyBytes(row: Uint8Array): Uint8Array {
    const fields: Uint8Array[] = [];
    for (const column of this.#keyColumns) {
      const range = fieldRange(row, 0, row.length, column);
      if (range) fields.push(row.subarray(range[0], range[1]));
    }
    // A row with fewer columns than the key names cannot come from COPY; hash what there is.
    return fields.length === 1 ? fields[0]! : Buffer.concat(fields.flatMap((f, i) => (i ? [Buffer.from([TAB]), f] : [f])));
  }
}

/**
 * The bytes of column `column` (0-based) of the COPY row at `start`–`end` of `buf`: from after the tab before it to
 * before the tab or newline after it (or the row's end). Null when the row has fewer columns (COPY writes none such).
 */
export function fieldRange(buf: Uint8Array, start: number, end: number, column: number): [number, number] | null {
  let from = start;
  for (let col = 0; col < column; col++) {
    const tab = buf.indexOf(TAB, from);
    if (tab < 0 || tab >= end) return null;
    from = tab + 1;
  }
  let to = from;
  while (to < end && buf[to] !== TAB && buf[to] !== NL) to++;
  return [from, to];
}

/** Positions of `orderKey`'s columns in `columns` (both quoted as in the script); [0] if any is missing. */
export function keyColumnsOf(columns: readonly string[], orderKey: readonly string[] | undefined): number[] {
  if (!orderKey?.length) return [0];
  const at = orderKey.map((k) => columns.indexOf(k));
  return at.every((i) => i >= 0) ? at : [0];
}
