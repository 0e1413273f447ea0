/**
 * The one narrow storage interface every backend implements (local directory, S3/B2, test wrappers).
 *
 * Contract (checked by test/store/conformance.ts against every implementation):
 * - Objects are addressed by (kind, name). `name` is [A-Za-z0-9._-]+ (no slashes); the backend maps it
 *   to a key: `config` (kind config, name "config"), `keys/<name>`, `data/<name[0..2]>/<name>`,
 *   `snapshots/<name>`, `index/<name>`, `locks/<name>`.
 * - Write once: callers never overwrite an existing name with different bytes (content-addressed
 *   names make this natural); `put` of an existing name with the same bytes is allowed.
 * - Read-after-write: once `put` resolves, `get`/`stat`/`list` see the object.
 * - `get` of a missing object rejects with NotFoundError (from src/errors.ts); `stat` returns null.
 * - `delete` is idempotent (deleting a missing object succeeds) and removes every stored version
 *   of the key where the backend keeps versions (B2), so the bytes stop being billed.
 * - `list` yields every object of a kind once, in no particular order, with its size (and, when asked
 *   with `{ modified: true }`, its modification time: prune's grace period relies on it).
 * - Bodies are whole Uint8Arrays: objects are small (a chunk is at most a few MiB).
 */
export type ObjectKind = 'config' | 'keys' | 'data' | 'snapshots' | 'index' | 'locks';

export const OBJECT_KINDS: readonly ObjectKind[] = ['config', 'keys', 'data', 'snapshots', 'index', 'locks'];

export interface ObjectInfo {
  name: string;
  size: number;
  /** When the object was last written (the store's clock); only set when `list` is asked for it. */
  modified?: Date;
}

export interface ListOptions {
  /** Also report each object's modification time (`ObjectInfo.modified`), where the backend knows it. */
  modified?: boolean;
}

/** Requests a remote store had to retry, for the run metrics (`pgvault_store_retries_total`). */
export interface StoreCounters {
  /** Failed attempts that were retried. */
  retries: number;
  /** Of those, attempts that stalled (no data for the socket idle limit, 60 s by default). */
  stalls: number;
}

/** One retried request, for the log. */
export interface RetryEvent {
  /** e.g. "GET pg/data/ab/ab12…" (the object key, never credentials). */
  operation: string;
  /** The attempt that failed (1-based), of `maxAttempts`. */
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  /** The request stalled (timed out without data) rather than failing outright. */
  stall: boolean;
  /** What failed, e.g. "SlowDown (HTTP 503)". */
  reason: string;
}

export interface Store {
  /** Where the store points, for messages; never contains secrets. */
  readonly location: string;
  put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void>;
  get(kind: ObjectKind, name: string): Promise<Uint8Array>;
  /**
   * True when every buffer `get` returns is a new one that nothing else holds (not a cached or stored copy), so the
   * caller may free it once read (src/memory/free-now.ts). Absent: the caller leaves it to the collector.
   */
  readonly ownedReads?: boolean;
  stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null>;
  list(kind: ObjectKind, opts?: ListOptions): AsyncIterable<ObjectInfo>;
  delete(kind: ObjectKind, name: string): Promise<void>;
  /**
   * Remove temporary files a process killed mid-write left behind (FsStore's `.tmp-*`), if they were
   * last modified before `olderThan`; returns how many were removed. Absent where writes leave no debris
   * (S3: an interrupted PUT stores nothing).
   */
  removeTemporary?(olderThan: Date): Promise<number>;
  /** Retries and stalls so far (remote stores). */
  readonly counters?: StoreCounters;
  /** Be told about every retried request (one listener; the Repository logs them as warnings). */
  observeRetries?(listener: (e: RetryEvent) => void): void;
  /** Release connections/handles. */
  close(): Promise<void>;
}
