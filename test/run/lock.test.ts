import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireRunLock, isStale, processStartTime, type LockInfo } from '../../src/run/lock.js';
import { LockedError } from '../../src/errors.js';

function tmp(): { dir: string; path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-lock-'));
  return { dir, path: join(dir, 'sub', 'run.lock'), done: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

test('one holder at a time; release lets the next one in; release is idempotent', async () => {
  const t = tmp();
  try {
    const a = await acquireRunLock(t.path, { command: 'first' });
    const held = JSON.parse(readFileSync(t.path, 'utf8')) as LockInfo;
    assert.equal(held.pid, process.pid);
    assert.equal(held.command, 'first');
    await assert.rejects(acquireRunLock(t.path), (e: unknown) => {
      assert.ok(e instanceof LockedError);
      assert.equal(e.exitCode, 3);
      assert.match(e.message, new RegExp(`pid ${process.pid} on ${hostname()} \\(first\\)`));
      return true;
    });
    a.release();
    a.release();
    assert.ok(!existsSync(t.path));
    const b = await acquireRunLock(t.path);
    b.release();
  } finally { t.done(); }
});

test('a waiting acquirer gets the lock when the holder releases', async () => {
  const t = tmp();
  try {
    const a = await acquireRunLock(t.path);
    let waitedFor: LockInfo | null = null;
    setTimeout(() => a.release(), 300);
    const t0 = Date.now();
    const b = await acquireRunLock(t.path, { waitMs: 5000, pollMs: 50, onWait: (h) => { waitedFor = h; } });
    assert.ok(Date.now() - t0 >= 250);
    assert.equal((waitedFor as LockInfo | null)?.pid, process.pid);
    b.release();
    await assert.rejects(acquireRunLock(t.path, { waitMs: 0 }).then(async (c) => {
      c.release();
      const d = await acquireRunLock(t.path);
      try { await acquireRunLock(t.path, { waitMs: 200, pollMs: 50 }); } finally { d.release(); }
    }), LockedError);
  } finally { t.done(); }
});

test('a lock left by a dead process is stale and taken over', async () => {
  const t = tmp();
  try {
    await acquireRunLock(t.path).then((l) => l.release());
    const stale: LockInfo = { pid: deadPid(), startTime: null, host: hostname(), nonce: 'dead', since: new Date().toISOString() };
    assert.ok(isStale(stale));
    writeFileSync(t.path, JSON.stringify(stale));
    const l = await acquireRunLock(t.path);
    assert.equal((JSON.parse(readFileSync(t.path, 'utf8')) as LockInfo).pid, process.pid);
    l.release();
  } finally { t.done(); }
});

test('a reused pid (same pid, other start time) is stale; a live one is not; another host\'s never', () => {
  const start = processStartTime(process.pid);
  assert.ok(start !== null && start > 0);
  const base: LockInfo = { pid: process.pid, startTime: start, host: hostname(), nonce: 'n', since: '' };
  assert.equal(isStale(base), false);
  assert.equal(isStale({ ...base, startTime: start! + 1 }), true);
  assert.equal(isStale({ ...base, host: 'elsewhere', pid: deadPid() }), false);
});

test('a garbage lock file is only broken once it is old', async () => {
  const t = tmp();
  try {
    await acquireRunLock(t.path).then((l) => l.release());
    writeFileSync(t.path, 'half-writ');
    await assert.rejects(acquireRunLock(t.path), /its lock file is unreadable/);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(t.path, old, old);
    const l = await acquireRunLock(t.path, { waitMs: 8000, pollMs: 200 });
    l.release();
  } finally { t.done(); }
});

test('release never removes a lock someone else holds now', async () => {
  const t = tmp();
  try {
    const a = await acquireRunLock(t.path);
    const other: LockInfo = { ...a.info, nonce: 'someone-else' };
    writeFileSync(t.path, JSON.stringify(other));
    a.release();
    assert.ok(existsSync(t.path), 'a lock with another nonce stays');
  } finally { t.done(); }
});

test('many concurrent acquirers racing for a stale lock: exactly one wins', async () => {
  const t = tmp();
  try {
    await acquireRunLock(t.path).then((l) => l.release());
    writeFileSync(t.path, JSON.stringify({ pid: deadPid(), startTime: null, host: hostname(), nonce: 'dead', since: '' }));
    // Child processes, so the O_EXCL races are real.
    const script = `import('${join(process.cwd(), 'src/run/lock.ts')}').then(async (m) => {
      try { await m.acquireRunLock(${JSON.stringify(t.path)}); process.stdout.write('won'); setInterval(() => {}, 1000); }
      catch (e) { process.stdout.write(e.code === 'LOCKED' ? 'locked' : 'error ' + e.message); }
    });`;
    const { spawn } = await import('node:child_process');
    // The winner holds the lock until every child has answered (however slowly they start), then all are killed.
    const children: import('node:child_process').ChildProcess[] = [];
    const outs = await Promise.all(Array.from({ length: 5 }, () => new Promise<string>((resolve) => {
      const c = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      let out = '';
      c.stdout!.on('data', (d: Buffer) => { out += d.toString(); resolve(out); });
      c.on('close', () => resolve(out));
    })));
    for (const c of children) c.kill('SIGKILL');
    assert.equal(outs.filter((o) => o === 'won').length, 1, outs.join(','));
    assert.equal(outs.filter((o) => o === 'locked').length, 4, outs.join(','));
  } finally { t.done(); }
});
