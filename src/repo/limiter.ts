/**
 * Bounded concurrency with backpressure: `run()` waits while `limit` tasks are in flight, so a
 * producer that awaits it can never queue unbounded work (or memory). The first task failure is
 * remembered and rethrown by the next `run()` and by `drain()`, so a failed upload stops the stream.
 */
export class Limiter {
  readonly #limit: number;
  readonly #inflight = new Set<Promise<void>>();
  #error: { value: unknown } | null = null;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  get inFlight(): number {
    return this.#inflight.size;
  }

  /** Start `task` once a slot is free. Resolves when it has started, not when it is done. */
  async run(task: () => Promise<void>): Promise<void> {
    while (this.#inflight.size >= this.#limit) await Promise.race(this.#inflight);
    this.#throwIfFailed();
    const p: Promise<void> = task()
      .catch((e: unknown) => { this.#error ??= { value: e }; })
      .finally(() => { this.#inflight.delete(p); });
    this.#inflight.add(p);
  }

  /** Wait for every started task; rethrow the first failure (once: the limiter is usable again afterwards). */
  async drain(): Promise<void> {
    while (this.#inflight.size) await Promise.all(this.#inflight);
    const e = this.#error;
    this.#error = null;
    if (e) throw e.value;
  }

  #throwIfFailed(): void {
    if (this.#error) throw this.#error.value;
  }
}

/**
 * A budget of bytes held at once (e.g. chunk plaintext waiting for or under compression): `acquire(n)` waits, in
 * order of arrival, until the bytes held plus `n` fit the limit. A request larger than the whole limit is let
 * through once nothing else is held, so no request waits forever.
 */
export class ByteBudget {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: { n: number; go: () => void }[] = [];

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`byte budget must be a positive integer, got ${limit}`);
    this.#limit = limit;
  }

  /** Bytes held now. */
  get held(): number {
    return this.#held;
  }

  /** Resolves once `n` bytes are granted; give them back with {@link release}. */
  acquire(n: number): Promise<void> {
    if (this.#waiting.length === 0 && this.#fits(n)) {
      this.#held += n;
      return Promise.resolve();
    }
    return new Promise<void>((go) => this.#waiting.push({ n, go }));
  }

  /** Give back `n` bytes granted by {@link acquire}; wakes the waiting requests that now fit, in order. */
  release(n: number): void {
    this.#held -= n;
    if (this.#held < 0) throw new Error(`ByteBudget.release: ${-this.#held} bytes more were released than acquired`);
    while (this.#waiting.length > 0 && this.#fits(this.#waiting[0]!.n)) {
      const w = this.#waiting.shift()!;
      this.#held += w.n;
      w.go();
    }
  }

  #fits(n: number): boolean {
    return this.#held === 0 || this.#held + n <= this.#limit;
  }
}
