/**
 * Start-up cost (issue 12, item 17): `pgvault --help` loads no command module and no heavy package (pg,
 * libsodium, the AWS SDK); `pgvault snapshots` on a local repository loads libsodium (it decrypts) but neither
 * pg, the AWS SDK nor the chunker's WebAssembly. Which packages a process loads is recorded by a module hook (fixtures/record-packages.mjs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { CLI_MAIN } from '../helpers/cli.js';
import { tempDir } from '../repo/helpers.js';
import { COMMANDS, registerCommands, selectedCommand } from '../../src/cli/commands/index.js';
import { addGlobalOptions } from '../../src/cli/globals.js';

const RECORDER = join(import.meta.dirname, 'fixtures', 'record-packages.mjs');

function packagesLoaded(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; packages: Set<string>; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', RECORDER, CLI_MAIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => {
      const packages = new Set([...stderr.matchAll(/^pgvault-test-package (\S+)$/gm)].map((m) => m[1]!));
      resolve({ code, packages, stdout, stderr });
    });
  });
}

const HEAVY = ['pg', 'pg-copy-streams', '@aws-sdk/client-s3', 'libsodium-wrappers-sumo', 'fastcdc-wasm'];

test('pgvault --help and --version list every command and load no package at all, not even commander', async () => {
  const [r, v, sub] = await Promise.all([packagesLoaded(['--help']), packagesLoaded(['--version']), packagesLoaded(['help', 'stats'])]);
  assert.equal(r.code, 0, r.stderr);
  for (const c of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${c.name}\\b`, 'm'), `${c.name} is listed`);
  assert.deepEqual([...r.packages], [], '--help loads no package');
  assert.equal(v.code, 0, v.stderr);
  assert.deepEqual([...v.packages], [], '--version loads no package');
  assert.equal(sub.code, 0, sub.stderr);
  assert.ok(sub.packages.has('commander'), 'the recorder works: a command\'s help loads commander');
  for (const p of HEAVY) assert.ok(!sub.packages.has(p), `help stats loaded ${p}`);
});

test('pgvault snapshots on a local repository loads libsodium but not pg, the AWS SDK or fastcdc; backup --help shows its flags', async () => {
  const tmp = tempDir();
  try {
    const repo = join(tmp.path, 'repo');
    const env = { PGVAULT_PASSWORD: 'lazy loading test', XDG_CACHE_HOME: join(tmp.path, 'cache') };
    assert.equal((await packagesLoaded(['--repo', repo, 'init'], env)).code, 0);
    const r = await packagesLoaded(['--repo', repo, 'snapshots'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /0 snapshot\(s\)/);
    assert.ok(r.packages.has('libsodium-wrappers-sumo'));
    for (const p of ['pg', 'pg-copy-streams', '@aws-sdk/client-s3', 'fastcdc-wasm']) assert.ok(!r.packages.has(p), `snapshots loaded ${p}`);
    const h = await packagesLoaded(['help', 'backup']);
    assert.equal(h.code, 0, h.stderr);
    assert.match(h.stdout, /--tag <tag>/, 'the full definition of the command is loaded for its help');
  } finally {
    tmp.cleanup();
  }
});

test('selectedCommand skips global options and their values', () => {
  const program = new Command();
  addGlobalOptions(program);
  assert.equal(selectedCommand(program, ['--repo', '/r', 'snapshots', '--db', 'x']), 'snapshots');
  assert.equal(selectedCommand(program, ['-r', '/r', '-q', 'backup', 'db']), 'backup');
  assert.equal(selectedCommand(program, ['--repo=/r', '--json', 'stats']), 'stats');
  assert.equal(selectedCommand(program, ['--config', 'c.jsonc', 'help', 'run']), 'run');
  assert.equal(selectedCommand(program, ['--help']), undefined);
  assert.equal(selectedCommand(program, []), undefined);
});

test('registerCommands defines the selected command fully and the others as placeholders', async () => {
  const program = new Command();
  await registerCommands(program, ['--repo', '/r', 'prune', '--dry-run']);
  const prune = program.commands.find((c) => c.name() === 'prune')!;
  assert.ok(prune.options.some((o) => o.long === '--dry-run'));
  const backup = program.commands.find((c) => c.name() === 'backup')!;
  assert.equal(backup.options.length, 0);
  assert.deepEqual(program.commands.map((c) => c.name()), COMMANDS.map((c) => c.name));
});
