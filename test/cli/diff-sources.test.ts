/**
 * Issue 12, item 15: `diff` of snapshots of two different databases compared them silently (every table
 * "added"/"removed"). It now refuses (exit 2) naming both sources, unless --across-sources asks for it, and then
 * says so on stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../helpers/cli.js';
import { bytes, testRepo } from '../repo/helpers.js';
import { synthSnapshot } from '../maintenance/helpers.js';

test('diff refuses snapshots of different databases unless --across-sources', async () => {
  const { repo, dir, cacheDir, cleanup } = await testRepo();
  try {
    const a = await synthSnapshot(repo, bytes(50_000, 1), 'bus');
    const b = await synthSnapshot(repo, bytes(50_000, 2), 'paperclip');
    const c = await synthSnapshot(repo, bytes(50_000, 3), 'bus');
    await repo.close();
    const env = { PGVAULT_PASSWORD: 'correct horse', PGVAULT_REPOSITORY: undefined, XDG_CACHE_HOME: cacheDir };
    let r = await runCli(['--repo', dir, 'diff', a.slice(0, 8), b.slice(0, 8)], env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /different databases: .*bus.* and .*paperclip/);
    assert.match(r.stderr, /--across-sources/);
    r = await runCli(['--repo', dir, 'diff', '--across-sources', a.slice(0, 8), b.slice(0, 8)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /comparing snapshots of different databases/);
    r = await runCli(['--repo', dir, 'diff', a.slice(0, 8), c.slice(0, 8)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /different databases/);
  } finally {
    cleanup();
  }
});
