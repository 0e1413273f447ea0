/**
 * bin/pgvault, the command an operator runs (package.json "bin", docs/operations.md): a POSIX shell script that sets
 * MALLOC_ARENA_MAX=1 unless the environment sets it (glibc reads it only at process start), then execs Node.js on
 * bin/pgvault.js next to the script's real location, with every argument as given and its exit status.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tempDir } from '../repo/helpers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const LAUNCHER = join(ROOT, 'bin', 'pgvault');

test('bin/pgvault sets MALLOC_ARENA_MAX=1 unless set, runs bin/pgvault.js through a symlink, and passes arguments and exit status', () => {
  const t = tempDir();
  try {
    // A stand-in `node` first on the PATH: it reports what it was given and exits 7.
    const fake = join(t.path, 'node');
    writeFileSync(fake, '#!/bin/sh\nprintf "arena=%s\\n" "${MALLOC_ARENA_MAX-unset}"\nfor a in "$@"; do printf "arg=%s\\n" "$a"; done\nexit 7\n');
    chmodSync(fake, 0o755);
    const link = join(t.path, 'pgvault');
    symlinkSync(LAUNCHER, link);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${t.path}:${process.env.PATH}` };
    delete env.MALLOC_ARENA_MAX;
    const args = ['backup', 'two words', '', '--flag=a b', '$HOME', '*'];
    const r = spawnSync(link, args, { env, encoding: 'utf8' });
    assert.equal(r.status, 7, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['arena=1', `arg=${join(ROOT, 'bin', 'pgvault.js')}`, ...args.map((a) => `arg=${a}`)]);
    const kept = spawnSync(link, ['x'], { env: { ...env, MALLOC_ARENA_MAX: '4' }, encoding: 'utf8' });
    assert.equal(kept.stdout.split('\n')[0], 'arena=4', 'a value set by the operator is kept');
  } finally {
    t.cleanup();
  }
});

test('bin/pgvault runs the real CLI with this Node.js', () => {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}` };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
  const r = spawnSync(LAUNCHER, ['--version'], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
  assert.equal(pkg.bin.pgvault, 'bin/pgvault');
});
