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
