/**
 * Issue 12 items 7 and 9: usage errors in subcommands exit 2 (they exited 1), `pgvault` alone prints the
 * help on stderr and exits 2, and every command's --help lists the global options.
 * Issue 10 item 17: commands that connect to PostgreSQL warn about passwords in URLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';

const ENV = { PGVAULT_REPOSITORY: undefined, PGVAULT_CONFIG: undefined, PGVAULT_PASSWORD: undefined };

test('usage errors exit 2, also in subcommands; pgvault alone prints help on stderr and exits 2', async () => {
  const [none, backup, bogus, help, version] = await Promise.all([
    runCli([], ENV), runCli(['backup'], ENV), runCli(['snapshots', '--bogus'], ENV), runCli(['--help'], ENV), runCli(['--version'], ENV),
  ]);
  assert.equal(none.code, 2);
  assert.equal(none.stdout, '');
  assert.match(none.stderr, /^Usage: pgvault /);
  assert.equal(backup.code, 2, backup.stderr);
  assert.match(backup.stderr, /missing required argument 'database'/);
  assert.equal(bogus.code, 2, bogus.stderr);
  assert.match(bogus.stderr, /unknown option '--bogus'/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: pgvault /);
  assert.equal(version.code, 0);
});

test('every command\'s --help lists the global options; connecting commands warn about passwords in URLs', async () => {
  for (const cmd of ['snapshots', 'restore', 'forget', 'backup', 'run']) {
    const r = await runCli([cmd, '--help'], ENV);
    assert.equal(r.code, 0, r.stderr);
    const globals = r.stdout.slice(r.stdout.indexOf('Global Options:'));
    assert.ok(r.stdout.includes('Global Options:'), `${cmd} --help shows the global options`);
    for (const flag of ['--repo', '--json', '--config', '--password-file', '--password-command']) assert.ok(globals.includes(flag), `${cmd}: ${flag}`);
    assert.match(globals, /\/bin\/sh -c/);
    if (cmd === 'backup' || cmd === 'restore') assert.match(r.stdout, /visible to every user of this host \(ps/);
  }
});
