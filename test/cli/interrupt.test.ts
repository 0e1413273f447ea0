/**
 * Ctrl-C (issue 12, item 12): a backup interrupted while it holds the repository's shared lock says what was
 * interrupted, releases the lock and exits 130 (it used to exit 130 silently and leave the lock for 30 minutes).
 * The "database" is a TCP server that accepts and never answers, so the backup is waiting inside the lock;
 * SIGINT is sent when that connection arrives (an event, no sleeps).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { CLI_MAIN, runCli } from '../helpers/cli.js';
import { tempDir } from '../repo/helpers.js';
import { onInterrupt, pendingCleanups, runInterruptCleanups } from '../../src/interrupt.js';

test('SIGINT during a backup: message, lock released, exit 130', async () => {
  const tmp = tempDir();
  const sockets: Socket[] = [];
  const server = createServer((s) => { sockets.push(s); });
  try {
    const repo = join(tmp.path, 'repo');
    const env = { PGVAULT_PASSWORD: 'interrupt test', XDG_CACHE_HOME: join(tmp.path, 'cache'), PGVAULT_REPOSITORY: undefined };
    assert.equal((await runCli(['--repo', repo, 'init'], env)).code, 0);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const connected = new Promise<void>((r) => server.once('connection', () => r()));
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, '--repo', repo, 'backup', `postgres://nobody@127.0.0.1:${port}/silent`],
      { env: { ...process.env, ...env, PGCONNECT_TIMEOUT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await connected;
    assert.equal(readdirSync(join(repo, 'locks')).length, 1, 'the backup holds the shared lock while it waits for the database');
    child.kill('SIGINT');
    assert.equal(await exited, 130, stderr);
    assert.match(stderr, /interrupted \(Ctrl-C\): backup stopped; the snapshot being written is not saved/);
    assert.match(stderr, /cleaned up: release the shared repository lock \(backup\)/);
    assert.deepEqual(readdirSync(join(repo, 'locks')), [], 'no lock left behind');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
    tmp.cleanup();
  }
});

test('interrupt clean-ups run newest first, once each; failures and timeouts are reported, not thrown', async () => {
  const order: string[] = [];
  onInterrupt('first', () => { order.push('first'); });
  const gone = onInterrupt('unregistered', () => { order.push('unregistered'); });
  onInterrupt('failing', () => { throw new Error('disk gone'); });
  onInterrupt('hanging', () => new Promise<void>(() => {}));
  onInterrupt('last', async () => { order.push('last'); });
  gone();
  const r = await runInterruptCleanups(50);
  assert.deepEqual(order, ['last', 'first']);
  assert.deepEqual(r.done, ['last', 'first']);
  assert.deepEqual(r.failed.map((f) => f.what), ['hanging', 'failing']);
  assert.match(r.failed[0]!.reason, /no answer within/);
  assert.equal(pendingCleanups().length, 0);
});
