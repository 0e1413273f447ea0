/**
 * Row-level layers end to end (issue 15, docs/incremental.md), against a real PostgreSQL 15: a first
 * backup writes bases for the keyed tables, the next ones write deltas against them; every read path
 * (restore to stdout and to .sql.gz, into a database with and without --jobs, verify, table extraction)
 * rebuilds the layered tables byte for byte; forget + prune keep a forgotten snapshot's base alive for the
 * deltas that use it; a layer that does not rebuild the recorded rows is a loud error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { segmentsOf } from '../helpers/script-digest.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { backupDatabase, type BackupResult } from '../../src/backup/backup.js';
import { listSnapshots, loadSnapshot, saveSnapshot } from '../../src/snapshot/snapshots.js';
import type { Snapshot, SnapshotManifest, TableRecord } from '../../src/snapshot/manifest.js';
import { restoreToDirectory, restoreToStream } from '../../src/restore/to-file.js';
import { readScriptSpans } from '../../src/restore/script.js';
import { restoreInto } from '../../src/restore/into-db.js';
import { restoreParallel } from '../../src/restore/parallel.js';
import { verifySnapshot } from '../../src/restore/verify.js';
import { extractTables } from '../../src/restore/tables.js';
import { withLock } from '../../src/maintenance/locks.js';
import { prune } from '../../src/maintenance/prune.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { IntegrityError } from '../../src/errors.js';
import { collect, tempDir, TEST_CHUNKER, TEST_KDF } from '../repo/helpers.js';

const table = (s: SnapshotManifest, name: string): TableRecord => {
  const t = s.parts.find((p) => p.name === name)?.table;
  assert.ok(t, `snapshot has table ${name}`);
  return t;
};

/** Order-independent content of every user table. */
async function contentOf(c: PgCluster, db: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const q of ['public.items', 'public.kv', 'public.nokey']) {
    const [r] = await c.query<{ n: string; h: string }>(db, `SELECT count(*)::text AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM ${q} t`);
    out[q] = `${r!.n}:${r!.h}`;
  }
  return out;
}

async function script(repo: Repository, s: Snapshot): Promise<Buffer> {
  const out = new PassThrough();
  const got = collect(out);
  await restoreToStream(repo, s, out);
  out.end();
  return got;
}

describe('row-level layers: backup, every restore path, prune', () => {
  let pg: PgCluster;
  let tmp: { path: string; cleanup: () => void };
  let repo: Repository;
  const conn = (database: string) => ({ host: pg.host, port: pg.port, user: pg.user, database });
  const backup = (time: string, jobs = 1): Promise<BackupResult> =>
    backupDatabase(repo, { connection: conn('app'), dump: { jobs } }, { time, layers: { minBytes: 0, window: 64 } });
  let first: BackupResult;
  let second: BackupResult;
  let expected: Record<string, string>;

  before(async () => {
    tmp = tempDir();
    pg = await startCluster({ major: 15 });
    repo = await Repository.init(new FsStore(join(tmp.path, 'repo'), { fsync: false }), 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: join(tmp.path, 'cache') });
    await pg.createDatabase('app');
    pg.psql('app', ['-c', `
      CREATE TABLE public.items (id uuid PRIMARY KEY, n int NOT NULL, body text);
      CREATE TABLE public.kv (k text COLLATE "C" NOT NULL, region int NOT NULL, v text, PRIMARY KEY (region, k));
      CREATE TABLE public.nokey (a int, b text);
      INSERT INTO public.items SELECT md5(g::text)::uuid, g, repeat(md5(g::text), 1 + g % 4) || E'\\ttab\\nnewline' FROM generate_series(1, 6000) g;
      INSERT INTO public.kv SELECT 'key ' || g, g % 7, CASE WHEN g % 5 = 0 THEN NULL ELSE md5(g::text) END FROM generate_series(1, 2000) g;
      INSERT INTO public.nokey SELECT g, md5(g::text) FROM generate_series(1, 500) g;
    `]);
  });
  after(async () => {
    await repo?.close();
    await pg?.stop();
    tmp?.cleanup();
  });

  test('the first backup writes bases for keyed tables; the next one deltas against them and stores a small fraction', async () => {
    const savedRaw = new Set<string>();
    const save = repo.chunks.save.bind(repo.chunks);
    repo.chunks.save = (id, plain, stats, release, opts) => {
      if (opts?.compress === false) savedRaw.add(id);
      return save(id, plain, stats, release, opts);
    };
    try {
      first = await backup('2026-11-20T06:00:00Z');
    } finally {
      repo.chunks.save = save;
    }
    const items1 = table(first.manifest, 'public.items');
    assert.ok(items1.layer && !items1.layer.delta, 'items: a base');
    assert.equal(items1.layer.base.rows, 6000);
    assert.equal(items1.layer.base.sha256, items1.sha256);
    assert.ok(table(first.manifest, 'public.kv').layer, 'kv: a base');
    assert.equal(table(first.manifest, 'public.nokey').layer, undefined, 'a table without a key is not layered');
    assert.ok(first.manifest.dump.stored! < first.manifest.dump.size, 'the layered rows are not in the dump stream');
    // The row lists (keyed hashes, incompressible) are exactly the chunks saved without a compression attempt.
    const rowListIds = new Set<string>();
    for (const name of ['public.items', 'public.kv']) {
      for await (const r of repo.refs(table(first.manifest, name).layer!.base.rowList)) rowListIds.add(r.id);
    }
    assert.deepEqual([...savedRaw].sort(), [...rowListIds].sort());

    pg.psql('app', ['-c', `
      INSERT INTO public.items SELECT md5((g * 1000003)::text)::uuid, -g, 'new row ' || g FROM generate_series(1, 60) g;
      UPDATE public.items SET body = 'updated' WHERE n % 200 = 7;
      DELETE FROM public.items WHERE n % 300 = 11;
      UPDATE public.kv SET v = 'changed' WHERE k IN ('key 5', 'key 500', 'key 1999');
      INSERT INTO public.nokey VALUES (-1, 'x');
    `]);
    expected = await contentOf(pg, 'app');
    second = await backup('2026-11-20T18:00:00Z');
    const items2 = table(second.manifest, 'public.items');
    assert.ok(items2.layer?.delta, 'items: a delta');
    assert.deepEqual(items2.layer.base, items1.layer.base, 'against the first backup\'s base');
    assert.equal(items2.layer.delta.literalRows, 60 + 30, '60 inserts and 30 updates are literals');
    assert.ok(table(second.manifest, 'public.kv').layer?.delta, 'kv: a delta');
    assert.equal(table(second.manifest, 'public.kv').layer!.delta!.literalRows, 3);
    const fraction = second.manifest.added.newBytes / first.manifest.added.newBytes;
    assert.ok(fraction < 0.1, `the second backup added ${(fraction * 100).toFixed(1)} % of the first`);
  });

  test('restore --stdout, --gzip and .sql.gz rebuild the script byte for byte, and it loads into what the database was', async () => {
    const s = await loadSnapshot(repo, second.snapshotId);
    const plain = await script(repo, s);
    assert.equal(segmentsOf(plain, s), s.dump.segments);
    const gz = new PassThrough();
    const gzGot = collect(gz);
    await restoreToStream(repo, s, gz, { gzip: true });
    gz.end();
    assert.ok(gunzipSync(await gzGot).equals(plain));
    const file = await restoreToDirectory(repo, s, join(tmp.path, 'out'));
    assert.ok(gunzipSync(readFileSync(file)).equals(plain));
    await pg.createDatabase('fromscript');
    pg.psql('fromscript', ['-f', '-'], plain.toString('utf8'));
    assert.deepEqual(await contentOf(pg, 'fromscript'), expected);
  });

  test('the .sql.gz of a delta snapshot passes the stored gzip members of untouched chunks through (base, dump stream), each exactly its bytes', async () => {
    const s = await loadSnapshot(repo, second.snapshotId);
    const kv = table(s, 'public.kv');
    let at = 0;
    let reusedInKv = 0;
    let reusedInDump = 0;
    const bytes: Uint8Array[] = [];
    for await (const span of readScriptSpans(repo, s)) {
      bytes.push(span.bytes);
      if (span.member) {
        assert.ok(gunzipSync(span.member).equals(span.bytes), `a member at script offset ${at} is not its bytes`);
        if (at >= kv.dataOffset && at + span.bytes.length <= kv.dataOffset + kv.dataLength) reusedInKv += span.bytes.length;
        else reusedInDump += span.bytes.length;
      }
      at += span.bytes.length;
    }
    assert.equal(segmentsOf(Buffer.concat(bytes), s), s.dump.segments);
    // kv changed in 3 of 2000 rows: its base's chunks that hold none of them are copied whole, so their members are reused.
    assert.ok(reusedInKv > 0, `${reusedInKv} of kv's ${kv.dataLength} bytes passed through as stored members`);
    assert.ok(reusedInDump > 0, 'the dump stream\'s whole chunks pass through');
  });

  test('restore into a database (one transaction and --jobs), verify, and table extraction rebuild the layered tables', async () => {
    const s = await loadSnapshot(repo, second.snapshotId);
    await pg.createDatabase('serial');
    await restoreInto(repo, s, conn('serial'));
    assert.deepEqual(await contentOf(pg, 'serial'), expected);
    await pg.createDatabase('parallel');
    await restoreParallel(repo, s, conn('parallel'), { jobs: 2 });
    assert.deepEqual(await contentOf(pg, 'parallel'), expected);
    await pg.createDatabase('verify');
    const report = await verifySnapshot(repo, s, conn('verify'));
    assert.equal(report.ok, true);
    assert.ok(report.tables.length === 3 && report.tables.every((t) => t.ok));
    const ex = await extractTables(repo, s, ['items']);
    const text = (await collect(ex.script)).toString('utf8');
    await pg.createDatabase('extract');
    pg.psql('extract', ['-f', '-'], text);
    const [r] = await pg.query<{ n: string }>('extract', 'SELECT count(*)::text AS n FROM public.items');
    assert.equal(`${r!.n}:`, expected['public.items']!.split(':')[0] + ':');
  });

  test('a layer that does not rebuild the recorded rows fails every read path loudly', async () => {
    const s = await loadSnapshot(repo, second.snapshotId);
    const wrong = structuredClone(s);
    table(wrong, 'public.items').sha256 = '0'.repeat(64);
    await assert.rejects(script(repo, wrong), (e: unknown) => e instanceof IntegrityError && /public\.items.*do not match what the backup recorded/.test(e.message));
    await assert.rejects(restoreToDirectory(repo, wrong, join(tmp.path, 'bad')), IntegrityError);
    // --stdout --gzip: every row read before the check failed is written, then the abort trailer, all valid gzip.
    const gz = new PassThrough();
    const gzGot = collect(gz);
    await assert.rejects(restoreToStream(repo, wrong, gz, { gzip: true }), IntegrityError);
    gz.end();
    const cut = gunzipSync(await gzGot).toString('utf8');
    const items = cut.indexOf('COPY public.items');
    assert.ok(items > 0 && cut.indexOf('\\.pgvault: restore aborted') > items, 'the trailer ends the rows of public.items');
    await pg.createDatabase('bad');
    await assert.rejects(restoreInto(repo, wrong, conn('bad')), IntegrityError);
    const [r] = await pg.query<{ n: string }>('bad', `SELECT count(*)::text AS n FROM pg_tables WHERE schemaname = 'public'`);
    assert.equal(r!.n, '0', 'the failed restore left nothing behind');
    const fewer = structuredClone(s);
    table(fewer, 'public.kv').layer!.delta!.literalRows = 2;
    await assert.rejects(script(repo, fewer), IntegrityError);
  });

  test('forget the snapshot that wrote the base, prune: the delta snapshot still restores exactly, check is clean', async () => {
    await repo.store.delete('snapshots', first.snapshotId);
    const { result } = await withLock(repo, 'exclusive', (lock) => prune(repo, { graceMs: 0, assertLocked: () => lock.assertHeld() }), { operation: 'prune' });
    assert.ok(result);
    const s = await loadSnapshot(repo, second.snapshotId);
    const plain = await script(repo, s);
    assert.equal(segmentsOf(plain, s), s.dump.segments);
    const chk = await checkRepository(repo, { readData: true });
    assert.equal(chk.ok, true, JSON.stringify(chk.problems));
  });

  test('a delta that grew past the re-base rule makes the next backup write a new base', async () => {
    pg.psql('app', ['-c', `UPDATE public.items SET body = body || ' v2'`]);
    const third = await backup('2026-11-21T06:00:00Z', 2); // parallel reads feed the layers as well
    const d = table(third.manifest, 'public.items').layer;
    assert.ok(d?.delta && d.delta.literalSize > 0.25 * d.base.size, 'a large delta against the old base');
    const fourth = await backup('2026-11-21T18:00:00Z');
    const l = table(fourth.manifest, 'public.items').layer;
    assert.ok(l && !l.delta, 're-based');
    assert.equal(l.base.time, '2026-11-21T18:00:00Z');
    const kv = table(fourth.manifest, 'public.kv').layer;
    assert.ok(kv?.delta, 'kv still deltas against its first base');
    const plain = await script(repo, await loadSnapshot(repo, fourth.snapshotId));
    assert.equal(segmentsOf(plain, fourth.manifest), fourth.manifest.dump.segments);
  });

  test('a damaged chunk of a delta fails the restore naming the snapshot, the table\'s layer and the chunk', async () => {
    const s = await loadSnapshot(repo, second.snapshotId);
    const lit = table(s, 'public.items').layer!.delta!.literals;
    let victim = '';
    for await (const r of repo.refs(lit)) { victim = r.id; break; }
    assert.ok(victim);
    const path = join(tmp.path, 'repo', 'data', victim.slice(0, 2), victim);
    const original = readFileSync(path);
    const bad = Buffer.from(original);
    bad[40]! ^= 0x40;
    writeFileSync(path, bad);
    try {
      await assert.rejects(script(repo, s), (e: unknown) => e instanceof IntegrityError && e.message.includes('literal rows of public.items')
        && e.message.includes(victim) && e.message.includes(s.id.slice(0, 8)));
    } finally {
      writeFileSync(path, original);
    }
  });

  test('a base that lost a chunk is not reused: the next backup writes a new base (a delta against it would never restore)', async () => {
    const latest = async (): Promise<Snapshot> => {
      const all = await listSnapshots(repo);
      return loadSnapshot(repo, all[all.length - 1]!.id);
    };
    const before = table(await latest(), 'public.kv').layer!;
    let victim = '';
    for await (const r of repo.refs(before.base.list)) { victim = r.id; break; }
    assert.ok(victim);
    rmSync(join(tmp.path, 'repo', 'data', victim.slice(0, 2), victim));
    // A new process (as the next cron run is): nothing is "proven to exist" from this process's earlier backups.
    const fresh = await Repository.open(new FsStore(join(tmp.path, 'repo'), { fsync: false }), 'pw', { cacheDir: join(tmp.path, 'cache') });
    const next = await backupDatabase(fresh, { connection: conn('app') }, { time: '2026-11-22T06:00:00Z', layers: { minBytes: 0, window: 64 } });
    await fresh.close();
    const kv = table(next.manifest, 'public.kv').layer;
    assert.ok(kv && !kv.delta, 'kv: a new base instead of a delta against the damaged one');
    assert.equal(kv.base.time, '2026-11-22T06:00:00Z');
    assert.ok(table(next.manifest, 'public.items').layer?.delta, 'items\' intact base is still reused');
    const plain = await script(repo, await loadSnapshot(repo, next.snapshotId));
    assert.equal(segmentsOf(plain, next.manifest), next.manifest.dump.segments);
  });

  test('a base whose row list is not one 16-byte entry per row (an older layout, or damage) is replaced by a new base, with a warning', async () => {
    const all = await listSnapshots(repo);
    const latest = await loadSnapshot(repo, all[all.length - 1]!.id);
    // The parent claims one row more than its kv base's row list holds entries for (as a 20-byte layout would look).
    const odd = structuredClone(latest) as SnapshotManifest & { id?: string };
    delete odd.id;
    odd.time = '2026-11-22T12:00:00Z';
    table(odd, 'public.kv').layer!.base.rows += 1;
    const oddId = await saveSnapshot(repo, odd);
    const warnings: string[] = [];
    const logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (m: string) => { warnings.push(m); } };
    try {
      const next = await backupDatabase(repo, { connection: conn('app') }, { time: '2026-11-22T18:00:00Z', layers: { minBytes: 0, window: 64 }, logger });
      const kv = table(next.manifest, 'public.kv').layer;
      assert.ok(kv && !kv.delta, 'kv: a new base');
      assert.ok(table(next.manifest, 'public.items').layer?.delta, 'items still deltas');
      assert.ok(warnings.some((w) => /public\.kv.*cannot steer a delta: its row list holds \d+ bytes, not 16 for each of its \d+ rows/.test(w)), warnings.join('\n'));
      const plain = await script(repo, await loadSnapshot(repo, next.snapshotId));
      assert.equal(segmentsOf(plain, next.manifest), next.manifest.dump.segments);
    } finally {
      await repo.store.delete('snapshots', oddId);
    }
  });
});
