/**
 * `pgvault bench` on a real database and real stores: it reports every stage with positive rates, names
 * a bottleneck, never changes the database or the repository (same objects, same bytes; no snapshot),
 * and leaves nothing behind at its throwaway location (a sibling directory / prefix).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { findBottleneck, modelByCores, runBench, type BenchReport } from '../../src/bench/bench.js';
import { scratchLocationFor } from '../../src/bench/scratch-store.js';
import { openStore } from '../../src/store/open.js';
import { OBJECT_KINDS, type Store } from '../../src/store/types.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { startS3Server, listRawKeys, type S3TestServer } from '../helpers/s3.js';

const ENTRY = join(dirname(fileURLToPath(import.meta.url)), 'cli-entry.ts');

async function snapshotOf(store: Store): Promise<string[]> {
  const out: string[] = [];
  for (const k of OBJECT_KINDS) for await (const o of store.list(k)) out.push(`${k}/${o.name}:${o.size}`);
  return out.sort();
}

function cli(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pgvault bench', { timeout: 300_000 }, () => {
  let pgc: PgCluster;
  let s3: S3TestServer;
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-cmd-'));
  const repoDir = join(work, 'repo');
  const env = { PGVAULT_PASSWORD: 'pw', PGVAULT_REPOSITORY: repoDir, XDG_CACHE_HOME: join(work, 'cache') };
  let fingerprint = '';

  before(async () => {
    pgc = await startCluster({ major: 15 });
    await pgc.createDatabase('shop');
    await pgc.query('shop', `CREATE TABLE items (id int PRIMARY KEY, name text, payload jsonb);
      INSERT INTO items SELECT g, 'item ' || g, jsonb_build_object('g', g, 'h', md5(g::text)) FROM generate_series(1, 60000) g;
      CREATE TABLE small (k text PRIMARY KEY); INSERT INTO small VALUES ('a'), ('b');`);
    fingerprint = JSON.stringify(await pgc.query('shop', `SELECT count(*)::int AS n, sum(hashtext(i::text))::bigint AS h, (SELECT count(*) FROM small)::int AS s FROM items i`));
    s3 = await startS3Server({ bucket: 'bench' });
    let r = cli(['init'], env);
    assert.equal(r.status, 0, r.stderr);
    r = cli(['backup', pgc.url('shop')], env);
    assert.equal(r.status, 0, r.stderr);
  });
  after(async () => {
    await s3?.stop();
    await pgc?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('derives a throwaway location next to the repository, never inside it', () => {
    assert.equal(scratchLocationFor('/srv/backups/pg', {}, 'abc'), '/srv/backups/pg.pgvault-bench-abc');
    assert.equal(scratchLocationFor('/srv/backups/pg/', {}, 'abc'), '/srv/backups/pg.pgvault-bench-abc');
    const env3 = { env: { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' } };
    assert.equal(scratchLocationFor('s3:https://s3.eu-central-003.backblazeb2.com/bkt/prod/pg', env3, 'abc'), 's3:https://s3.eu-central-003.backblazeb2.com/bkt/prod/pgvault-bench-abc');
    assert.equal(scratchLocationFor('s3:https://s3.eu-central-003.backblazeb2.com/bkt', env3, 'abc'), 's3:https://s3.eu-central-003.backblazeb2.com/bkt/pgvault-bench-abc');
  });

  it('measures every stage through the CLI and leaves the repository, the database and the disk as they were', async () => {
    const store = await openStore(repoDir);
    const before = await snapshotOf(store);
    const r = cli(['--json', 'bench', pgc.url('shop'), '--sample-mb', '50', '--keep-mb', '4'], env);
    assert.equal(r.status, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as BenchReport;
    for (const id of ['catalog', 'copy', 'chunk', 'hash', 'compress', 'encrypt', 'upload', 'download', 'latency', 'end-to-end', 'restore-gz', 'restore-sql', 'decrypt', 'decompress']) {
      const s = rep.stages.find((x) => x.stage === id);
      assert.ok(s, `stage ${id} missing`);
      assert.ok(s.seconds >= 0);
      if (s.mbPerSec !== null) assert.ok(s.mbPerSec > 0, `${id}: ${s.mbPerSec}`);
    }
    assert.deepEqual(rep.tables.map((t) => t.table).sort(), ['public.items', 'public.small']);
    assert.ok(rep.tables.find((t) => t.table === 'public.items')!.rows === 60000);
    assert.ok(['copy', 'main-thread', 'cpu', 'compress', 'upload'].includes(rep.bottleneck.stage));
    const e2e = rep.stages.find((x) => x.stage === 'end-to-end')!;
    assert.ok(rep.estimatedBackupMbPerSec > 0 && e2e.mbPerSec! > 0);
    assert.ok(rep.cleanedUp);
    assert.deepEqual(await snapshotOf(store), before, 'the repository changed');
    await store.close();
    assert.deepEqual(readdirSync(work).sort(), ['cache', 'repo'], 'the throwaway directory was left behind');
    assert.equal(JSON.stringify(await pgc.query('shop', `SELECT count(*)::int AS n, sum(hashtext(i::text))::bigint AS h, (SELECT count(*) FROM small)::int AS s FROM items i`)), fingerprint);
    // The human table names the bottleneck.
    const text = cli(['bench', pgc.url('shop'), '--sample-mb', '5', '--keep-mb', '1'], env);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Bottleneck: /);
    assert.match(text.stdout, /Other hosts .*: 1 core ~[\d.]+ MB\/s \(\w[\w-]*\), 2 cores .*, 8 cores ~[\d.]+ MB\/s/);
    assert.deepEqual(rep.byCores.map((e) => e.cores), [1, 2, 4, 8]);
  });

  it('stops reading after the sample size and works against S3, removing its prefix', async () => {
    const location = s3.location('prod/pg');
    const storeOptions = { env: { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey } };
    const rep = await runBench({ connection: { database: 'shop', host: pgc.host, port: pgc.port, user: pgc.user }, repoLocation: location, storeOptions,
      sampleBytes: 1e6, keepBytes: 0.5e6, concurrency: 4 });
    assert.ok(rep.scratchLocation.endsWith('/bench/prod/' + rep.scratchLocation.split('/').pop()));
    const copy = rep.stages.find((s) => s.stage === 'copy')!;
    assert.ok(copy.bytes < 1.2e6, `read ${copy.bytes} bytes with a 1 MB sample`);
    assert.ok(rep.stages.find((s) => s.stage === 'upload')!.detail!.objects as number > 0);
    assert.ok(rep.cleanedUp);
    assert.deepEqual(await listRawKeys(s3.endpoint, 'bench', '', s3.credentials), []);
  });

  it('names the slowest backup stage, with the main-thread stages adding up and every stage sharing the cores', () => {
    const st = (stage: string, mbPerSec: number) => ({ stage, label: stage, path: 'backup' as const, mbPerSec, seconds: 1, bytes: 1 });
    const fast = [st('chunk', 400), st('hash', 800), st('encrypt', 800), st('compress-1', 100), st('compress', 190)];
    // Main thread: 1 / (1/300 + 1/400 + 1/800 + 1/800) = 120 MB/s; CPU on 2 cores: 2 / (1/120 + 1/100) = 109 MB/s.
    let r = findBottleneck([st('copy', 300), ...fast, st('upload', 500)], 2);
    assert.equal(r.bottleneck.stage, 'cpu');
    assert.ok(Math.abs(r.estimate - 2 / (1 / 300 + 1 / 400 + 1 / 800 + 1 / 800 + 1 / 100)) < 1e-9);
    // With many cores the main thread limits; a slow database dominates it; a slow bucket comes first.
    assert.equal(findBottleneck([st('copy', 300), ...fast, st('upload', 500)], 16).bottleneck.stage, 'main-thread');
    assert.equal(findBottleneck([st('copy', 30), ...fast, st('upload', 500)], 16).bottleneck.stage, 'copy');
    r = findBottleneck([st('copy', 300), ...fast, st('upload', 20)], 16);
    assert.equal(r.bottleneck.stage, 'upload');
    assert.equal(r.estimate, 20);
  });

  it('models hosts of other sizes at this host\'s speed per core: compression scales with the pool, the main thread does not', () => {
    const st = (stage: string, mbPerSec: number) => ({ stage, label: stage, path: 'backup' as const, mbPerSec, seconds: 1, bytes: 1 });
    // Measured on 2 cores: the pool compresses at 190 MB/s with 100 MB/s per thread.
    const stages = [st('copy', 300), st('chunk', 400), st('hash', 800), st('encrypt', 800), st('compress-1', 100), st('compress', 190), st('upload', 500)];
    const m = modelByCores(stages);
    assert.deepEqual(m.map((e) => e.cores), [1, 2, 4, 8]);
    const main = 1 / (1 / 300 + 1 / 400 + 1 / 800 + 1 / 800);
    assert.ok(Math.abs(m[0]!.mbPerSec - 1 / (1 / main + 1 / 100)) < 1e-9, 'one core does every stage in turn');
    assert.equal(m[0]!.limit, 'cpu');
    assert.ok(Math.abs(m[1]!.mbPerSec - 2 / (1 / main + 1 / 100)) < 1e-9);
    assert.equal(m[2]!.limit, 'main-thread', 'from 4 cores the main thread is the limit');
    assert.ok(Math.abs(m[3]!.mbPerSec - main) < 1e-9, 'more cores do not speed up the main thread');
    for (let i = 1; i < m.length; i++) assert.ok(m[i]!.mbPerSec >= m[i - 1]!.mbPerSec, 'never slower with more cores');
    // A slow bucket limits every size alike.
    assert.ok(modelByCores([...stages.slice(0, -1), st('upload', 20)]).every((e) => e.limit === 'upload' && e.mbPerSec === 20));
  });
});
