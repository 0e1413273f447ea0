/**
 * Rows of a table's COPY text: one row per line. COPY's text format escapes newlines inside values
 * (`\n`), so a raw 0x0a byte always ends a row, and every row, the last included, ends with one.
 */
import { IntegrityError } from '../errors.js';

const NL = 0x0a;

/** Split complete COPY text into rows (each with its newline); a missing final newline is an error. */
export function splitRows(text: Uint8Array, what = 'COPY data'): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf(NL, at);
    if (nl < 0) throw new IntegrityError(`${what} ends inside a row (no newline after its last ${text.length - at} bytes)`);
    out.push(text.subarray(at, nl + 1));
    at = nl + 1;
  }
  return out;
}

/**
 * Incremental splitter for COPY text arriving in pieces of any size: `push` returns the rows a piece
 * completes (a row split across pieces is joined); `end` checks that nothing is left over. Memory: the
 * current piece plus the unfinished row.
 */
export class RowSplitter {
  #carry: Uint8Array[] = [];
  #carryBytes = 0;
  readonly #what: string;

  constructor(what = 'COPY data') {
    this.#what = what;
  }

  push(piece: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    for (;;) {
      const nl = piece.indexOf(NL, at);
      if (nl < 0) break;
      if (this.#carry.length) {
        this.#carry.push(piece.subarray(at, nl + 1));
        out.push(Buffer.concat(this.#carry));
        this.#carry = [];
        this.#carryBytes = 0;
      } else {
        out.push(piece.subarray(at, nl + 1));
      }
      at = nl + 1;
    }
    if (at < piece.length) {
      this.#carry.push(piece.subarray(at));
      this.#carryBytes += piece.length - at;
    }
    return out;
  }

  end(): void {
    if (this.#carryBytes > 0) throw new IntegrityError(`${this.#what} ends inside a row (no newline after its last ${this.#carryBytes} bytes)`);
  }
}

/**
 * Read a stream of COPY text by whole rows, in one pass: `take(n)` yields exactly the next n rows as
 * slices of the source's own buffers (no copy per row), `skip(n)` discards them. Used to copy runs of
 * base rows into a rebuilt table.
 */
export class RowCursor {
  readonly #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #rows = 0;
  readonly #what: string;

  constructor(source: AsyncIterable<Uint8Array>, what: string) {
    this.#it = source[Symbol.asyncIterator]();
    this.#what = what;
  }

  /** Rows consumed so far. */
  get position(): number {
    return this.#rows;
  }

  async #fill(): Promise<boolean> {
    while (this.#buf.length === 0) {
      const r = await this.#it.next();
      if (r.done) return false;
      this.#buf = r.value;
    }
    return true;
  }

  /** Yield the next `n` rows; `emit` false skips them. */
  async *#advance(n: number, emit: boolean): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw new IntegrityError(`${this.#what} ended after ${this.#rows} rows, ${left} rows short of what the snapshot records`);
      // Take as many whole rows as this buffer holds (up to `left`), or its rest when a row continues.
      let at = 0;
      while (left > 0) {
        const nl = this.#buf.indexOf(NL, at);
        if (nl < 0) break;
        at = nl + 1;
        left--;
        this.#rows++;
      }
      const piece = at > 0 ? this.#buf.subarray(0, at) : this.#buf;
      this.#buf = this.#buf.subarray(piece.length);
      if (emit) yield piece;
    }
  }

  take(n: number): AsyncGenerator<Uint8Array> {
    return this.#advance(n, true);
  }

  async skip(n: number): Promise<void> {
    for await (const p of this.#advance(n, false)) void p;
  }

  /** True when the source has no bytes left (a partial row counts as bytes). */
  async atEnd(): Promise<boolean> {
    return !(await this.#fill());
  }
}
