/**
 * A script given as spans (../layers/rows.ts) written as concatenated gzip members, one valid `.gz` file:
 * a span that is a whole stored chunk passes its stored gzip member through unchanged; the other bytes
 * (a layered table's rebuilt rows, the pieces of chunks cut where layered rows were spliced in) are
 * collected into pieces of PIECE_BYTES and compressed at level 1 on libuv's thread pool, several at once,
 * and written in order. Memory: at most WINDOW members in flight plus one piece being collected.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Span } from '../layers/rows.js';

const gzipAsync = promisify(gzip);

export interface MemberStats {
  /** Stored members passed through, and their plaintext bytes. */
  reused: number;
  reusedBytes: number;
  /** Members compressed here, and their plaintext bytes. */
  compressed: number;
  compressedBytes: number;
}

export class GzipMemberWriter {
  /** Plaintext bytes per compressed member. */
  static readonly PIECE_BYTES = 1024 * 1024;
  /** Members compressed or passed through but not yet written. */
  static readonly WINDOW = 8;
  readonly #write: (bytes: Uint8Array) => Promise<void>;
  readonly #queue: Promise<Uint8Array>[] = [];
  #plain: Uint8Array[] = [];
  #plainBytes = 0;
  readonly stats: MemberStats = { reused: 0, reusedBytes: 0, compressed: 0, compressedBytes: 0 };

  /** `write`: writes one member to the output, with backpressure. */
  constructor(write: (bytes: Uint8Array) => Promise<void>) {
    this.#write = write;
  }

  async add(span: Span): Promise<void> {
    if (span.member) {
      await this.#flushPlain();
      this.stats.reused++;
      this.stats.reusedBytes += span.bytes.length;
      await this.#enqueue(Promise.resolve(span.member));
      return;
    }
    if (span.bytes.length === 0) return;
    this.#plain.push(span.bytes);
    this.#plainBytes += span.bytes.length;
    if (this.#plainBytes >= GzipMemberWriter.PIECE_BYTES) await this.#flushPlain();
  }

  /** Compress what is collected and write every member still queued. */
  async finish(): Promise<void> {
    await this.#flushPlain();
    while (this.#queue.length) await this.#write(await this.#queue.shift()!);
  }

  async #flushPlain(): Promise<void> {
    if (this.#plainBytes === 0) return;
    const piece = this.#plain.length === 1 ? this.#plain[0]! : Buffer.concat(this.#plain, this.#plainBytes);
    this.stats.compressed++;
    this.stats.compressedBytes += this.#plainBytes;
    this.#plain = [];
    this.#plainBytes = 0;
    await this.#enqueue(gzipAsync(piece, { level: 1 }));
  }

  async #enqueue(p: Promise<Uint8Array>): Promise<void> {
    p.catch(() => { /* observed when awaited in order */ });
    this.#queue.push(p);
    while (this.#queue.length > GzipMemberWriter.WINDOW) await this.#write(await this.#queue.shift()!);
  }
}
