/**
 * Repository locks (docs/maintenance.md, "Locks").
 *
 * B2 has no conditional writes, so a lock cannot be "create if absent". Like restic, every lock is a
 * write-once object with a unique random name, `locks/<32 hex>`, sealed like any other object
 * (JSON: host, pid, username, mode, operation, time, refreshed). To acquire:
 *
 *   1. write our lock object;
 *   2. list `locks/` and read every other lock;
 *   3. if a live lock conflicts (exclusive vs anything), delete ours, wait with jitter and retry, or give up
 *      with a LockedError naming the holder.
 *
 * Two lockers that race both see each other in step 2 and both back off; random jitter makes one of
 * them win the next round. A lock is *stale* when it has not been refreshed for `staleMs` (30 min by
 * default) or when it was written on this host by a process that no longer exists. Stale locks never
 * conflict and `pgvault unlock` removes them.
 *
 * A held lock is refreshed every `refreshMs` (5 min) by writing a new lock object and deleting the old
 * one (objects are never rewritten in place: on B2 that would pile up versions). If refreshing fails
 * for so long that others may consider the lock stale, or someone removed it (`unlock --remove-all`),
 * the lock is *lost*: `signal` aborts and `assertHeld()` throws, so prune stops before deleting more.
 *
 * With an append-only key (no deleteFiles) removing a lock may fail: that is tolerated with a warning,
 * and the leftover lock goes stale by itself.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { IntegrityError, LockedError, NotFoundError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';

export type LockMode = 'shared' | 'exclusive';

/** What a lock object holds (sealed JSON). */
export interface LockInfo {
  version: 1;
  mode: LockMode;
  /** What the holder is doing, e.g. "backup", "prune", "check". */
  operation: string;
  host: string;
  pid: number;
  username: string;
  /** When the holder first acquired the lock (ISO 8601). */
  time: string;
  /** When this lock object was written (ISO 8601); refreshing writes a new object. */
  refreshed: string;
}

export interface LockEntry {
  /** Object name under locks/. */
  name: string;
  /** null when the object could not be read (damaged); such locks never block and `unlock` removes them. */
  info: LockInfo | null;
  stale: boolean;
  /** Why it is stale, or why it could not be read. */
  reason?: string;
}

export interface LockOptions {
  /** Recorded operation name (default "pgvault"). */
  operation?: string;
  /** Keep trying for this long when the repository is locked (default 0: one attempt, plus a few quick retries when racing another locker). */
  retryLockMs?: number;
  /** A lock not refreshed for this long is stale (default 30 min). */
  staleMs?: number;
  /** How often a held lock is refreshed (default 5 min). */
  refreshMs?: number;
  /** Pause between attempts, randomised within [min, max] ms (default 1–5 s, growing to the max). */
  backoffMs?: { min: number; max: number };
  logger?: Logger;
  /** Identity recorded in the lock (default: this process); tests use it to play other processes. */
  identity?: { host?: string; pid?: number; username?: string };
  /** Clock (ms since epoch); tests use it. */
  now?: () => number;
}

export const DEFAULT_STALE_MS = 30 * 60_000;
export const DEFAULT_REFRESH_MS = 5 * 60_000;
/** Locks written this recently by a conflicting locker mean we are racing it: both back off and retry. */
const RACE_WINDOW_MS = 5_000;
const RACE_RETRIES = 3;

function currentUser(): string {
  try { return userInfo().username; } catch { return 'unknown'; }
}

/** Whether a process with this pid exists on this machine. */
export function processAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export function formatAge(ms: number): string {
  if (ms < 0) return `${formatAge(-ms)} in the future`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${s % 60 ? `${s % 60}s` : ''}`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${m % 60 ? `${m % 60}m` : ''}`;
  return `${Math.floor(h / 24)}d${h % 24 ? `${h % 24}h` : ''}`;
}

/** "exclusive lock (prune) held by pid 4242 of postgres on db2, acquired 3m ago, refreshed 10s ago" */
export function describeLock(info: LockInfo, now = Date.now()): string {
  const acquired = now - Date.parse(info.time);
  const refreshed = now - Date.parse(info.refreshed);
  return `${info.mode} lock (${info.operation}) held by pid ${info.pid} of ${info.username} on ${info.host}, ` +
    `acquired ${formatAge(acquired)} ago, refreshed ${formatAge(refreshed)} ago`;
}

function parseLockInfo(bytes: Uint8Array, name: string): LockInfo {
  let v: Partial<LockInfo>;
  try {
    v = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<LockInfo>;
  } catch (cause) {
    throw new IntegrityError(`lock locks/${name} is not valid JSON`, `locks/${name}`, { cause });
  }
  if (v.version !== 1 || (v.mode !== 'shared' && v.mode !== 'exclusive') || typeof v.host !== 'string' || typeof v.pid !== 'number' ||
      typeof v.time !== 'string' || typeof v.refreshed !== 'string' || Number.isNaN(Date.parse(v.refreshed))) {
    throw new IntegrityError(`lock locks/${name} is incomplete or of an unknown version`, `locks/${name}`);
  }
  return { version: 1, mode: v.mode, operation: typeof v.operation === 'string' ? v.operation : 'unknown', host: v.host, pid: v.pid,
    username: typeof v.username === 'string' ? v.username : 'unknown', time: v.time, refreshed: v.refreshed };
}

/** Why `info` is stale, or null when it is live. */
export function staleReason(info: LockInfo, now: number, staleMs: number, thisHost: string, alive: (pid: number) => boolean = processAlive): string | null {
  const age = now - Date.parse(info.refreshed);
  if (age > staleMs) return `not refreshed for ${formatAge(age)} (stale after ${formatAge(staleMs)})`;
  if (info.host === thisHost && !alive(info.pid)) return `process ${info.pid} no longer runs on ${thisHost}`;
  return null;
}

async function readLock(repo: Repository, name: string): Promise<LockInfo | 'missing'> {
  try {
    return parseLockInfo(await repo.getSealed('locks', name), name);
  } catch (e) {
    if (e instanceof IntegrityError && e.cause instanceof NotFoundError) return 'missing'; // released while we listed
    throw e;
  }
}

/** Every lock in the repository, with its staleness. Damaged lock objects are reported with info null. */
export async function listLocks(repo: Repository, opts: Pick<LockOptions, 'staleMs' | 'now' | 'identity'> = {}): Promise<LockEntry[]> {
  const now = (opts.now ?? Date.now)();
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const thisHost = opts.identity?.host ?? hostname();
  const names: string[] = [];
  for await (const o of repo.store.list('locks')) names.push(o.name);
  const out: LockEntry[] = [];
  for (const name of names.sort()) {
    let info: LockInfo | 'missing';
    try {
      info = await readLock(repo, name);
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e;
      out.push({ name, info: null, stale: true, reason: `unreadable: ${e.message}` });
      continue;
    }
    if (info === 'missing') continue;
    const reason = staleReason(info, now, staleMs, thisHost);
    out.push(reason === null ? { name, info, stale: false } : { name, info, stale: true, reason });
  }
  return out;
}

export function conflicts(mine: LockMode, theirs: LockMode): boolean {
  return mine === 'exclusive' || theirs === 'exclusive';
}

/** A held lock. Call `release()` when done (withLock does). */
export class RepositoryLock {
  readonly mode: LockMode;
  readonly #repo: Repository;
  readonly #opts: LockOptions;
  readonly #logger: Logger;
  readonly #controller = new AbortController();
  readonly #info: LockInfo;
  #name: string;
  #lastRefresh: number;
  #timer: NodeJS.Timeout | null = null;
  #refreshing: Promise<void> | null = null;
  #released = false;
  /** Registered while held: a SIGINT/SIGTERM releases the lock (src/interrupt.ts). */
  #unregister: () => void = () => {};

  constructor(repo: Repository, name: string, info: LockInfo, opts: LockOptions) {
    this.#repo = repo;
    this.#name = name;
    this.#info = info;
    this.mode = info.mode;
    this.#opts = opts;
    this.#logger = opts.logger ?? silentLogger;
    this.#lastRefresh = Date.parse(info.refreshed);
  }

  /** Current lock object name (changes on refresh). */
  get name(): string {
    return this.#name;
  }

  /** Aborted when the lock is lost (could not be refreshed in time, or removed by someone else). */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Throw a LockedError if the lock was lost; call before destructive steps. */
  assertHeld(): void {
    if (this.#controller.signal.aborted) throw this.#controller.signal.reason as Error;
  }

  /**
   * Re-read our lock object from the store and throw a LockedError if it is gone (removed by
   * `pgvault unlock --remove-all --force`, say) or the lock was lost. A backup calls this right before
   * committing its manifest: without the lock, a prune may have deleted chunks the snapshot reuses, so
   * committing could record a snapshot that cannot be restored.
   */
  async confirmHeld(): Promise<void> {
    if (this.#refreshing) await this.#refreshing;
    this.assertHeld();
    if (this.#released) throw new LockedError(`our ${this.mode} lock was already released`);
    const name = this.#name;
    if (!(await this.#repo.store.stat('locks', name))) {
      this.#lose(`our ${this.mode} lock locks/${name} was removed by someone else (pgvault unlock --remove-all --force?), ` +
        'so a prune may have run meanwhile: stopping without committing. Run the command again.');
    }
    this.assertHeld();
  }

  #now(): number {
    return (this.#opts.now ?? Date.now)();
  }

  startRefresh(): void {
    this.#unregister = onInterrupt(`release the ${this.mode} repository lock (${this.#info.operation})`, () => this.release());
    const every = this.#opts.refreshMs ?? DEFAULT_REFRESH_MS;
    this.#timer = setInterval(() => {
      if (this.#refreshing) return;
      this.#refreshing = this.refresh().finally(() => { this.#refreshing = null; });
    }, every);
    this.#timer.unref();
  }

  #lose(message: string): void {
    if (this.#controller.signal.aborted) return;
    this.#logger.error(message);
    this.#controller.abort(new LockedError(message));
  }

  /** Write a fresh lock object and remove the previous one. Never throws; a failure may lose the lock. */
  async refresh(): Promise<void> {
    if (this.#released || this.#controller.signal.aborted) return;
    const staleMs = this.#opts.staleMs ?? DEFAULT_STALE_MS;
    const old = this.#name;
    try {
      if (!(await this.#repo.store.stat('locks', old))) {
        this.#lose(`our ${this.mode} lock locks/${old} was removed by someone else (pgvault unlock --remove-all?); stopping before doing more`);
        return;
      }
      const name = newLockName();
      const info: LockInfo = { ...this.#info, refreshed: new Date(this.#now()).toISOString() };
      await this.#repo.putSealed('locks', name, encodeLock(info));
      this.#name = name;
      this.#lastRefresh = this.#now();
      await this.#repo.store.delete('locks', old).catch((e: unknown) => {
        this.#logger.warn(`could not remove the previous lock object locks/${old} (${(e as Error).message}); it will go stale by itself`);
      });
    } catch (e) {
      const age = this.#now() - this.#lastRefresh;
      if (age > staleMs * 0.8) {
        this.#lose(`could not refresh our ${this.mode} lock for ${formatAge(age)} (${(e as Error).message}); others may now consider it stale, so we stop`);
      } else {
        this.#logger.warn(`could not refresh the repository lock (will retry): ${(e as Error).message}`);
      }
    }
  }

  /** Stop refreshing and remove the lock object. A failed removal (e.g. a key without delete rights) only warns. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#unregister();
    if (this.#timer) clearInterval(this.#timer);
    if (this.#refreshing) await this.#refreshing;
    try {
      await this.#repo.store.delete('locks', this.#name);
    } catch (e) {
      this.#logger.warn(`could not remove our lock locks/${this.#name} (${(e as Error).message}). ` +
        'If this key may not delete (append-only), that is expected: the lock goes stale after 30 minutes, or remove it with "pgvault unlock" using a key that may delete.');
    }
  }
}

function newLockName(): string {
  return randomBytes(16).toString('hex');
}

function encodeLock(info: LockInfo): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(info));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Acquire a lock (see the module comment for the protocol). Throws LockedError naming the holders
 * when the repository stays locked longer than `retryLockMs`.
 */
export async function acquireLock(repo: Repository, mode: LockMode, opts: LockOptions = {}): Promise<RepositoryLock> {
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? Date.now;
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const backoff = opts.backoffMs ?? { min: 1000, max: 5000 };
  const started = now();
  const deadline = started + (opts.retryLockMs ?? 0);
  const identity = { host: opts.identity?.host ?? hostname(), pid: opts.identity?.pid ?? process.pid, username: opts.identity?.username ?? currentUser() };
  const acquiredAt = new Date(started).toISOString();
  let raceRetries = 0;
  for (let attempt = 0; ; attempt++) {
    const name = newLockName();
    const info: LockInfo = { version: 1, mode, operation: opts.operation ?? 'pgvault', ...identity, time: acquiredAt, refreshed: new Date(now()).toISOString() };
    await repo.putSealed('locks', name, encodeLock(info));
    let blocking: LockEntry[];
    try {
      const all = await listLocks(repo, { staleMs, now, identity });
      for (const l of all) {
        if (l.info === null) logger.warn(`ignoring damaged lock object locks/${l.name} (${l.reason ?? 'unreadable'}); "pgvault unlock" removes it`);
      }
      blocking = all.filter((l) => l.name !== name && l.info !== null && !l.stale && conflicts(mode, l.info.mode));
    } catch (e) {
      await repo.store.delete('locks', name).catch(() => undefined);
      throw e;
    }
    if (blocking.length === 0) {
      const lock = new RepositoryLock(repo, name, info, opts);
      lock.startRefresh();
      logger.debug(`acquired ${mode} lock locks/${name}`);
      return lock;
    }
    // Back off: remove ours so that a racing locker can win, then wait or give up.
    await repo.store.delete('locks', name).catch((e: unknown) => {
      logger.warn(`could not remove our lock attempt locks/${name} (${(e as Error).message}); it will go stale by itself`);
    });
    const t = now();
    const racing = blocking.every((l) => Math.abs(t - Date.parse(l.info!.refreshed)) < RACE_WINDOW_MS && Date.parse(l.info!.time) >= started - RACE_WINDOW_MS);
    const mayRace = racing && raceRetries < RACE_RETRIES;
    if (t >= deadline && !mayRace) {
      const holders = blocking.map((l) => `  - ${describeLock(l.info!, t)} [locks/${l.name}]`).join('\n');
      throw new LockedError(`the repository at ${repo.store.location} is locked, so this ${mode === 'exclusive' ? 'exclusive' : 'shared'} ` +
        `${opts.operation ?? 'operation'} cannot run:\n${holders}\n` +
        'Wait for it to finish (or pass --retry-lock 30m to wait). If that process is gone, its lock goes stale after ' +
        `${formatAge(staleMs)} without refresh; "pgvault unlock" removes stale locks.`);
    }
    if (t >= deadline) raceRetries++;
    const cap = Math.min(backoff.max, backoff.min * 2 ** Math.min(attempt, 10));
    const wait = randomInt(backoff.min, Math.max(backoff.min + 1, cap + 1));
    logger.info(`repository is locked by ${describeLock(blocking[0]!.info!, t)}; retrying in ${formatAge(wait)}`);
    await sleep(mayRace && t >= deadline ? wait : Math.max(0, Math.min(wait, deadline - t)));
  }
}

/** Run `fn` while holding a lock; the lock is released however `fn` ends. */
export async function withLock<T>(repo: Repository, mode: LockMode, fn: (lock: RepositoryLock) => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(repo, mode, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

export interface UnlockResult {
  removed: LockEntry[];
  kept: LockEntry[];
}

export interface RemoveLocksOptions {
  /** Also remove live locks — only together with `force` (a live lock's holder may be running). */
  all?: boolean;
  /** With `all`: remove live locks too. Without it, `all` removes only stale and damaged locks. */
  force?: boolean;
  staleMs?: number;
  now?: () => number;
  identity?: { host?: string };
}

/**
 * Remove stale (and damaged) locks; live ones only with `all` and `force`. Removing a live lock lets a
 * prune run next to the holder: a backup holding it notices before committing (`confirmHeld`) and fails.
 */
export async function removeLocks(repo: Repository, opts: RemoveLocksOptions = {}): Promise<UnlockResult> {
  const locks = await listLocks(repo, opts);
  const removed: LockEntry[] = [];
  const kept: LockEntry[] = [];
  for (const l of locks) {
    if ((opts.all === true && opts.force === true) || l.stale) {
      await repo.store.delete('locks', l.name);
      removed.push(l);
    } else {
      kept.push(l);
    }
  }
  return { removed, kept };
}
