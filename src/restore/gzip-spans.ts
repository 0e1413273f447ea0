/**
 * A script given as spans (../layers/rows.ts) written as concatenated gzip members, one valid `.gz` file:
 * a span that is a whole stored chunk passes its stored gzip member through unchanged; the other bytes
 * (a layered table's rebuilt rows, the pieces of chunks cut where layered rows were spliced in) are
 * collected into pieces of PIECE_BYTES and compressed at level 1 on libuv's thread pool, several at once,
 * while the caller goes on rebuilding rows on the main thread; members are written in order, whatever order
 * their compressions finish in.
 *
 * Memory: at most WINDOW members compressed or waiting to be written, plus the piece being collected. Pieces are
 * collected by copying into a piece buffer that is reused once its compression has finished (at most WINDOW + 1
 * of them, allocated as needed): fresh buffers would cost a page fault per 4 KiB, which on the main thread
 * cost more than the copy itself. A plain span of at least a whole piece that arrives while no piece is being
 * collected is compressed from the span's own bytes, without a copy.
 */
import { gzipForRestore } from '../crypto/compress.js';
import type { Span } from '../layers/rows.js';

export interface MemberStats {
  /** Stored members passed through, and their plaintext bytes. */
  reused: number;
  reusedBytes: number;
  /** Members compressed here, and their plaintext bytes. */
  compressed: number;
  compressedBytes: number;
}

/** Compresses one piece into one complete gzip member; must not keep `plain` after it settles. */
export type MemberCompressor = (plain: Uint8Array) => Promise<Uint8Array>;

/** gzip level 1 with an 8 KiB window on libuv's thread pool (../crypto/compress.ts gzipForRestore). */
export const gzipMember: MemberCompressor = gzipForRestore;

export interface GzipMemberWriterOptions {
  /** Default {@link gzipMember}. */
  compress?: MemberCompressor;
  /** Default {@link GzipMemberWriter.PIECE_BYTES}. */
  pieceBytes?: number;
  /** Default {@link GzipMemberWriter.WINDOW}. */
  window?: number;
}

export class GzipMemberWriter {
  /** Plaintext bytes per compressed member. */
  static readonly PIECE_BYTES = 1024 * 1024;
  /** Members compressed or passed through but not yet written. */
  static readonly WINDOW = 8;
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #compress: MemberCompressor;
  readonly #pieceBytes: number;
  readonly #window: number;
  readonly #queue: Promise<Uint8Array>[] = [];
  /** Piece buffers whose compression has finished. */
  readonly #free: Buffer[] = [];
  #piece: Buffer | null = null;
  #fill = 0;
  /** Piece buffers allocated (for tests: at most window + 1). */
  #allocated = 0;
  readonly stats: MemberStats = { reused: 0, reusedBytes: 0, compressed: 0, compressedBytes: 0 };

  /** `write`: writes one member to the output, with backpressure. */
  constructor(write: (bytes: Uint8Array) => Promise<void>, opts: GzipMemberWriterOptions = {}) {
    this.#write = write;
    this.#compress = opts.compress ?? gzipMember;
    this.#pieceBytes = opts.pieceBytes ?? GzipMemberWriter.PIECE_BYTES;
    this.#window = opts.window ?? GzipMemberWriter.WINDOW;
  }

  /** Piece buffers allocated so far. */
  get pieceBuffers(): number {
    return this.#allocated;
  }

  async add(span: Span): Promise<void> {
    if (span.member) {
      await this.#flushPiece();
      this.stats.reused++;
      this.stats.reusedBytes += span.bytes.length;
      const member = span.member;
      await this.#enqueue(() => Promise.resolve(member));
      return;
    }
    const bytes = span.bytes;
    let at = 0;
    while (at < bytes.length) {
      if (this.#fill === 0 && bytes.length - at >= this.#pieceBytes) {
        // A whole piece of the span's own bytes: compressed where it lies.
        const whole = bytes.subarray(at, at + this.#pieceBytes);
        await this.#enqueue(() => this.#compressed(whole, null));
        at += this.#pieceBytes;
        continue;
      }
      const piece = this.#piece ??= this.#takeBuffer();
      const n = Math.min(bytes.length - at, piece.length - this.#fill);
      piece.set(n === bytes.length ? bytes : bytes.subarray(at, at + n), this.#fill);
      this.#fill += n;
      at += n;
      if (this.#fill === piece.length) await this.#flushPiece();
    }
  }

  /**
   * `add` each span in order; awaits only where a member is started (a piece filled up, a stored member), so a
   * batch of small rebuilt spans costs one await, not one per span.
   */
  async addAll(spans: readonly Span[]): Promise<void> {
    for (const span of spans) {
      const n = span.bytes.length;
      if (!span.member && this.#fill + n < this.#pieceBytes) {
        if (n === 0) continue;
        const piece = this.#piece ??= this.#takeBuffer();
        piece.set(span.bytes, this.#fill);
        this.#fill += n;
        continue;
      }
      await this.add(span);
    }
  }

  /** Compress what is collected and write every member still queued. */
  async finish(): Promise<void> {
    await this.#flushPiece();
    while (this.#queue.length) await this.#write(await this.#queue.shift()!);
  }

  #takeBuffer(): Buffer {
    const b = this.#free.pop();
    if (b) return b;
    this.#allocated++;
    return Buffer.allocUnsafe(this.#pieceBytes);
  }

  async #flushPiece(): Promise<void> {
    const piece = this.#piece;
    if (!piece || this.#fill === 0) return;
    const fill = this.#fill;
    this.#piece = null;
    this.#fill = 0;
    await this.#enqueue(() => this.#compressed(piece.subarray(0, fill), piece));
  }

  /** Compress `plain`; `buffer` (the piece buffer under it, if any) is reused once the compression has settled. */
  #compressed(plain: Uint8Array, buffer: Buffer | null): Promise<Uint8Array> {
    this.stats.compressed++;
    this.stats.compressedBytes += plain.length;
    const done = this.#compress(plain);
    if (!buffer) return done;
    return done.then((member) => { this.#free.push(buffer); return member; }, (e: unknown) => { this.#free.push(buffer); throw e; });
  }

  /** Start the next member once fewer than WINDOW are queued (so at most WINDOW compress at once), in order. */
  async #enqueue(start: () => Promise<Uint8Array>): Promise<void> {
    while (this.#queue.length >= this.#window) await this.#write(await this.#queue.shift()!);
    const p = start();
    p.catch(() => { /* observed when awaited in order */ });
    this.#queue.push(p);
  }
}
