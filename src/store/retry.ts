/**
 * Our retry policy for remote stores: exponential backoff with full jitter
 * (delay = random(0, min(maxDelay, base · 2^(attempt-1)))), never shorter than a server's Retry-After.
 * The AWS SDK's own retries are switched off (maxAttempts 1) so attempts do not multiply.
 */

export interface RetryOptions {
  /** Total attempts including the first (default 8). 1 disables retries. */
  maxAttempts?: number;
  /** First backoff ceiling in ms (default 200). */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms (default 20 000). */
  maxDelayMs?: number;
  /** Longest Retry-After we honour in ms (default 120 000); longer hints are cut to this. */
  maxRetryAfterMs?: number;
  /** Injected for tests: uniform [0, 1). */
  random?: () => number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Told about every retry (for a Reporter); never prints by itself. */
  onRetry?: (info: RetryInfo) => void;
}

export interface RetryInfo {
  operation: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  delayMs: number;
  error: unknown;
}

export interface RetryDecision {
  retry: boolean;
  /** A server's Retry-After, in ms. */
  retryAfterMs?: number;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  onRetry: ((info: RetryInfo) => void) | undefined;
}

export function resolveRetryOptions(o: RetryOptions = {}): ResolvedRetryOptions {
  const maxAttempts = o.maxAttempts ?? 8;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`retry maxAttempts must be an integer ≥ 1, got ${maxAttempts}`);
  return {
    maxAttempts,
    baseDelayMs: o.baseDelayMs ?? 200,
    maxDelayMs: o.maxDelayMs ?? 20_000,
    maxRetryAfterMs: o.maxRetryAfterMs ?? 120_000,
    random: o.random ?? Math.random,
    sleep: o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    onRetry: o.onRetry,
  };
}

/** The wait before attempt `failedAttempt + 1`. */
export function backoffDelay(failedAttempt: number, o: ResolvedRetryOptions, retryAfterMs?: number): number {
  const ceiling = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** (failedAttempt - 1));
  const jitter = Math.floor(o.random() * ceiling);
  if (retryAfterMs === undefined) return jitter;
  return Math.max(jitter, Math.min(retryAfterMs, o.maxRetryAfterMs));
}

/** Parse a Retry-After header: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** A log line for a retried request: "GET x/data/ab/… failed (SlowDown (HTTP 503)), attempt 1 of 8; retrying in 0.4 s". */
export function describeRetry(e: { operation: string; attempt: number; maxAttempts: number; delayMs: number; stall: boolean; reason: string }): string {
  const what = e.stall ? `stalled (${e.reason})` : `failed (${e.reason})`;
  return `store request ${e.operation} ${what}, attempt ${e.attempt} of ${e.maxAttempts}; retrying in ${(e.delayMs / 1000).toFixed(1)} s`;
}

export class RetriesExhausted extends Error {
  readonly attempts: number;
  constructor(attempts: number, cause: unknown) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`, { cause });
    this.attempts = attempts;
  }
}

/**
 * Run `fn` until it succeeds, a non-retryable error occurs (rethrown as is), or attempts run out
 * (the last error is rethrown wrapped in RetriesExhausted so callers can say how hard we tried).
 */
export async function withRetry<T>(
  operation: string,
  fn: (attempt: number) => Promise<T>,
  classify: (e: unknown) => RetryDecision,
  o: ResolvedRetryOptions,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      const d = classify(e);
      if (!d.retry) throw e;
      if (attempt >= o.maxAttempts) throw new RetriesExhausted(attempt, e);
      const delayMs = backoffDelay(attempt, o, d.retryAfterMs);
      o.onRetry?.({ operation, attempt, delayMs, error: e });
      await o.sleep(delayMs);
    }
  }
}
