/**
 * The windowed matcher of docs/incremental.md ("Finding the delta"): the base's row list and the current
 * rows are both in the table's key order, so each current row is looked up among the next W base entries
 * only (memory O(W), no key comparison in JavaScript):
 *
 * - its row hash is in the window at ordinal p: the row is unchanged; base rows before p that were not
 *   matched are gone (deleted or changed), the window moves past p;
 * - else its key hash is in the window at p: an update; the window moves past p, the row is a literal;
 * - else: an insert (or a row beyond the window): a literal.
 *
 * Correctness does not depend on W or on the key hashes: a row either comes from the base by an exact
 * (hash) match or is stored as a literal; a missed match only costs storage.
 */
import type { RowEntry } from './row-list.js';

export const DEFAULT_WINDOW = 8192;

export class WindowMatcher {
  readonly #window: number;
  readonly #byRow = new Map<string, number[]>();
  readonly #byKey = new Map<string, number[]>();
  /** Entries of ordinals [#first, #filled), oldest first (#queue[#head] is ordinal #first). */
  #queue: RowEntry[] = [];
  #head = 0;
  /** First base row neither matched nor dropped. */
  #first = 0;
  #filled = 0;
  #ended = false;
  #dropped = 0;
  #matched = 0;

  constructor(window = DEFAULT_WINDOW) {
    if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
    this.#window = window;
  }

  /** Base entries in the window now (at most W: the matcher's memory does not grow with the base's row count). */
  get held(): number {
    return this.#filled - this.#first;
  }

  /** How many more base entries the window takes now (0 when it is full or the base has ended). */
  wants(): number {
    return this.#ended ? 0 : Math.max(0, this.#first + this.#window - this.#filled);
  }

  /** Append the next base entry (ordinal = entries added before it). */
  addBase(e: RowEntry): void {
    const ord = this.#filled++;
    this.#queue.push(e);
    push(this.#byRow, e.row, ord);
    push(this.#byKey, e.key, ord);
  }

  /** The base has no more entries. */
  endBase(): void {
    this.#ended = true;
  }

  /** The base ordinal of an unchanged row with hash `row`, or -1 (store the row as a literal). */
  match(row: string, key: () => string): number {
    const p = this.#byRow.get(row)?.[0];
    if (p !== undefined) {
      this.#advance(p + 1);
      this.#matched++;
      return p;
    }
    const u = this.#byKey.get(key())?.[0];
    if (u !== undefined) this.#advance(u + 1); // an update: the old version and anything before it are gone
    return -1;
  }

  #advance(upTo: number): void {
    // Ordinals [#first, upTo) leave the window; all but a matched `upTo - 1` are dropped (counted by the caller's arithmetic).
    for (let k = this.#first; k < upTo; k++) {
      const e = this.#queue[this.#head++]!;
      shift(this.#byRow, e.row);
      shift(this.#byKey, e.key);
    }
    this.#dropped += upTo - this.#first;
    this.#first = upTo;
    if (this.#head > 4096 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Base rows matched, and base rows not matched among the first `baseRows` (call when all rows are in). */
  summary(baseRows: number): { matched: number; dropped: number } {
    // #dropped counted every ordinal passed, matched ones included.
    return { matched: this.#matched, dropped: this.#dropped - this.#matched + (baseRows - this.#first) };
  }
}

function push(m: Map<string, number[]>, h: string, ord: number): void {
  const l = m.get(h);
  if (l) l.push(ord); else m.set(h, [ord]);
}

function shift(m: Map<string, number[]>, h: string): void {
  const l = m.get(h)!;
  l.shift();
  if (l.length === 0) m.delete(h);
}
