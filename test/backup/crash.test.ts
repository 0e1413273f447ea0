/**
 * Crash safety: `pgvault backup` killed with SIGKILL during the dump, during uploads and just before
 * the manifest leaves a consistent repository (no snapshot of the killed run; every snapshot restores)
 * and the next backup succeeds and reuses what was uploaded.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { tempDir, TEST_KDF } from '../repo/helpers.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { listSnapshots } from '../../src/snapshot/snapshots.js';
import { verifySnapshot } from '../../src/restore/verify.js';


let pg: PgCluster;
let tmp: { path: string; cleanup: () => void };
let repoDir: string;
let scratchCount = 0;

async function scratch(): Promise<{ host: string; port: number; user: string; database: string }> {
  const database = `scratch${++scratchCount}`;
  await pg.createDatabase(database);
  return { host: pg.host, port: pg.port, user: pg.user, database };
}

function cli(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<CliRun> {
  const opts: { killAfterMs?: number } = {};
  if (killAfterMs !== undefined) opts.killAfterMs = killAfterMs;
  return runCli(args, { PGVAULT_PASSWORD: 'pw', XDG_CACHE_HOME: join(tmp.path, 'cache'), ...env }, opts);
}

before(async () => {
  tmp = tempDir();
  repoDir = join(tmp.path, 'repo');
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('big');
  pg.psql('big', ['-c', `
    CREATE TABLE public.t (id bigint PRIMARY KEY, body text);
    INSERT INTO public.t SELECT g, repeat(md5(g::text), 8) FROM generate_series(1, 150000) g;
    CREATE TABLE public.u (id int PRIMARY KEY, v text);
    INSERT INTO public.u SELECT g, md5(g::text) FROM generate_series(1, 1000) g;`]);
  const repo = await Repository.init(new FsStore(repoDir), 'pw', { kdf: TEST_KDF, chunker: { min: 16384, avg: 65536, max: 262144 }, cacheDir: null });
  await repo.close();
});

after(async () => {
  await pg?.stop();
  tmp?.cleanup();
});

test('SIGKILL at any point leaves a consistent repository, and the next backup succeeds and reuses chunks', async () => {
  const url = pg.url('big');
  const crashes: { name: string; env?: Record<string, string>; killAfterMs?: number }[] = [
    { name: 'during the dump', env: { PGVAULT_CRASH_POINT: 'during-dump' } },
    { name: 'during uploads', env: { PGVAULT_CRASH_POINT: 'during-upload' } },
    { name: 'just before the manifest', env: { PGVAULT_CRASH_POINT: 'before-manifest' } },
    { name: 'at an arbitrary moment (timer)', killAfterMs: 1500 },
  ];
  for (const c of crashes) {
    const r = await cli(['--repo', repoDir, 'backup', url], c.env ?? {}, c.killAfterMs);
    const repo = await Repository.open(new FsStore(repoDir), 'pw', { cacheDir: null });
    const snaps = await listSnapshots(repo);
    if (c.killAfterMs === undefined) {
      assert.equal(r.signal, 'SIGKILL', `backup was not killed ${c.name} (exit ${r.code}); stderr: ${r.stderr}`);
      assert.equal(snaps.length, 0, `no snapshot after a crash ${c.name}`);
    } else {
      // A timer may fire before or after the commit point: either no new snapshot, or a complete one.
      assert.ok(r.signal === 'SIGKILL' || r.code === 0, `timer kill: ${r.stderr}`);
      for (const s of snaps) assert.ok((await verifySnapshot(repo, s, await scratch())).ok);
    }
    await repo.close();
  }
  const ok = await cli(['--repo', repoDir, '--json', 'backup', url]);
  assert.equal(ok.code, 0, ok.stderr);
  const [result] = JSON.parse(ok.stdout) as { ok: boolean; size: number; newBytes: number }[];
  assert.ok(result!.ok);
  assert.ok(result!.newBytes < result!.size * 0.5, `the backup after the crashes reused uploaded chunks (new ${result!.newBytes} of ${result!.size})`);
  const repo = await Repository.open(new FsStore(repoDir), 'pw', { cacheDir: null });
  const snaps = await listSnapshots(repo);
  assert.ok(snaps.length >= 1);
  for (const s of snaps) assert.equal((await verifySnapshot(repo, s, await scratch())).ok, true);
  await repo.close();
});
