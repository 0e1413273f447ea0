/**
 * Streaming content-defined chunker: FastCDC, "ronomon" variant, exactly as fastcdc-rs 1.0.5 (the
 * WebAssembly package fastcdc-wasm 0.1.0) cuts one buffer holding the whole input.
 *
 * For a chunk starting at `s` with `r` bytes of input left, fastcdc-rs decides: if `r ≤ min`, the chunk
 * is the rest of the input; otherwise it hashes the bytes at offsets `min, min+1, …` from `s` with the
 * Gear hash (`h = (h >>> 1) + GEAR[byte]`, starting from 0) and ends the chunk after the first offset `p`
 * whose hash has no bit of the mask set: the strict mask (log2(avg)+1 bits) while `p < center`, the loose
 * one (log2(avg)−1 bits) after; failing that, at `min(r, max)` bytes. `center` is
 * `avg − min(avg, min + ⌈min/2⌉)`, clamped to `min(r, max)`: a clamp that only matters for offsets the
 * scan never reaches, so the mask of an offset depends on the offset alone.
 *
 * Hence every decision depends only on the bytes from `s` on and on whether the input has ended, so this
 * chunker scans each byte once, as it arrives, whatever the split into buffers (docs/chunking-and-crypto.md),
 * and never looks back. By default the bytes of the current chunk are copied into a buffer of the chunker's own
 * (grown by doubling from 64 KiB up to `max` bytes as chunks need, then reused) and a finished chunk is returned as a
 * fresh copy of them. With the `pool` option each byte is copied once, straight into
 * pooled memory that becomes the returned chunk (the repository writer: one copy fewer, no `max` buffer of its own).
 * The scan itself runs in WebAssembly (./gear-scan.ts).
 */
import { gearScan, scanHash } from './gear-scan.js';
import { validateChunkerParams, type ChunkerParams } from './params.js';
import type { ChunkPool } from './pool.js';

/** The first buffer of a chunker without a pool (grown by doubling as chunks need). */
const UNPOOLED_START_BYTES = 64 * 1024;

export class Chunker {
  readonly params: Readonly<ChunkerParams>;
  readonly #maskS: number;
  readonly #maskL: number;
  /** Offset from the chunk start below which the strict mask applies. */
  readonly #center: number;
  /**
   * The current chunk's bytes (the first #len): without a pool one buffer, grown to fit up to `max` bytes and reused; with a pool a
   * pooled buffer taken when the chunk's first byte arrives (`pool.small` bytes, replaced by one of `max` bytes if
   * the chunk outgrows it), handed over as the chunk when it ends.
   */
  #buf: Uint8Array | null = null;
  #len = 0;
  #hash = 0;
  readonly #pool: ChunkPool | null;

  /**
   * Throws ConfigError if the parameters are invalid. With `pool` (whose `max` must be at least the chunker's), each
   * returned chunk is a view of pooled memory that the caller gives back to the pool when done with it; without,
   * each is a fresh Uint8Array.
   */
  constructor(p: ChunkerParams, opts: { pool?: ChunkPool } = {}) {
    this.params = validateChunkerParams(p);
    const { min, avg, max } = this.params;
    this.#pool = opts.pool ?? null;
    if (this.#pool && this.#pool.max < max) throw new RangeError(`the chunk pool's maximum (${this.#pool.max}) is below the chunker's max (${max})`);
    const bits = Math.round(Math.log2(avg));
    this.#maskS = 2 ** (bits + 1) - 1;
    this.#maskL = 2 ** (bits - 1) - 1;
    this.#center = avg - Math.min(avg, min + Math.ceil(min / 2));
  }

  /**
   * Feed the next bytes of the stream. Returns the chunks completed so far (possibly none), in
   * order. Returned chunks are copies (in memory from `alloc`); `data` is copied too and may be reused by the caller.
   */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    const { min, max } = this.params;
    const n = data.length;
    let i = 0; // data[i..] is not yet part of any chunk
    while (i < n) {
      const len = this.#len;
      const end = Math.min(len + (n - i), max); // chunk offsets [len, end) are available
      let cut = -1; // chunk length, once found
      const from = Math.max(len, min);
      if (from < end) {
        // Offset o of the chunk is data[o + delta].
        const delta = i - len;
        const strictEnd = Math.min(end, this.#center);
        let h = this.#hash;
        let stop = -1;
        if (from < strictEnd) {
          stop = gearScan(data, from + delta, strictEnd + delta, h, this.#maskS);
          h = scanHash;
        }
        const loose = Math.max(from, strictEnd);
        if (stop < 0 && loose < end) {
          stop = gearScan(data, loose + delta, end + delta, h, this.#maskL);
          h = scanHash;
        }
        this.#hash = h;
        if (stop >= 0) cut = stop - delta;
      }
      if (cut < 0 && end === max) cut = max;
      const take = (cut < 0 ? end : cut) - len;
      this.#room(len + take).set(data.subarray(i, i + take), len);
      this.#len += take;
      i += take;
      if (cut >= 0) out.push(this.#emit());
    }
    return out;
  }

  /** Bytes received since the last chunk boundary that have not been returned in a chunk yet. */
  get pending(): number {
    return this.#len;
  }

  /** End of stream: returns the remaining chunks (none for an empty stream). Resets the chunker. */
  finish(): Uint8Array[] {
    // What is left has no cut (the scan stops at the first one), so it is the stream's last chunk.
    return this.#len > 0 ? [this.#emit()] : [];
  }

  /** The current chunk's buffer, able to hold `length` bytes (≤ max). */
  #room(length: number): Uint8Array {
    const buf = this.#buf;
    if (buf && buf.length >= length) return buf;
    const pool = this.#pool;
    if (!pool) {
      // Grown by doubling up to max, then reused: a chunker of a small stream (a chunk list: 36 bytes per chunk) never
      // holds the 4 MiB of a largest chunk (zeroed, so resident, when glibc's heap serves it).
      const grown = new Uint8Array(Math.min(this.params.max, Math.max(length, 2 * (buf?.length ?? 0), UNPOOLED_START_BYTES)));
      if (buf) grown.set(buf.subarray(0, this.#len));
      this.#buf = grown;
      return grown;
    }
    const bigger = pool.take(length <= pool.small ? pool.small : pool.max);
    if (buf) {
      bigger.set(buf.subarray(0, this.#len));
      pool.give(buf);
    }
    this.#buf = bigger;
    return bigger;
  }

  #emit(): Uint8Array {
    const len = this.#len;
    let chunk: Uint8Array;
    if (this.#pool) {
      chunk = this.#buf!.subarray(0, len);
      this.#buf = null;
    } else {
      chunk = this.#buf!.slice(0, len);
    }
    this.#len = 0;
    this.#hash = 0;
    return chunk;
  }
}

/** Chunk an async stream of buffers; yields chunks in order. Stops reading when the consumer stops. */
export async function* chunkStream(source: AsyncIterable<Uint8Array>, p: ChunkerParams): AsyncGenerator<Uint8Array> {
  const chunker = new Chunker(p);
  for await (const data of source) {
    for (const c of chunker.push(data)) yield c;
  }
  for (const c of chunker.finish()) yield c;
}
