import { freeNow } from '../memory/free-now.js';

/**
 * Reusable memory for chunks. Every chunk of a backup used to be a fresh allocation of 0.25–4 MiB, and fresh
 * memory costs page faults and zeroing on every use (measured: 1–2 CPU s per GB of chunks on the 2-core VM, about
 * a tenth of a backup's CPU). The pool hands out chunks carved from buffers that are given back when their
 * reader is done with them (the chunk store, once the chunk is compressed), so the same few buffers carry the
 * whole stream.
 *
 * Buffers come in two sizes: `small` (chunks up to it, nearly all of them) and `max`. At most `keep` free buffers
 * are kept; the memory of the rest is freed at once (src/memory/free-now.ts), so memory is bounded by the chunks in
 * flight plus `keep` buffers, without dead buffers waiting for a collection. Giving back a chunk is the caller's
 * promise that nothing reads or writes it any more; giving it back twice in a row is harmless (the buffer is kept
 * once, or already freed), but never after it may have been taken again: it would be handed out, or freed, under its
 * new owner (ChunkStore.save calls its `release` exactly once).
 */
export class ChunkPool {
  /** Size of the small buffers (chunks up to this size use one). */
  readonly small: number;
  /** Size of the large buffers: the largest chunk. */
  readonly max: number;
  readonly #keep: number;
  readonly #free = new Set<ArrayBuffer>();
  /** Buffers given back while `keep` were free, and so freed at once (for tests and measurements). */
  freed = 0;

  constructor(opts: { small: number; max: number; keep: number }) {
    this.small = Math.min(opts.small, opts.max);
    this.max = opts.max;
    this.#keep = opts.keep;
  }

  /** A chunk of `length` bytes (contents undefined), a view of a pooled or new buffer. */
  take(length: number): Uint8Array {
    if (length > this.max) throw new RangeError(`chunk of ${length} bytes exceeds the pool's maximum of ${this.max}`);
    const size = length <= this.small ? this.small : this.max;
    for (const b of this.#free) {
      if (b.byteLength === size) {
        this.#free.delete(b);
        return new Uint8Array(b, 0, length);
      }
    }
    return new Uint8Array(new ArrayBuffer(size), 0, length);
  }

  /** Give back a chunk from {@link take}: its memory may be handed out again at once. */
  give(chunk: Uint8Array): void {
    const b = chunk.buffer;
    if (!(b instanceof ArrayBuffer) || (b.byteLength !== this.small && b.byteLength !== this.max)) return;
    if (this.#free.has(b)) return;
    if (this.#free.size < this.#keep) this.#free.add(b);
    else if (freeNow(chunk)) this.freed++;
  }

  /** Free buffers held (for tests). */
  get freeBuffers(): number {
    return this.#free.size;
  }
}
