/**
 * Issue 10 item 2: two databases with the same name on two servers (one PostgreSQL container per
 * application). Each must keep its own retention group, its own `latest`, its own metrics and state.
 * Twelve simulated days of `pgvault run` with an injected clock, against two real clusters.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { TEST_KDF } from '../repo/helpers.js';
import { parseConfigText } from '../../src/config/load.js';
import { parseConnectionUrl } from '../../src/db/connection.js';
import { silentLogger } from '../../src/log.js';
import { Repository } from '../../src/repo/repository.js';
import { restoreToStream } from '../../src/restore/to-file.js';
import { runAll } from '../../src/run/run.js';
import { RunState } from '../../src/run/state.js';
import { listSnapshots, resolveSnapshots } from '../../src/snapshot/snapshots.js';
import { FsStore } from '../../src/store/fs.js';
import { PassThrough } from 'node:stream';
import { closedPort, runCli } from './helpers.js';

const PASSWORD = 'Repo-Pa55word-for-tests';
let serverA: PgCluster;
let serverB: PgCluster;
const dirs: string[] = [];

before(async () => {
  [serverA, serverB] = await Promise.all([startCluster({ major: 15 }), startCluster({ major: 15 })]);
  for (const [server, label] of [[serverA, 'server A'], [serverB, 'server B']] as const) {
    await server.createDatabase('app');
    await server.query('app', `CREATE TABLE marker (id int PRIMARY KEY, origin text); INSERT INTO marker VALUES (1, '${label}');`);
  }
});

after(async () => {
  await Promise.all([serverA?.stop(), serverB?.stop()]);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function scriptOf(repo: Repository, id: string): Promise<string> {
  const [s] = await resolveSnapshots(repo, id);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await restoreToStream(repo, s!, out, { gzip: false });
  return Buffer.concat(chunks).toString('utf8');
}

test('two "app" databases on two servers keep their own retention, latest, metrics and state over 12 days of runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-source-'));
  dirs.push(dir);
  const store = new FsStore(join(dir, 'repo'), { fsync: false });
  await (await Repository.init(store, PASSWORD, { kdf: TEST_KDF, cacheDir: null })).close();
  const text = JSON.stringify({
    repository: { path: 'repo' },
    host: 'backup-host',
    databases: [{ name: 'shop', url: serverA.url('app') }, { name: 'blog', url: serverB.url('app') }],
    retention: { keep_daily: 7 },
    metrics: { textfile: 'pgvault.prom' },
  });
  const { config } = parseConfigText(text, join(dir, 'pgvault.jsonc'));
  const state = new RunState(join(dir, 'state'));
  // Day d at 06:00 UTC; every reading of the clock advances it by one second, so the order is deterministic.
  let clock = 0;
  const now = (): Date => new Date((clock += 1000));
  for (let day = 1; day <= 12; day++) {
    clock = Date.UTC(2026, 10, day, 6, 0, 0);
    const report = await runAll({
      config, logger: silentLogger, state, now, prune: 'skip',
      openRepository: () => Repository.open(store, PASSWORD, { cacheDir: null }),
    });
    assert.equal(report.exitCode, 0, JSON.stringify(report));
    assert.equal(report.forget.ran, true);
  }

  const repo = await Repository.open(store, PASSWORD, { cacheDir: null });
  try {
    const all = await listSnapshots(repo);
    const shop = all.filter((s) => s.origin?.name === 'shop');
    const blog = all.filter((s) => s.origin?.name === 'blog');
    assert.equal(all.length, 14, 'nothing else is left');
    assert.equal(shop.length, 7, 'server A keeps its 7 daily snapshots');
    assert.equal(blog.length, 7, 'server B keeps its 7 daily snapshots');
    assert.deepEqual(shop.map((s) => s.time.slice(0, 10)), ['2026-11-06', '2026-11-07', '2026-11-08', '2026-11-09', '2026-11-10', '2026-11-11', '2026-11-12']);
    for (const s of all) assert.equal(s.database, 'app');
    const idA = shop[0]!.origin!.systemIdentifier;
    const idB = blog[0]!.origin!.systemIdentifier;
    assert.match(idA, /^\d{10,}$/);
    assert.notEqual(idA, idB, 'two clusters, two system identifiers');
    assert.equal(shop[0]!.origin!.port, serverA.port);
    assert.equal(blog[0]!.origin!.port, serverB.port);

    // latest of each configured name is that server's data.
    const [latestShop] = await resolveSnapshots(repo, 'latest', { databases: ['shop'] });
    const [latestBlog] = await resolveSnapshots(repo, 'latest', { databases: ['blog'] });
    assert.equal(latestShop!.id, shop.at(-1)!.id);
    assert.equal(latestBlog!.id, blog.at(-1)!.id);
    assert.match(await scriptOf(repo, latestShop!.id), /1\tserver A/);
    assert.match(await scriptOf(repo, latestBlog!.id), /1\tserver B/);
    // By database name, `latest` is one snapshot per source, not one of them.
    assert.equal((await resolveSnapshots(repo, 'latest', { databases: ['app'] })).length, 2);
  } finally {
    await repo.close();
  }

  const prom = readFileSync(join(dir, 'pgvault.prom'), 'utf8');
  assert.match(prom, /^pgvault_snapshots\{database="shop"\} 7$/m);
  assert.match(prom, /^pgvault_snapshots\{database="blog"\} 7$/m);
  const lastShop = Number(/^pgvault_last_success_timestamp_seconds\{database="shop"\} (\S+)$/m.exec(prom)?.[1]);
  const lastBlog = Number(/^pgvault_last_success_timestamp_seconds\{database="blog"\} (\S+)$/m.exec(prom)?.[1]);
  assert.ok(lastShop < lastBlog, 'each entry reports its own newest snapshot (shop ran first on day 12)');
  const saved = JSON.parse(readFileSync(join(dir, 'state', 'state.json'), 'utf8')) as { lastSuccess: Record<string, number> };
  assert.deepEqual(saved.lastSuccess, { shop: lastShop, blog: lastBlog });
});

test('a configuration that names two databases alike is refused at load time', () => {
  assert.throws(() => parseConfigText(JSON.stringify({
    repository: { path: 'repo' },
    databases: [{ name: 'app', url: 'postgres://a/app' }, { name: 'app', url: 'postgres://b/app' }],
  }), '/tmp/x.jsonc'), /databases\[1\]\.name.*"app" is used twice/);
});

test('backup NAME uses the configured connection of NAME; run --db runs only the named databases', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-source-cli-'));
  dirs.push(dir);
  const store = new FsStore(join(dir, 'repo'), { fsync: false });
  await (await Repository.init(store, PASSWORD, { kdf: TEST_KDF, cacheDir: null })).close();
  const config = join(dir, 'ops.jsonc');
  writeFileSync(config, JSON.stringify({
    repository: { path: 'repo' }, host: 'ops-host', tags: ['ops'],
    databases: [{ name: 'shop', url: serverA.url('app'), tags: ['shop-tag'] }, { name: 'blog', url: serverB.url('app') }],
    metrics: { textfile: 'pgvault.prom' }, state_dir: 'state',
  }));
  // libpq's defaults point nowhere: only the configured connection can work.
  const env = { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(dir, 'cache'), PGHOST: '127.0.0.1', PGPORT: String(await closedPort()) };
  const backup = await runCli(['--config', config, 'backup', 'shop'], env);
  assert.equal(backup.code, 0, backup.stderr);
  const onlyBlog = await runCli(['--config', config, 'run', '--db', 'blog'], env);
  assert.equal(onlyBlog.code, 0, onlyBlog.stderr);
  assert.match(onlyBlog.stderr, /--db: running blog only; the metrics file .*pgvault\.prom is left as it is/);
  assert.ok(!existsSync(join(dir, 'pgvault.prom')), 'a partial run does not replace the metrics');
  const unknown = await runCli(['--config', config, 'run', '--db', 'nope'], env);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /--db nope: no such database in .*ops\.jsonc \(configured: shop, blog\)/);

  const repo = await Repository.open(store, PASSWORD, { cacheDir: null });
  try {
    const all = await listSnapshots(repo);
    assert.deepEqual(all.map((s) => s.origin?.name).sort(), ['blog', 'shop']);
    const shop = all.find((s) => s.origin?.name === 'shop')!;
    assert.equal(shop.host, 'ops-host', 'the configuration\'s host, as run records it');
    assert.deepEqual(shop.tags, ['ops', 'shop-tag']);
    assert.equal(shop.origin!.port, serverA.port);
    assert.match(await scriptOf(repo, shop.id), /1\tserver A/);
  } finally {
    await repo.close();
  }
});

test('a role that may not read pg_control_system() still backs up: origin has the name and port, an empty system identifier', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-source-revoked-'));
  dirs.push(dir);
  const { backupDatabase } = await import('../../src/backup/backup.js');
  await serverA.query('postgres', 'CREATE ROLE limited LOGIN; GRANT CONNECT ON DATABASE app TO limited;');
  // Function privileges live in each database's catalog.
  await serverA.query('app', 'GRANT SELECT ON marker TO limited; REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC;');
  try {
    const repo = await Repository.init(new FsStore(join(dir, 'repo'), { fsync: false }), PASSWORD, { kdf: TEST_KDF, cacheDir: null });
    try {
      const url = serverA.url('app').replace(/\/\/[^@/]*@/, '//limited@');
      const { manifest } = await backupDatabase(repo, { connection: parseConnectionUrl(url) }, { name: 'shop', host: 'h' });
      assert.deepEqual(manifest.origin, { name: 'shop', systemIdentifier: '', port: serverA.port });
    } finally {
      await repo.close();
    }
  } finally {
    await serverA.query('app', 'GRANT EXECUTE ON FUNCTION pg_control_system() TO PUBLIC;');
  }
});
