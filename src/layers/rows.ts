/**
 * Rows of a table's COPY text: one row per line. COPY's text format escapes newlines inside values
 * (`\n`), so a raw 0x0a byte always ends a row, and every row, the last included, ends with one.
 */
import { IntegrityError } from '../errors.js';

const NL = 0x0a;
const EMPTY = new Uint8Array(0);

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

  /** The rows `piece` completes, as views (of `piece`, or of a new buffer for a row begun in earlier pieces). */
  push(piece: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    this.each(piece, (buf, start, end) => out.push(buf.subarray(start, end)));
    return out;
  }

  /**
   * The rows `piece` completes without an object per row: calls `onRow(buf, start, end)` for each, in order. `buf`
   * is `piece` itself, or for a row begun in earlier pieces a new buffer holding the whole row.
   */
  each(piece: Uint8Array, onRow: (buf: Uint8Array, start: number, end: number) => void): void {
    let at = 0;
    for (;;) {
      const nl = piece.indexOf(NL, at);
      if (nl < 0) break;
      if (this.#carry.length) {
        this.#carry.push(piece.subarray(at, nl + 1));
        const row = Buffer.concat(this.#carry);
        this.#carry = [];
        this.#carryBytes = 0;
        onRow(row, 0, row.length);
      } else {
        onRow(piece, at, nl + 1);
      }
      at = nl + 1;
    }
    if (at < piece.length) {
      this.#carry.push(piece.subarray(at));
      this.#carryBytes += piece.length - at;
    }
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
 *
 * The rebuild drives it synchronously: `advance(n, out)` consumes rows from the piece in hand only and says
 * how many are still due; `fill()` (the only await) reads the next piece when it returns more than 0. So a run
 * costs no promise unless it crosses a piece boundary (docs/incremental.md "Restores").
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

  /** Read source pieces until one has bytes; false at the end of the source. */
  async fill(): Promise<boolean> {
    while (this.#buf.length === 0) {
      const r = await this.#it.next();
      if (r.done) return false;
      this.#buf = r.value.bytes;
      this.#member = r.value.member;
    }
    return true;
  }

  /**
   * Consume up to `n` whole rows from the piece in hand (nothing is read), appending them to `out` as spans
   * (`out` null: skip them); returns the rows still due (0: done). When the last row taken continues in the next
   * piece, the rest of this piece belongs to it and is consumed too: call `fill()` and `advance` again.
   */
  advance(n: number, out: Span[] | null): number {
    const buf = this.#buf;
    if (n <= 0 || buf.length === 0) return n;
    let left = n;
    let at = 0;
    while (left > 0) {
      const nl = buf.indexOf(NL, at);
      if (nl < 0) break;
      at = nl + 1;
      left--;
    }
    this.#rows += n - left;
    const end = left > 0 ? buf.length : at;
    if (out) {
      const whole = end === buf.length;
      const piece = whole ? buf : buf.subarray(0, end);
      out.push(whole && this.#member ? { bytes: piece, member: this.#member } : { bytes: piece });
    }
    this.#buf = end === buf.length ? EMPTY : buf.subarray(end);
    this.#member = undefined;
    return left;
  }

  /** `advance` until `n` rows are consumed, reading pieces as needed; fails when the source ends first. */
  async advanceAll(n: number, out: Span[] | null): Promise<void> {
    for (let left = this.advance(n, out); left > 0; left = this.advance(left, out)) {
      if (!(await this.fill())) throw this.short(left);
    }
  }

  /** The error for a source that ended `left` rows short. */
  short(left: number): IntegrityError {
    return new IntegrityError(`${this.#what} ended after ${this.#rows} rows, ${left} rows short of what the snapshot records`);
  }

  async *take(n: number): AsyncGenerator<Span> {
    const out: Span[] = [];
    for (let left = this.advance(n, out); ; left = this.advance(left, out)) {
      yield* out;
      out.length = 0;
      if (left === 0) return;
      if (!(await this.fill())) throw this.short(left);
    }
  }

  async skip(n: number): Promise<void> {
    await this.advanceAll(n, null);
  }

  /** True when the source has no bytes left (a partial row counts as bytes). */
  async atEnd(): Promise<boolean> {
    return !(await this.fill());
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
