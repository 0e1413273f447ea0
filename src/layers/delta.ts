/**
 * Build a delta against a base, row by row: the base's row list streams through the matcher's window;
 * each current row is either found in the base (an op-list reference) or is a literal, which the caller
 * writes to the delta's literal stream. Row-list bytes go from the stream's buffers into the matcher's
 * ring as they are (no object per entry); a row is placed synchronously (`tryAdd`) unless the window needs
 * the next piece of the row list first.
 */
import { IntegrityError } from '../errors.js';
import { KEY_HASH_BYTES, ROW_HASH_BYTES, type RowHasher } from './hash.js';
import { DEFAULT_WINDOW, WindowMatcher } from './matcher.js';
import { OpEncoder } from './ops.js';
import { ROW_ENTRY_BYTES } from './row-list.js';

export interface DeltaStats {
  /** Current rows. */
  rows: number;
  /** Rows of the base. */
  baseRows: number;
  /** Current rows found in the base. */
  matched: number;
  /** Base rows not found (deleted, changed, or beyond the window). */
  dropped: number;
  literalRows: number;
  literalBytes: number;
  ops: number;
  opBytes: number;
}

export class DeltaBuilder {
  readonly #matcher: WindowMatcher;
  readonly #list: AsyncIterator<Uint8Array>;
  readonly #hasher: RowHasher;
  readonly #ops = new OpEncoder();
  readonly #baseRows: number;
  /** The row-list piece being fed to the matcher (a partial entry of the previous piece prepended), and the next entry in it. */
  #buf: Uint8Array = new Uint8Array(0);
  #at = 0;
  #listEnded = false;
  #read = 0;
  #rows = 0;
  #literalBytes = 0;
  readonly #what: string;
  /** The current row's hashes: row hash at 0, key hash at ROW_HASH_BYTES. */
  readonly #hashes = new Uint8Array(ROW_HASH_BYTES + KEY_HASH_BYTES);
  #row: Uint8Array = new Uint8Array(0);
  readonly #keyAt = { bytes: this.#hashes, at: ROW_HASH_BYTES };
  readonly #keyOf = (): { bytes: Uint8Array; at: number } => {
    this.#hasher.keyInto(this.#row, this.#hashes, ROW_HASH_BYTES);
    return this.#keyAt;
  };

  /** `rowList`: the base's row list stream; `baseRows`: its recorded row count (checked). */
  constructor(rowList: AsyncIterable<Uint8Array>, baseRows: number, hasher: RowHasher, opts: { window?: number; what?: string } = {}) {
    this.#what = opts.what ?? 'row list of the base';
    this.#list = rowList[Symbol.asyncIterator]();
    this.#matcher = new WindowMatcher(opts.window ?? DEFAULT_WINDOW);
    this.#hasher = hasher;
    this.#baseRows = baseRows;
  }

  /**
   * Base entries held now: the matcher's window (at most W) plus the entries of the row-list piece not yet
   * fed to it (a piece is one stored chunk of the list: bounded by the chunker's maximum, whatever the
   * base's row count).
   */
  get held(): number {
    return this.#matcher.held + Math.floor((this.#buf.length - this.#at) / ROW_ENTRY_BYTES);
  }

  /** Feed the window from the current piece; false when it wants more and the piece has no whole entry left. */
  #fillSync(): boolean {
    let want = this.#matcher.wants();
    while (want > 0) {
      if (this.#at + ROW_ENTRY_BYTES > this.#buf.length) {
        if (!this.#listEnded) return false;
        if (this.#read !== this.#baseRows) throw new IntegrityError(`${this.#what} has ${this.#read} entries, but the base has ${this.#baseRows} rows`);
        this.#matcher.endBase();
        return true;
      }
      if (this.#read >= this.#baseRows) throw new IntegrityError(`${this.#what} has more entries than the base's ${this.#baseRows} rows`);
      this.#matcher.addBase(this.#buf, this.#at);
      this.#at += ROW_ENTRY_BYTES;
      this.#read++;
      want--;
    }
    return true;
  }

  /** Read the next piece of the row list (keeping a partial entry at the end of the current one). */
  async #more(): Promise<void> {
    const r = await this.#list.next();
    const rest = this.#buf.subarray(this.#at);
    if (r.done) {
      if (rest.length) throw new IntegrityError(`${this.#what} ends inside an entry (${rest.length} stray bytes)`);
      this.#listEnded = true;
      return;
    }
    this.#buf = rest.length ? Buffer.concat([rest, r.value]) : r.value;
    this.#at = 0;
  }

  /**
   * Place the next current row (with its newline) if the window is ready: true when it must be written as
   * a literal, false when it comes from the base, null when the row list must be read first (then `add`).
   */
  tryAdd(row: Uint8Array): boolean | null {
    if (!this.#fillSync()) return null;
    this.#rows++;
    this.#row = row;
    this.#hasher.rowInto(row, this.#hashes, 0);
    const p = this.#matcher.match(this.#hashes, this.#keyOf);
    if (p >= 0) { this.#ops.base(p); return false; }
    this.#ops.literal();
    this.#literalBytes += row.length;
    return true;
  }

  /** Place the next current row (with its newline); true when it must be written as a literal. */
  async add(row: Uint8Array): Promise<boolean> {
    for (;;) {
      const r = this.tryAdd(row);
      if (r !== null) return r;
      await this.#more();
    }
  }

  /** Op-list bytes closed so far (write them to the op-list stream as they come). */
  takeOps(): Uint8Array {
    return this.#ops.take();
  }

  /** Close the op list: the last op-list bytes and the delta's statistics. */
  async finish(): Promise<{ ops: Uint8Array; stats: DeltaStats }> {
    const ops = this.#ops.finish();
    const st = this.#ops.stats;
    const { matched, dropped } = this.#matcher.summary(this.#baseRows);
    // The rest of the row list is not needed; stop reading it.
    await this.#list.return?.();
    return {
      ops,
      stats: { rows: this.#rows, baseRows: this.#baseRows, matched, dropped, literalRows: st.literalRows, literalBytes: this.#literalBytes, ops: st.ops, opBytes: st.bytes },
    };
  }
}
