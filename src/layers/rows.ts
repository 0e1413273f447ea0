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
 * Bytes of a stream and, when they are one whole stored chunk that is gzip-compressed, that chunk's gzip
 * member (`.sql.gz` restores reuse it instead of recompressing: ../restore/gzip-spans.ts).
 */
export interface Span {
  bytes: Uint8Array;
  member?: Uint8Array;
}

/** Plain byte pieces as spans without members. */
export async function* spansOf(source: AsyncIterable<Uint8Array>): AsyncGenerator<Span> {
  for await (const bytes of source) yield { bytes };
}

/** The bytes of spans. */
export async function* bytesOf(source: AsyncIterable<Span>): AsyncGenerator<Uint8Array> {
  for await (const s of source) yield s.bytes;
}

/**
 * Read a stream of COPY text by whole rows, in one pass: `take(n)` yields exactly the next n rows as
 * slices of the source's own buffers (no copy per row), `skip(n)` discards them. Used to copy runs of
 * base rows into a rebuilt table. A source span that `take` hands out whole, from its first byte to its
 * last, keeps its gzip member; a span cut anywhere loses it.
 */
export class SpanCursor {
  readonly #it: AsyncIterator<Span>;
  #buf: Uint8Array = new Uint8Array(0);
  /** The member of #buf while #buf is a whole, untouched source span. */
  #member: Uint8Array | undefined;
  #rows = 0;
  readonly #what: string;

  constructor(source: AsyncIterable<Span>, what: string) {
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
      this.#buf = r.value.bytes;
      this.#member = r.value.member;
    }
    return true;
  }

  /** Yield the next `n` rows; `emit` false skips them. */
  async *#advance(n: number, emit: boolean): AsyncGenerator<Span> {
    let left = n;
    while (left > 0) {
      if (!(await this.#fill())) throw new IntegrityError(`${this.#what} ended after ${this.#rows} rows, ${left} rows short of what the snapshot records`);
      // Take as many whole rows as this buffer holds (up to `left`); when the last one continues in the
      // next buffer, the rest of this buffer belongs to it.
      let at = 0;
      while (left > 0) {
        const nl = this.#buf.indexOf(NL, at);
        if (nl < 0) break;
        at = nl + 1;
        left--;
        this.#rows++;
      }
      const end = left > 0 ? this.#buf.length : at;
      const whole = end === this.#buf.length;
      const piece = whole ? this.#buf : this.#buf.subarray(0, end);
      const member = whole ? this.#member : undefined;
      this.#buf = this.#buf.subarray(end);
      this.#member = undefined;
      if (emit) yield member ? { bytes: piece, member } : { bytes: piece };
    }
  }

  take(n: number): AsyncGenerator<Span> {
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

/** SpanCursor over plain bytes. */
export class RowCursor {
  readonly #c: SpanCursor;

  constructor(source: AsyncIterable<Uint8Array>, what: string) {
    this.#c = new SpanCursor(spansOf(source), what);
  }

  get position(): number {
    return this.#c.position;
  }

  take(n: number): AsyncGenerator<Uint8Array> {
    return bytesOf(this.#c.take(n));
  }

  skip(n: number): Promise<void> {
    return this.#c.skip(n);
  }

  atEnd(): Promise<boolean> {
    return this.#c.atEnd();
  }
}
