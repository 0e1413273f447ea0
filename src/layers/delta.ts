/**
 * Build a delta against a base, row by row: the base's row list streams through the matcher's window;
 * each current row is either found in the base (an op-list reference) or is a literal, which the caller
 * writes to the delta's literal stream.
 */
import { IntegrityError } from '../errors.js';
import type { RowHasher } from './hash.js';
import { DEFAULT_WINDOW, WindowMatcher } from './matcher.js';
import { OpEncoder } from './ops.js';
import { readRowList, type RowEntry } from './row-list.js';

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
  readonly #entries: AsyncIterator<RowEntry[]>;
  readonly #hasher: RowHasher;
  readonly #ops = new OpEncoder();
  readonly #baseRows: number;
  #pending: RowEntry[] = [];
  #at = 0;
  #read = 0;
  #rows = 0;
  #literalBytes = 0;
  readonly #what: string;

  /** `rowList`: the base's row list stream; `baseRows`: its recorded row count (checked). */
  constructor(rowList: AsyncIterable<Uint8Array>, baseRows: number, hasher: RowHasher, opts: { window?: number; what?: string } = {}) {
    this.#what = opts.what ?? 'row list of the base';
    this.#entries = readRowList(rowList, this.#what)[Symbol.asyncIterator]();
    this.#matcher = new WindowMatcher(opts.window ?? DEFAULT_WINDOW);
    this.#hasher = hasher;
    this.#baseRows = baseRows;
  }

  /**
   * Base entries decoded and held now: the matcher's window (at most W) plus the rest of the row-list batch
   * being fed to it (at most ROW_LIST_BATCH), whatever the base's row count.
   */
  get held(): number {
    return this.#matcher.held + (this.#pending.length - this.#at);
  }

  async #fill(): Promise<void> {
    for (let want = this.#matcher.wants(); want > 0; want = this.#matcher.wants()) {
      if (this.#at === this.#pending.length) {
        const r = await this.#entries.next();
        if (r.done) {
          if (this.#read !== this.#baseRows) throw new IntegrityError(`${this.#what} has ${this.#read} entries, but the base has ${this.#baseRows} rows`);
          this.#matcher.endBase();
          return;
        }
        this.#pending = r.value;
        this.#at = 0;
      }
      const n = Math.min(want, this.#pending.length - this.#at);
      for (let k = 0; k < n; k++) this.#matcher.addBase(this.#pending[this.#at++]!);
      this.#read += n;
      if (this.#read > this.#baseRows) throw new IntegrityError(`${this.#what} has more entries than the base's ${this.#baseRows} rows`);
    }
  }

  /** Place the next current row (with its newline); true when it must be written as a literal. */
  async add(row: Uint8Array): Promise<boolean> {
    if (this.#matcher.wants() > 0) await this.#fill();
    this.#rows++;
    const p = this.#matcher.match(this.#hasher.row(row), () => this.#hasher.key(row));
    if (p >= 0) { this.#ops.base(p); return false; }
    this.#ops.literal();
    this.#literalBytes += row.length;
    return true;
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
    await this.#entries.return?.();
    return {
      ops,
      stats: { rows: this.#rows, baseRows: this.#baseRows, matched, dropped, literalRows: st.literalRows, literalBytes: this.#literalBytes, ops: st.ops, opBytes: st.bytes },
    };
  }
}
