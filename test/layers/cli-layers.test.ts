/**
 * Row-level layers from the command line, with the default threshold (4 MiB of relation size): a table
 * above it is layered by `backup --layers`, a small one is not, a backup without it (the default) writes none, and `restore --stdout` of a
 * delta snapshot is the exact script (its SHA-256 is the one the manifest records).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { segmentsOf } from '../helpers/script-digest.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { tempDir } from '../repo/helpers.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';

let tmp: { path: string; cleanup: () => void };
let pg: PgCluster;
let repo: string;
const PASSWORD = 'cli layers password';

function pgvault(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(['--repo', repo, ...args], { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache'), ...env });
}

async function snapshot(id: string): Promise<Snapshot> {
  const r = await Repository.open(new FsStore(repo, { fsync: false }), PASSWORD, { cacheDir: join(tmp.path, 'cache-lib') });
  try { return await loadSnapshot(r, id); } finally { await r.close(); }
}

const layerOf = (s: Snapshot, name: string): string => {
  const l = s.parts.find((p) => p.name === name)?.table?.layer;
  return l ? (l.delta ? 'delta' : 'base') : 'none';
};

async function backup(args: string[], time: string): Promise<Snapshot> {
  const r = await pgvault(['--json', 'backup', pg.url('big'), '--time', time, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return snapshot((JSON.parse(r.stdout) as { snapshot: string }[])[0]!.snapshot);
}

before(async () => {
  tmp = tempDir();
  repo = join(tmp.path, 'repo');
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('big');
  pg.psql('big', ['-c', `CREATE TABLE public.big (id int PRIMARY KEY, body text);
    INSERT INTO public.big SELECT g, repeat(md5(g::text), 3) FROM generate_series(1, 50000) g;
    CREATE TABLE public.small (id int PRIMARY KEY, v text); INSERT INTO public.small VALUES (1, 'one');`]);
});

after(async () => {
  await pg?.stop();
  tmp?.cleanup();
});

test('backup --layers layers tables above 4 MiB, the default writes none, and a delta restores exactly', async () => {
  assert.equal((await pgvault(['init'])).code, 0);
  const plain = await backup([], '2026-11-20T06:00:00Z');
  assert.deepEqual([layerOf(plain, 'public.big'), layerOf(plain, 'public.small')], ['none', 'none']);
  const base = await backup(['--layers'], '2026-11-20T12:00:00Z');
  assert.deepEqual([layerOf(base, 'public.big'), layerOf(base, 'public.small')], ['base', 'none']);
  pg.psql('big', ['-c', `UPDATE public.big SET body = 'changed' WHERE id % 1000 = 3; DELETE FROM public.big WHERE id % 997 = 0;
    INSERT INTO public.big SELECT -g, 'new' FROM generate_series(1, 40) g;`]);
  const delta = await backup(['--layers'], '2026-11-20T18:00:00Z');
  assert.equal(layerOf(delta, 'public.big'), 'delta');
  assert.ok(delta.added.newBytes < 0.05 * base.added.newBytes, `the delta backup added ${delta.added.newBytes} bytes, the base ${base.added.newBytes}`);
  const r = await runCli(['--repo', repo, 'restore', delta.id.slice(0, 8), '--stdout'], { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache') }, {});
  assert.equal(r.code, 0, r.stderr);
  assert.equal(segmentsOf(r.stdout, delta), delta.dump.segments);
});

test('SIGKILL during a delta backup or just before its manifest leaves no snapshot; the next backup deltas and restores exactly', async () => {
  pg.psql('big', ['-c', `UPDATE public.big SET body = 'again' WHERE id % 500 = 1`]);
  for (const point of ['during-dump', 'before-manifest']) {
    const r = await pgvault(['backup', pg.url('big'), '--layers', '--time', '2026-11-21T06:00:00Z'], { PGVAULT_CRASH_POINT: point });
    assert.equal(r.signal, 'SIGKILL', `not killed at ${point}: ${r.stderr}`);
  }
  const list = await pgvault(['--json', 'snapshots']);
  assert.equal((JSON.parse(list.stdout) as unknown[]).length, 3, 'no snapshot of the killed runs');
  const next = await backup(['--layers'], '2026-11-21T12:00:00Z');
  assert.equal(layerOf(next, 'public.big'), 'delta');
  const r = await pgvault(['restore', next.id.slice(0, 8), '--stdout']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(segmentsOf(r.stdout, next), next.dump.segments);
  const chk = await pgvault(['check', '--read-data']);
  assert.equal(chk.code, 0, chk.stdout + chk.stderr);
});
