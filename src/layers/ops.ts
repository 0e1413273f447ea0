/**
 * A delta's op list (docs/format.md "Op lists"): the current rows of a table, in order, as runs of
 * base rows (by ordinal) and of literal rows (the next rows of the delta's literal stream).
 *
 * Encoding: a sequence of ops, each `varint(count × 2 + kind)` (kind 0 = base, 1 = literal; count ≥ 1),
 * a base op followed by `varint(skip)`: its first ordinal minus the end of the previous base run (0 at
 * the start). Base ordinals only grow (the matcher's window only moves forward), so skips are never
 * negative and a restore reads the base once, front to back. Varints are unsigned LEB128 (7 bits a
 * byte, low bits first), at most 8 bytes (values below 2^53).
 */
import { IntegrityError } from '../errors.js';

export type Op = { kind: 'base'; start: number; count: number } | { kind: 'literal'; count: number };

const MAX_VARINT_BYTES = 8;

export function writeVarint(out: number[], n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`varint out of range: ${n}`);
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
}

/** Builds an op list row by row, merging runs; `take()` hands out the bytes of the ops closed so far. */
export class OpEncoder {
  #bytes: number[] = [];
  #kind: 'base' | 'literal' | null = null;
  #start = 0;
  #count = 0;
  /** End (exclusive) of the last closed base run. */
  #baseEnd = 0;
  #ops = 0;
  #literals = 0;
  #bases = 0;
  #size = 0;

  /** The next current row is base row `ordinal` (greater than any before). */
  base(ordinal: number): void {
    if (this.#kind === 'base' && ordinal === this.#start + this.#count) { this.#count++; this.#bases++; return; }
    const floor = this.#kind === 'base' ? this.#start + this.#count : this.#baseEnd;
    if (ordinal < floor) throw new RangeError(`base ordinals must grow: ${ordinal} after ${floor - 1}`);
    this.#close();
    this.#kind = 'base';
    this.#start = ordinal;
    this.#count = 1;
    this.#bases++;
  }

  /** The next current row is the next literal row. */
  literal(): void {
    this.#literals++;
    if (this.#kind === 'literal') { this.#count++; return; }
    this.#close();
    this.#kind = 'literal';
    this.#count = 1;
  }

  #close(): void {
    if (this.#kind === null) return;
    const before = this.#bytes.length;
    writeVarint(this.#bytes, this.#count * 2 + (this.#kind === 'literal' ? 1 : 0));
    if (this.#kind === 'base') {
      writeVarint(this.#bytes, this.#start - this.#baseEnd);
      this.#baseEnd = this.#start + this.#count;
    }
    this.#size += this.#bytes.length - before;
    this.#ops++;
    this.#kind = null;
    this.#count = 0;
  }

  /** Bytes of the ops closed since the last call (the open run stays open). */
  take(): Uint8Array {
    const out = Uint8Array.from(this.#bytes);
    this.#bytes = [];
    return out;
  }

  /** Close the open run; returns its bytes (and any not yet taken). */
  finish(): Uint8Array {
    this.#close();
    return this.take();
  }

  get stats(): { ops: number; bytes: number; literalRows: number; baseRows: number } {
    return { ops: this.#ops, bytes: this.#size, literalRows: this.#literals, baseRows: this.#bases };
  }
}

/** Ops per batch of decodeOpBatches (a stored chunk of an op list can hold ~10^6 ops). */
export const OP_BATCH = 4096;

/**
 * Decode an op list; checks that runs are non-empty, that base ordinals stay below `baseRows` and that
 * the literal runs add up to `literalRows`, so a damaged list fails loudly instead of restoring wrong rows.
 */
export async function* decodeOps(source: AsyncIterable<Uint8Array>, limits: { baseRows: number; literalRows: number }, what = 'op list'): AsyncGenerator<Op> {
  for await (const batch of decodeOpBatches(source, limits, what)) yield* batch;
}

/**
 * decodeOps in batches of at most {@link OP_BATCH} ops so a rebuild pays one await per batch instead of one per op. The checks are decodeOps'.
 */
export async function* decodeOpBatches(source: AsyncIterable<Uint8Array>, limits: { baseRows: number; literalRows: number }, what = 'op list'): AsyncGenerator<Op[]> {
  let value = 0;
  let scale = 1;
  let len = 0;
  let pending: number | null = null; // the head of a base op, waiting for its skip
  let baseEnd = 0;
  let literals = 0;
  let batch: Op[] = [];
  for await (const piece of source) {
    for (let i = 0; i < piece.length; i++) {
      const byte = piece[i]!;
      value += (byte & 0x7f) * scale;
      len++;
      if (byte & 0x80) {
        if (len >= MAX_VARINT_BYTES) throw new IntegrityError(`${what} holds a varint longer than ${MAX_VARINT_BYTES} bytes`);
        scale *= 0x80;
        continue;
      }
      const v = value;
      value = 0; scale = 1; len = 0;
      if (pending !== null) {
        const start = baseEnd + v;
        if (start + pending > limits.baseRows) throw new IntegrityError(`${what} names base rows up to ${start + pending - 1}, but the base has ${limits.baseRows}`);
        baseEnd = start + pending;
        batch.push({ kind: 'base', start, count: pending });
        pending = null;
      } else {
        const count = Math.floor(v / 2);
        if (count < 1) throw new IntegrityError(`${what} holds an empty run`);
        if (v % 2 === 1) {
          literals += count;
          if (literals > limits.literalRows) throw new IntegrityError(`${what} names more than the delta's ${limits.literalRows} literal rows`);
          batch.push({ kind: 'literal', count });
        } else {
          pending = count;
        }
      }
      if (batch.length >= OP_BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (len > 0 || pending !== null) throw new IntegrityError(`${what} ends inside an op`);
  if (literals !== limits.literalRows) throw new IntegrityError(`${what} names ${literals} literal rows, but the delta has ${limits.literalRows}`);
  if (batch.length) yield batch;
}
