/**
 * Locks: shared locks coexist; a fresh foreign lock blocks with a message naming host, pid, user and
 * age (exit code 3); a lock of a dead process on this host and a lock not refreshed for 30 minutes are
 * stale and taken over; waiting with retryLockMs; racing exclusive lockers never overlap; refresh
 * replaces the lock object; a removed lock is detected as lost; a failed release only warns;
 * unlock removes stale locks, --remove-all every lock.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { acquireLock, listLocks, removeLocks, withLock, type LockInfo } from '../../src/maintenance/locks.js';
import { ExitCode, LockedError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { testRepo } from '../repo/helpers.js';
import { FaultyStore, names } from './helpers.js';

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

async function plantLock(repo: Repository, info: Partial<LockInfo>, name = Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)): Promise<string> {
  const now = new Date().toISOString();
  const full: LockInfo = { version: 1, mode: 'exclusive', operation: 'prune', host: 'db-standby.example', pid: 4242, username: 'postgres', time: now, refreshed: now, ...info };
  await repo.putSealed('locks', name, new TextEncoder().encode(JSON.stringify(full)));
  return name;
}

const FAST = { backoffMs: { min: 10, max: 40 } };

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, debug: () => {}, info: () => {}, error: () => {}, warn: (m: string) => { warnings.push(m); } };
}

describe('locks', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  before(async () => { ({ repo, dir, cacheDir, cleanup } = await testRepo()); });
  after(() => cleanup());

  const clear = async (): Promise<void> => { await removeLocks(repo, { all: true, force: true }); };

  test('shared locks coexist; exclusive conflicts with shared; release removes the object', async () => {
    const s1 = await acquireLock(repo, 'shared', { operation: 'backup', ...FAST });
    const s2 = await acquireLock(repo, 'shared', { operation: 'backup', ...FAST });
    assert.equal((await names(repo.store, 'locks')).size, 2);
    await assert.rejects(acquireLock(repo, 'exclusive', { operation: 'prune', ...FAST }), (e: unknown) => {
      assert.ok(e instanceof LockedError);
      assert.match(e.message, /shared lock \(backup\) held by pid \d+ of .* on /);
      return true;
    });
    assert.equal((await names(repo.store, 'locks')).size, 2, 'the refused attempt removed its own lock');
    await s1.release();
    await s2.release();
    assert.equal((await names(repo.store, 'locks')).size, 0);
  });

  test('a fresh lock from another host blocks with a clear message naming host, pid, user and age', async () => {
    const name = await plantLock(repo, { time: new Date(Date.now() - 3 * 60_000).toISOString(), refreshed: new Date(Date.now() - 20_000).toISOString() });
    try {
      await assert.rejects(acquireLock(repo, 'shared', { operation: 'backup', ...FAST }), (e: unknown) => {
        assert.ok(e instanceof LockedError);
        assert.equal(e.exitCode, ExitCode.LOCKED);
        assert.match(e.message, /exclusive lock \(prune\) held by pid 4242 of postgres on db-standby\.example, acquired 3m(\d+s)? ago, refreshed 2\ds ago/);
        assert.match(e.message, new RegExp(`locks/${name}`));
        assert.match(e.message, /--retry-lock/);
        return true;
      });
      assert.deepEqual([...await names(repo.store, 'locks')], [name]);
      const unlocked = await removeLocks(repo);
      assert.equal(unlocked.removed.length, 0, 'unlock keeps a live lock');
      assert.equal(unlocked.kept.length, 1);
    } finally {
      await clear();
    }
  });

  test('a lock of a process that no longer runs on this host is stale and taken over; unlock removes it', async () => {
    const name = await plantLock(repo, { host: hostname(), pid: deadPid() });
    const entries = await listLocks(repo);
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.stale, true);
    assert.match(entries[0]!.reason!, /no longer runs/);
    const lock = await acquireLock(repo, 'exclusive', FAST);
    await lock.release();
    const r = await removeLocks(repo);
    assert.deepEqual(r.removed.map((l) => l.name), [name]);
    assert.equal((await names(repo.store, 'locks')).size, 0);
  });

  test('a lock from a live process on this host blocks; one not refreshed for 30 minutes is stale', async () => {
    const live = await plantLock(repo, { host: hostname(), pid: process.ppid });
    await assert.rejects(acquireLock(repo, 'exclusive', FAST), LockedError);
    await repo.store.delete('locks', live);
    const old = new Date(Date.now() - 31 * 60_000).toISOString();
    await plantLock(repo, { time: old, refreshed: old });
    const entries = await listLocks(repo);
    assert.match(entries[0]!.reason!, /not refreshed for 31m/);
    await withLock(repo, 'exclusive', async () => {}, FAST);
    const r = await removeLocks(repo, { all: true });
    assert.equal(r.removed.length, 1);
  });

  test('retryLockMs waits for the holder to finish', async () => {
    const holder = await acquireLock(repo, 'exclusive', { identity: { host: 'other.example', pid: 7 }, ...FAST });
    // The holder lets go when the waiter reports it is waiting (an event, not a timer racing the retry loop).
    let waited = 0;
    const logger: Logger = { debug: () => {}, warn: () => {}, error: () => {}, info: (m) => {
      if (/repository is locked by .*retrying in/.test(m) && waited++ === 0) void holder.release();
    } };
    await withLock(repo, 'shared', async () => {}, { retryLockMs: 60_000, logger, ...FAST });
    assert.ok(waited >= 1, 'it waited at least once');
    assert.equal((await names(repo.store, 'locks')).size, 0);
  });

  test('racing exclusive lockers back off and never hold the lock at the same time', async () => {
    let holders = 0;
    let maxHolders = 0;
    let done = 0;
    const worker = (i: number): Promise<void> => withLock(repo, 'exclusive', async () => {
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      await new Promise((r) => setTimeout(r, 30));
      holders--;
      done++;
    }, { retryLockMs: 20_000, identity: { host: `racer-${i}.example` }, ...FAST });
    await Promise.all([0, 1, 2, 3].map(worker));
    assert.equal(done, 4);
    assert.equal(maxHolders, 1);
    assert.equal((await names(repo.store, 'locks')).size, 0);
  });

  test('refresh writes a new lock object and removes the old; a lock removed by someone else is lost', async () => {
    // refresh() is called directly: no timer races (the timer's wiring is the next test, with mocked timers).
    const lock = await acquireLock(repo, 'exclusive', { refreshMs: 3_600_000, ...FAST });
    const first = lock.name;
    await lock.refresh();
    assert.notEqual(lock.name, first);
    const objects = await names(repo.store, 'locks');
    assert.deepEqual([...objects], [lock.name], 'the old object is gone, the new one is there');
    await removeLocks(repo, { all: true, force: true });
    await lock.refresh();
    assert.equal(lock.signal.aborted, true);
    assert.throws(() => lock.assertHeld(), LockedError);
    await lock.release();
    await clear();
  });

  test('a held lock refreshes itself every refreshMs (mocked timers: no sleeps)', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const lock = await acquireLock(repo, 'exclusive', { refreshMs: 40, ...FAST });
    const first = lock.name;
    t.mock.timers.tick(39);
    assert.equal(lock.name, first, 'not before refreshMs');
    t.mock.timers.tick(1); // starts a refresh; release() waits for it
    await lock.release();
    assert.notEqual(lock.name, first, 'the timer refreshed the lock');
    assert.equal((await names(repo.store, 'locks')).size, 0, 'release removed the refreshed object, refresh the old one');
    await clear();
  });

  test('unlock --remove-all keeps a live lock unless forced; confirmHeld re-reads the lock object and fails once it is gone', async () => {
    const lock = await acquireLock(repo, 'shared', { operation: 'backup', ...FAST });
    await lock.confirmHeld();
    const kept = await removeLocks(repo, { all: true });
    assert.deepEqual(kept.removed, []);
    assert.deepEqual(kept.kept.map((l) => l.name), [lock.name]);
    await lock.confirmHeld();
    const forced = await removeLocks(repo, { all: true, force: true });
    assert.deepEqual(forced.removed.map((l) => l.name), [lock.name]);
    assert.equal(lock.signal.aborted, false, 'no refresh ran: only re-reading the lock can notice');
    await assert.rejects(lock.confirmHeld(), (e: unknown) => {
      assert.ok(e instanceof LockedError);
      assert.match(e.message, /was removed by someone else .*without committing/);
      return true;
    });
    assert.throws(() => lock.assertHeld(), LockedError);
    await lock.release();
    await clear();
  });

  test('a key that may not delete: release only warns and the leftover lock goes stale', async () => {
    const faulty = new FaultyStore(new FsStore(dir, { fsync: false }), { denyDelete: true });
    const r = await Repository.open(faulty, 'correct horse', { cacheDir });
    const logger = recordingLogger();
    const result = await withLock(r, 'shared', async () => 42, { logger, ...FAST });
    assert.equal(result, 42);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!, /could not remove our lock .*append-only/);
    const left = await listLocks(repo);
    assert.equal(left.length, 1);
    assert.equal(left[0]!.stale, false, 'this process is alive: the leftover lock still counts for now');
    const later = Date.now() + 31 * 60_000;
    assert.equal((await listLocks(repo, { now: () => later }))[0]!.stale, true, 'it goes stale without refresh');
    await withLock(repo, 'exclusive', async () => {}, { now: () => later, ...FAST });
    await clear();
  });
});
