/**
 * The CLI as an operator uses it: init, key management, and the exit codes of the documented failures.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../repo/helpers.js';
import { runCli, type CliRun } from '../helpers/cli.js';

let tmp: { path: string; cleanup: () => void };

function pgvault(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(args, { PGVAULT_PASSWORD: undefined, PGVAULT_REPOSITORY: undefined, XDG_CACHE_HOME: join(tmp.path, 'cache'), ...env });
}

before(() => { tmp = tempDir(); });
after(() => tmp.cleanup());

test('init, key add/list/passwd/remove and the exit codes of bad input', async () => {
  const repo = join(tmp.path, 'repo');
  const pw = { PGVAULT_PASSWORD: 'first secret password' };
  let r = await pgvault(['--repo', repo, 'init'], pw);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /created pgvault repository [0-9a-f]{32} at .*\nObjects are named by (hmac-sha256|blake2b-256-keyed) \(the faster keyed hash on this CPU\)/);

  r = await pgvault(['--repo', repo, 'init'], pw);
  assert.equal(r.code, 11, 'init over an existing repository');
  assert.match(r.stderr, /already exists/);

  r = await pgvault(['--repo', repo, 'key', 'list'], { PGVAULT_PASSWORD: 'not-the-right-one' });
  assert.equal(r.code, 12, 'wrong password');
  assert.match(r.stderr, /wrong password/);
  assert.doesNotMatch(r.stderr, /not-the-right-one/, 'the password itself is not echoed');

  r = await pgvault(['--repo', join(tmp.path, 'nothing-here'), 'key', 'list'], pw);
  assert.equal(r.code, 10, 'no repository');

  r = await pgvault(['--repo', repo, 'key', 'list']);
  assert.equal(r.code, 2, 'no password at all');
  assert.match(r.stderr, /PGVAULT_PASSWORD/);

  r = await pgvault(['--repo', 'ftp://example/x', 'key', 'list'], pw);
  assert.equal(r.code, 2, 'unsupported location');

  const second = join(tmp.path, 'second.pw');
  writeFileSync(second, 'second password\n');
  chmodSync(second, 0o600);
  r = await pgvault(['--repo', repo, 'key', 'add', '--new-password-file', second], pw);
  assert.equal(r.code, 0, r.stderr);
  r = await pgvault(['--repo', repo, '--password-file', second, '--json', 'key', 'list']);
  assert.equal(r.code, 0, r.stderr);
  const keys = JSON.parse(r.stdout) as { name: string; current: boolean }[];
  assert.equal(keys.length, 2);
  const firstKey = keys.find((k) => !k.current)!;

  r = await pgvault(['--repo', repo, 'key', 'remove', firstKey.name], pw);
  assert.equal(r.code, 2, 'cannot remove the key in use');
  r = await pgvault(['--repo', repo, '--password-file', second, 'key', 'remove', firstKey.name.slice(0, 10)]);
  assert.equal(r.code, 0, r.stderr);
  r = await pgvault(['--repo', repo, 'key', 'list'], pw);
  assert.equal(r.code, 12, 'the removed password no longer opens the repository');

  r = await pgvault(['--repo', repo, '--password-file', second, 'key', 'passwd'], { PGVAULT_NEW_PASSWORD: 'third password' });
  assert.equal(r.code, 0, r.stderr);
  r = await pgvault(['--repo', repo, 'key', 'list'], { PGVAULT_PASSWORD: 'third password' });
  assert.equal(r.code, 0, r.stderr);

  // A password command that fails is a configuration error, and its output never shows the password.
  r = await pgvault(['--repo', repo, '--password-command', 'echo nope >&2; exit 3', 'key', 'list']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /password command failed \(exit 3\)/);
});

test('init --compression: zstd is recorded where Node.js has it; an unknown method is a usage error and writes nothing', async () => {
  const { existsSync } = await import('node:fs');
  const { zstdAvailable } = await import('../../src/crypto/compress.js');
  const pw = { PGVAULT_PASSWORD: 'compression secret' };
  const bad = join(tmp.path, 'repo-brotli');
  let r = await pgvault(['--repo', bad, 'init', '--compression', 'brotli'], pw);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--compression must be gzip or zstd/);
  assert.equal(existsSync(join(bad, 'config')), false);

  const repo = join(tmp.path, 'repo-zstd');
  r = await pgvault(['--repo', repo, '--json', 'init', '--compression', 'zstd'], pw);
  if (zstdAvailable()) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { compression: string }).compression, 'zstd');
  } else {
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Node\.js 22\.15/);
    assert.equal(existsSync(join(repo, 'config')), false);
  }
});

test('init --chunk-id: each scheme is recorded and reported, anything else is a usage error before anything is written', async () => {
  const pw = { PGVAULT_PASSWORD: 'first secret password' };
  for (const [arg, scheme] of [['hmac-sha256', 'hmac-sha256'], ['blake2b', 'blake2b-256-keyed']] as const) {
    const repo = join(tmp.path, `repo-${arg}`);
    const r = await pgvault(['--repo', repo, '--json', 'init', '--chunk-id', arg], pw);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { chunkId: string }).chunkId, scheme);
  }
  const bad = join(tmp.path, 'repo-bad');
  const r = await pgvault(['--repo', bad, 'init', '--chunk-id', 'sha1'], pw);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /--chunk-id must be auto, hmac-sha256 or blake2b, not "sha1"/);
  assert.equal(existsSync(bad), false, 'nothing written');
});
