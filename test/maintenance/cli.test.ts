/**
 * The check, prune and unlock commands as an operator runs them: output, --json, --dry-run, exit codes
 * (3 when locked, 13 when check finds damage), a foreign lock named in the message.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/repo/repository.js';
import { ExitCode } from '../../src/errors.js';
import type { LockInfo } from '../../src/maintenance/locks.js';
import { testRepo } from '../repo/helpers.js';
import { content, names, referencedBy, synthSnapshot } from './helpers.js';

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PGVAULT_')) delete env[k];
  return env;
}

const ENTRY = join(import.meta.dirname, 'cli-entry.ts');

describe('maintenance CLI', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  let pwFile: string;
  let kept: string;
  before(async () => {
    ({ repo, dir, cacheDir, cleanup } = await testRepo());
    pwFile = join(dir, '..', 'pw');
    writeFileSync(pwFile, 'correct horse\n', { mode: 0o600 });
    kept = await synthSnapshot(repo, content(200_000, 1), 'app');
    const gone = await synthSnapshot(repo, content(200_000, 2), 'app');
    await repo.store.delete('snapshots', gone);
  });
  after(() => cleanup());

  function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--repo', dir, '--password-file', pwFile, '--cache-dir', cacheDir, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv() });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  test('check, a refused prune under a foreign lock, unlock, dry run, prune, check --read-data, damage found', async () => {
    let r = await run('check');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /1 snapshot\(s\).*\d+ unreferenced/);
    assert.match(r.stdout, /no errors were found/);

    const now = new Date().toISOString();
    const started = new Date(Date.now() - 4 * 60_000).toISOString();
    const info: LockInfo = { version: 1, mode: 'shared', operation: 'backup', host: 'db-primary.example', pid: 31337, username: 'postgres', time: started, refreshed: now };
    await repo.putSealed('locks', 'ab'.repeat(16), new TextEncoder().encode(JSON.stringify(info)));
    r = await run('prune');
    assert.equal(r.code, ExitCode.LOCKED, r.stderr);
    assert.match(r.stderr, /locked.*\n.*shared lock \(backup\) held by pid 31337 of postgres on db-primary\.example, acquired 4m(\d+s)? ago, refreshed \d+s ago/);
    r = await run('unlock');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /kept live locks\/abab/);
    r = await run('unlock', '--remove-all');
    assert.equal(r.code, ExitCode.LOCKED, 'a live lock is not removed without --force');
    assert.match(r.stdout, /kept live locks\/abab/);
    assert.match(r.stderr, /1 live lock\(s\) kept.*"pgvault unlock --remove-all --force"/);
    assert.equal((await names(repo.store, 'locks')).size, 1);
    r = await run('unlock', '--remove-all', '--force');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed locks\/abab.*\(live, --force\)/);
    assert.equal((await names(repo.store, 'locks')).size, 0);

    const before = await names(repo.store, 'data');
    r = await run('--json', 'prune', '--dry-run', '--grace', '0');
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { dryRun: boolean; toDelete: { objects: number } };
    assert.equal(plan.dryRun, true);
    assert.ok(plan.toDelete.objects > 0);
    assert.deepEqual(await names(repo.store, 'data'), before);

    r = await run('prune', '--grace', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /freed /);
    assert.deepEqual(await names(repo.store, 'data'), await referencedBy(repo, kept));

    r = await run('check', '--read-data-subset', '1/2');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /read data \(partition 1\/2\): \d+ of \d+ selected dump chunk\(s\) \(of \d+\) verified/);

    const victim = [...await referencedBy(repo, kept)].at(-1)!;
    await repo.store.delete('data', victim);
    r = await run('check');
    assert.equal(r.code, ExitCode.INTEGRITY);
    assert.match(r.stdout, new RegExp(`error: snapshot ${kept.slice(0, 12)} \\(database app\\) references chunk data/${victim}, which is missing`));
    assert.match(r.stderr, /check found \d+ error/);

    r = await run('prune', '--grace', 'soon');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /--grace "soon" is not a duration/);
  });
});
