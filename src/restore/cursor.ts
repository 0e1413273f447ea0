/**
 * Read a byte stream sequentially in pieces of known length, in one pass: `take(n)` yields exactly the
 * next n bytes (as the source's own buffers, sliced where needed), `skip(n)` discards them. Used to
 * route the parts of a dump (byte ranges recorded in the manifest) to their consumers.
 */
import { IntegrityError } from '../errors.js';
import { freeNow } from '../memory/free-now.js';

/** What the cursor knows of one buffer of its source. */
interface Held {
  /** Pieces lent ({@link ByteCursor.lend}) and not yet given back. */
  out: number;
  /** The cursor has moved past its last byte. */
  retired: boolean;
  /** A piece of it went to a consumer that gives nothing back: it is never freed here. */
  pinned: boolean;
  whole: Uint8Array;
}

export class ByteCursor {
  readonly #it: AsyncIterator<Uint8Array>;
  #buf: Uint8Array = new Uint8Array(0);
  #pos = 0;
  readonly #label: string;
  readonly #owned: boolean;
  #cur: Held | null = null;
  readonly #held = new Map<ArrayBufferLike, Held>();
  /** Buffers freed once their last lent piece came back: for tests and measurements. */
  freed = 0;

  /** `owned`: the source's buffers belong to this cursor alone (nothing else holds them): lent ones are freed once back. */
  constructor(source: AsyncIterable<Uint8Array>, label: string, opts: { owned?: boolean } = {}) {
    this.#it = source[Symbol.asyncIterator]();
    this.#label = label;
    this.#owned = opts.owned ?? false;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.#pos;
  }

  take(n: number): AsyncGenerator<Uint8Array> {
    return this.#take(n, 'pin');
  }

  /**
   * Like take, but the consumer gives every piece back ({@link giveBack}) once nothing holds it any more: a buffer of
   * an owned source is freed when the cursor has passed it and all its lent pieces are back.
   */
  lend(n: number): AsyncGenerator<Uint8Array> {
    return this.#take(n, 'lend');
  }

  /** A piece from {@link lend} is no longer held by anyone. */
  giveBack(piece: Uint8Array): void {
    const h = this.#held.get(piece.buffer);
    if (!h) return;
    h.out--;
    this.#maybeFree(h);
  }

  #maybeFree(h: Held): void {
    if (!h.retired || h.out > 0) return;
    this.#held.delete(h.whole.buffer);
    if (!h.pinned && freeNow(h.whole)) this.freed++;
  }

  #retire(): void {
    const h = this.#cur;
    this.#cur = null;
    if (!h) return;
    h.retired = true;
    this.#maybeFree(h);
  }

  async *#take(n: number, mode: 'pin' | 'lend' | 'copy'): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0) {
        this.#retire();
        const r = await this.#it.next();
        if (r.done) throw new IntegrityError(`${this.#label} ended at byte ${this.#pos}, ${left} bytes short of what the snapshot records`);
        if ((r.value.buffer as { detached?: boolean }).detached === true) {
          // Only a source that yields one buffer twice, against `owned`, can get here: fail rather than lose its bytes.
          throw new IntegrityError(`${this.#label}: a buffer of its source came back after it was freed, at byte ${this.#pos}; ` +
            'this is a bug in pgvault (please report it); nothing was restored from it');
        }
        this.#buf = r.value;
        const again = this.#held.get(r.value.buffer);
        // A buffer yielded again while pieces of it are still lent (against `owned`): it is never freed here.
        if (again) again.pinned = true;
        else if (this.#owned) {
          this.#cur = { out: 0, retired: false, pinned: false, whole: r.value };
          this.#held.set(r.value.buffer, this.#cur);
        }
        continue;
      }
      const piece = this.#buf.length <= left ? this.#buf : this.#buf.subarray(0, left);
      this.#buf = this.#buf.subarray(piece.length);
      left -= piece.length;
      this.#pos += piece.length;
      if (this.#cur) {
        if (mode === 'pin') this.#cur.pinned = true;
        else if (mode === 'lend') this.#cur.out++;
      }
      yield piece;
    }
    if (this.#buf.length === 0) this.#retire();
  }

  /** The next n bytes as one new buffer (a copy: nothing of the source is held afterwards). */
  async takeAll(n: number): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    // Each piece is copied before the cursor moves on (it may free the buffer the piece is a view of).
    for await (const p of this.#take(n, 'copy')) { out.set(p, at); at += p.length; }
    return out;
  }

  async skip(n: number): Promise<void> {
    for await (const p of this.#take(n, 'copy')) void p;
  }
}
