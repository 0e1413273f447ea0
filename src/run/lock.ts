/**
 * Host-local run lock, so two cron/systemd runs never overlap. Node has no flock(2), so:
 *
 * - Acquire = create the lock file with O_EXCL ("wx"), holding {pid, process start time, host, nonce, since}.
 *   Exactly one creator wins; the file system guarantees it.
 * - A lock whose process is gone (no such pid, or the pid was reused by a process that started at
 *   another time: /proc/<pid>/stat field 22) is stale. Breaking it is serialized through a second
 *   O_EXCL file (`<lock>.break`) and re-checks the nonce before unlinking, so a breaker can never delete
 *   a lock that a live process has just taken.
 * - Release = unlink, only if the file still carries our nonce.
 * The second run waits up to `waitMs` (polling), then fails with LockedError (exit code 3).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { LockedError, LocalIoError } from '../errors.js';

export interface LockInfo {
  pid: number;
  /** Kernel start time of the process (clock ticks since boot), when /proc has it. */
  startTime: number | null;
  host: string;
  nonce: string;
  since: string;
  command?: string;
}

export interface RunLock {
  readonly path: string;
  readonly info: LockInfo;
  /** Remove the lock (idempotent; a lock taken over by someone else is left alone). */
  release(): void;
}

export interface AcquireOptions {
  /** How long to wait for a running holder (ms, default 0 = fail at once). */
  waitMs?: number;
  /** Poll interval while waiting (default 1000 ms). */
  pollMs?: number;
  /** Called once when we start waiting. */
  onWait?: (holder: LockInfo | null) => void;
  command?: string;
}

const BREAK_STALE_MS = 30_000;

export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]);
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | null | 'missing' {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw new LocalIoError(`cannot read the run lock ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const v = JSON.parse(text) as LockInfo;
    return typeof v.pid === 'number' && typeof v.nonce === 'string' ? v : null;
  } catch {
    return null; // being written right now, or garbage
  }
}

/** Is the holder recorded in the lock gone? (Only decidable for locks taken on this host.) */
export function isStale(info: LockInfo): boolean {
  if (info.host !== hostname()) return false;
  if (!alive(info.pid)) return true;
  if (info.startTime !== null) {
    const now = processStartTime(info.pid);
    if (now !== null && now !== info.startTime) return true; // pid reused
  }
  return false;
}

function tryCreate(path: string, info: LockInfo): boolean {
  try {
    writeFileSync(path, JSON.stringify(info) + '\n', { flag: 'wx', mode: 0o644 });
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    throw new LocalIoError(`cannot create the run lock ${path}: ${(e as Error).message} (check that its folder exists and is writable by this user)`, { cause: e });
  }
}

/** Remove `path` if it still holds the stale lock `seen` (nonce check under the break lock). */
function breakStale(path: string, seen: LockInfo): void {
  const breaker = `${path}.break`;
  try {
    if (Date.now() - statSync(breaker).mtimeMs > BREAK_STALE_MS) unlinkSync(breaker); // a breaker died mid-break
  } catch { /* absent */ }
  if (!tryCreate(breaker, { ...seen, pid: process.pid, nonce: randomBytes(8).toString('hex') })) return;
  try {
    const now = readLock(path);
    if (now !== 'missing' && now !== null && now.nonce === seen.nonce) unlinkSync(path);
  } finally {
    try { unlinkSync(breaker); } catch { /* gone */ }
  }
}

function describeHolder(h: LockInfo | null): string {
  if (!h) return 'another process (its lock file is unreadable)';
  return `pid ${h.pid} on ${h.host}${h.command ? ` (${h.command})` : ''}, since ${h.since}`;
}

export async function acquireRunLock(path: string, opts: AcquireOptions = {}): Promise<RunLock> {
  try { mkdirSync(dirname(path), { recursive: true, mode: 0o755 }); } catch { /* reported by tryCreate */ }
  const info: LockInfo = {
    pid: process.pid, startTime: processStartTime(process.pid), host: hostname(),
    nonce: randomBytes(12).toString('hex'), since: new Date().toISOString(),
  };
  if (opts.command) info.command = opts.command;
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const poll = opts.pollMs ?? 1000;
  let waited = false;
  let unreadableSince: number | null = null;
  for (;;) {
    if (tryCreate(path, info)) break;
    const holder = readLock(path);
    if (holder === 'missing') continue;
    if (holder === null) {
      // Written by a process that died between create and write: stale once it stays unreadable for a while.
      unreadableSince ??= Date.now();
      if (Date.now() - unreadableSince > 5000 && Date.now() - statSync(path).mtimeMs > 5000) {
        try { unlinkSync(path); } catch { /* someone else did */ }
        continue;
      }
    } else {
      unreadableSince = null;
      if (isStale(holder)) {
        breakStale(path, holder);
        continue;
      }
    }
    if (Date.now() >= deadline) {
      throw new LockedError(`another pgvault run holds the lock ${path}: ${describeHolder(holder === null ? null : holder)}. ` +
        'Two runs must not overlap; this one did nothing. If no pgvault is running, remove the file; to wait instead, set "lock": { "wait": "30m" } or --lock-wait.');
    }
    if (!waited) { waited = true; opts.onWait?.(holder); }
    await new Promise((r) => setTimeout(r, Math.min(poll, Math.max(1, deadline - Date.now()))));
  }
  let released = false;
  return {
    path,
    info,
    release() {
      if (released) return;
      released = true;
      const now = readLock(path);
      if (now !== 'missing' && now !== null && now.nonce === info.nonce) {
        try { unlinkSync(path); } catch { /* already gone */ }
      }
    },
  };
}
