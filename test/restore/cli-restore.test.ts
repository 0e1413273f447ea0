/**
 * `pgvault restore` from the command line, on synthetic snapshots (no PostgreSQL needed): the target
 * directory is created and checked before the password is even tried, files are never overwritten
 * silently, and `restore --stdout | head` ends like `dump | head` (exit 17, no internal error).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CLI_MAIN, runCli, type CliRun } from '../helpers/cli.js';
import { bytes, tempDir } from '../repo/helpers.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';
import { addSnapshot, fsRepo, PASSWORD } from './helpers.js';

let tmp: { path: string; cleanup: () => void };
let snap: Snapshot;
let big: Snapshot;

function pgvault(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(['--repo', join(tmp.path, 'repo'), ...args], { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache'), PGVAULT_CONFIG: undefined, ...env });
}

before(async () => {
  tmp = tempDir();
  const repo = await fsRepo(tmp.path);
  snap = await addSnapshot(repo, { database: 'bus', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 1;\n' });
  // Text of a few MiB: far more than a pipe buffer holds.
  big = await addSnapshot(repo, { database: 'big', time: '2026-11-26T06:00:00+01:00', script: bytes(4_000_000, 3, true) });
  await repo.close();
});
after(() => tmp.cleanup());

test('--target creates the directory; a second restore adds the snapshot id; a third refuses; --force replaces', async () => {
  const dir = join(tmp.path, 'restore', 'here');
  let r = await pgvault(['restore', snap.id.slice(0, 8), '--target', dir]);
  assert.equal(r.code, 0, r.stderr);
  const plain = join(dir, 'bus_20261126_060000.sql.gz');
  assert.equal(gunzipSync(readFileSync(plain)).toString(), 'SELECT 1;\n');

  r = await pgvault(['restore', snap.id.slice(0, 8), '--target', dir]);
  assert.equal(r.code, 0, r.stderr);
  const second = join(dir, `bus_20261126_060000_${snap.id.slice(0, 8)}.sql.gz`);
  assert.equal(r.stdout.trim(), second);

  writeFileSync(plain, 'edited by the operator');
  r = await pgvault(['restore', snap.id.slice(0, 8), '--target', dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /refusing to overwrite .*bus_20261126_060000_[0-9a-f]{8}\.sql\.gz.*--force/);
  assert.equal(readFileSync(plain, 'utf8'), 'edited by the operator');

  r = await pgvault(['restore', snap.id.slice(0, 8), '--target', dir, '--force']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(gunzipSync(readFileSync(plain)).toString(), 'SELECT 1;\n');
  assert.equal(readdirSync(dir).length, 2);

  r = await pgvault(['restore', snap.id.slice(0, 8), '--stdout', '--force']);
  assert.equal(r.code, 2, '--force goes with --target');
});

test('a bad target is reported before the password is tried; a restore that wrote nothing leaves no new directory', async () => {
  writeFileSync(join(tmp.path, 'plain-file'), '');
  const r = await pgvault(['restore', 'latest', '--target', join(tmp.path, 'plain-file', 'sub')], { PGVAULT_PASSWORD: 'wrong password' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /not a directory/);

  const dir = join(tmp.path, 'never-used');
  const r2 = await pgvault(['restore', 'ffffffff', '--target', dir]);
  assert.equal(r2.code, 2, r2.stderr);
  assert.match(r2.stderr, /no snapshot ffffffff/);
  assert.ok(!existsSync(dir), 'the directory created for the restore was removed again');
});

test('restore --stdout | head: exit 17 like dump | head, no internal error', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, '--repo', join(tmp.path, 'repo'), 'restore', big.id.slice(0, 8), '--stdout'], {
    env: { ...process.env, PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  // Like `head -c 1000`: read the first bytes, then close the pipe.
  child.stdout.once('data', () => child.stdout.destroy());
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 17, stderr);
  assert.doesNotMatch(stderr, /internal error/);
  assert.match(stderr, /EPIPE|pipe went away/);
});
