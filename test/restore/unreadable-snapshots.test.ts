/**
 * One unreadable object in snapshots/ (a flipped byte, two swapped manifests, a stray `junk` or
 * `Thumbs.db`) takes no other snapshot hostage: listing, restore of another id, restore latest and
 * diff work and name each bad object with the command that removes it; the unreadable snapshot itself
 * is a clear error; prune still stops before deleting anything, saying which object and how to fix it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, type CliRun } from '../helpers/cli.js';
import { tempDir } from '../repo/helpers.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';
import { addSnapshot, fsRepo, PASSWORD } from './helpers.js';

let tmp: { path: string; cleanup: () => void };
let good: Snapshot[];
let flipped: Snapshot;
let swapped: Snapshot[];

function pgvault(args: string[]): Promise<CliRun> {
  return runCli(['--repo', join(tmp.path, 'repo'), ...args], { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache'), PGVAULT_CONFIG: undefined });
}

before(async () => {
  tmp = tempDir();
  const repo = await fsRepo(tmp.path);
  const a1 = await addSnapshot(repo, { database: 'a', time: '2026-11-20T06:00:00Z', script: 'SELECT 1;\n' });
  const a2 = await addSnapshot(repo, { database: 'a', time: '2026-11-21T06:00:00Z', script: 'SELECT 2;\n' });
  const b = await addSnapshot(repo, { database: 'b', time: '2026-11-21T06:00:00Z', script: 'SELECT 3;\n' });
  flipped = await addSnapshot(repo, { database: 'a', time: '2026-11-22T06:00:00Z', script: 'SELECT 4;\n' });
  const s1 = await addSnapshot(repo, { database: 'c', time: '2026-11-20T06:00:00Z', script: 'SELECT 5;\n' });
  const s2 = await addSnapshot(repo, { database: 'c', time: '2026-11-21T06:00:00Z', script: 'SELECT 6;\n' });
  await repo.close();
  good = [a1, a2, b];
  swapped = [s1, s2];
  const dir = join(tmp.path, 'repo', 'snapshots');
  const bytes = readFileSync(join(dir, flipped.id));
  bytes[bytes.length - 20]! ^= 0x01;
  writeFileSync(join(dir, flipped.id), bytes);
  const x = readFileSync(join(dir, s1.id));
  writeFileSync(join(dir, s1.id), readFileSync(join(dir, s2.id)));
  writeFileSync(join(dir, s2.id), x);
  writeFileSync(join(dir, 'junk'), 'junk');
  writeFileSync(join(dir, 'Thumbs.db'), 'not ours');
});
after(() => tmp.cleanup());

const badNames = (): string[] => [flipped.id, ...swapped.map((s) => s.id), 'junk', 'Thumbs.db'];

test('snapshots lists what can be read and names every unreadable object with its fix', async () => {
  const r = await pgvault(['--json', 'snapshots']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as { id: string }[]).map((s) => s.id).sort(), good.map((s) => s.id).sort());
  for (const n of badNames()) assert.ok(r.stderr.includes(`snapshots/${n}`), `${n} is reported: ${r.stderr}`);
  assert.ok(r.stderr.includes(`pgvault forget ${flipped.id.slice(0, 12)}`), r.stderr);
  assert.ok(r.stderr.includes('pgvault forget Thumbs.db'), r.stderr);
});

test('restore of another id, restore latest and diff work; the damaged snapshot itself is a clear error', async () => {
  let r = await pgvault(['restore', good[0]!.id.slice(0, 10), '--stdout']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'SELECT 1;\n');

  const out = join(tmp.path, 'out');
  r = await pgvault(['restore', 'latest', '--target', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['a_20261121_060000.sql.gz', 'b_20261121_060000.sql.gz']);
  assert.match(r.stderr, /snapshots\/junk/);

  r = await pgvault(['--json', 'diff', good[0]!.id.slice(0, 10), good[1]!.id.slice(0, 10)]);
  assert.equal(r.code, 0, r.stderr);

  r = await pgvault(['restore', flipped.id.slice(0, 10), '--stdout']);
  assert.equal(r.code, 13, r.stderr);
  assert.ok(r.stderr.includes(`snapshots/${flipped.id}`), r.stderr);
  assert.ok(r.stderr.includes(`pgvault forget ${flipped.id.slice(0, 12)}`), r.stderr);
  assert.equal(r.stdout, '');

  r = await pgvault(['verify', 'latest', '--scratch', 'postgres://nobody@127.0.0.1:1/none']);
  assert.equal(r.code, 15, `verify gets past the damaged manifests to the (unreachable) scratch server: ${r.stderr}`);
});

test('prune stops before deleting anything and says which objects and how to remove them; forget removes them', async () => {
  const before = readdirSync(join(tmp.path, 'repo', 'data'), { recursive: true }).length;
  let r = await pgvault(['prune']);
  assert.equal(r.code, 13, r.stderr);
  assert.match(r.stderr, /prune stopped before deleting anything/);
  assert.ok(r.stderr.includes(`pgvault forget ${flipped.id.slice(0, 12)}`), r.stderr);
  assert.ok(r.stderr.includes('snapshots/Thumbs.db'), r.stderr);
  assert.equal(readdirSync(join(tmp.path, 'repo', 'data'), { recursive: true }).length, before);

  r = await pgvault(['forget', '--keep-last', '1']);
  assert.equal(r.code, 13, 'a policy is not applied while a snapshot cannot be read');
  assert.match(r.stderr, /pgvault forget/);

  r = await pgvault(['forget', 'Thumbs.db', 'junk', flipped.id.slice(0, 12), ...swapped.map((s) => s.id.slice(0, 12))]);
  assert.equal(r.code, 0, r.stderr);
  r = await pgvault(['snapshots']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /cannot be read/);
  r = await pgvault(['prune']);
  assert.equal(r.code, 0, r.stderr);
});
