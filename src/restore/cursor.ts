/**
 * Read a byte stream sequentially in pieces of known length, in one pass: `take(n)` yields exactly the
 * next n bytes (as the source's own buffers, sliced where needed), `skip(n)` discards them. Used to
 * route the parts of a dump (byte ranges recorded in the manifest) to their consumers.
 */
import { IntegrityError } from '../errors.js';

export class ByteCursor {
  readonly #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  readonly #label: string;

  constructor(source: AsyncIterable<Uint8Array>, label: string) {
    this.#it = source[Symbol.asyncIterator]();
    this.#label = label;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  async *take(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0) {
        const r = await this.#it.next();
        if (r.done) throw new IntegrityError(`${this.#label} ended at byte ${this.#pos}, ${left} bytes short of what the snapshot records`);
        this.#buf = r.value;
        continue;
      }
      const piece = this.#buf.length <= left ? this.#buf : this.#buf.subarray(0, left);
      this.#buf = this.#buf.subarray(piece.length);
      left -= piece.length;
      this.#pos += piece.length;
      yield piece;
    }
  }

  async takeAll(n: number): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    for await (const p of this.take(n)) parts.push(p);
    return Buffer.concat(parts);
  }

  async skip(n: number): Promise<void> {
    for await (const p of this.take(n)) void p;
  }
}
