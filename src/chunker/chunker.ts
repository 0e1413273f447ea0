/**
 * Streaming content-defined chunker over fastcdc-wasm.
 *
 * Boundaries depend only on the content: any split of the input into buffers yields the same
 * chunks as one call over the whole input. Why this holds (details in docs/chunking-and-crypto.md):
 * FastCDC decides where a chunk ends by scanning forward from the chunk's start, looking at most
 * `max` bytes ahead, with a mask that depends only on the distance from the start. So a cut that
 * fastcdc finds inside a window — a content cut before the window's end, or a cut at exactly `max`
 * bytes — is the cut the whole-input run finds too, provided the window starts at a chunk start.
 * Only the window's last chunk may be an artefact of the window ending; unless it is `max` long,
 * it is kept and scanned again, from its start, together with the next data.
 *
 * Memory: one window buffer of 2 × max (plus fastcdc's copy of it in WebAssembly memory). Bytes are
 * scanned once, except the carried-over last chunk (< max) of each window: at most 1/2 rescanning,
 * about avg / (2 × max) in practice (docs/chunking-and-crypto.md: 4 × max cost 16 MiB more memory for a
 * difference in chunking speed below the measurement noise).
 */
import { boundaries } from './fastcdc.js';
import { validateChunkerParams, type ChunkerParams } from './params.js';

/** Window size as a multiple of max. */
const WINDOW_FACTOR = 2;

export class Chunker {
  readonly params: Readonly<ChunkerParams>;
  /** Holds the carried-over tail (from a chunk start) followed by not-yet-scanned bytes. */
  #buf: Uint8Array;
  #len = 0;

  /** Throws ConfigError if the parameters are invalid. */
  constructor(p: ChunkerParams) {
    this.params = validateChunkerParams(p);
    this.#buf = new Uint8Array(WINDOW_FACTOR * this.params.max);
  }

  /**
   * Feed the next bytes of the stream. Returns the chunks completed so far (possibly none), in
   * order. Returned chunks are fresh copies; `data` is copied too and may be reused by the caller.
   */
  push(data: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let off = 0;
    while (off < data.length) {
      const n = Math.min(this.#buf.length - this.#len, data.length - off);
      this.#buf.set(data.subarray(off, off + n), this.#len);
      this.#len += n;
      off += n;
      if (this.#len === this.#buf.length) this.#scan(false, out);
    }
    return out;
  }

  /** Bytes received since the last chunk boundary that have not been returned in a chunk yet. */
  get pending(): number {
    return this.#len;
  }

  /** End of stream: returns the remaining chunks (none for an empty stream). Resets the chunker. */
  finish(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#len > 0) this.#scan(true, out);
    this.#len = 0;
    return out;
  }

  /** Cut the window #buf[0, #len); emit every chunk the whole-input run is sure to produce. */
  #scan(final: boolean, out: Uint8Array[]): void {
    const { min, avg, max } = this.params;
    const window = this.#buf.subarray(0, this.#len);
    const cuts = boundaries(window, min, avg, max);
    const last = cuts.length - 1; // cuts[last] === #len
    for (let i = 0; i < last - 1; i++) out.push(window.slice(cuts[i], cuts[i + 1]));
    if (last < 1) return;
    const tailStart = cuts[last - 1]!;
    if (final || this.#len - tailStart === max) {
      out.push(window.slice(tailStart, this.#len));
      this.#len = 0;
    } else {
      // The tail was cut by the window's end, not by content: scan it again with more data.
      this.#buf.copyWithin(0, tailStart, this.#len);
      this.#len -= tailStart;
    }
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
