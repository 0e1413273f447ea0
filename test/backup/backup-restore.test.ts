/**
 * Issue 4 end to end, against a real PostgreSQL 15 and both stores (local directory, local S3 server):
 * backup; change data; backup again (small upload); restore both snapshots as .sql.gz, load them with
 * psql and compare with the database as it was; restore straight into a database; verify; a corrupted
 * chunk makes verify/restore fail naming the table; restore on a "fresh machine" (no cache).
 */
import type { Progress } from '../../src/progress/types.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startCluster, type PgCluster, PG_CLIENT_BIN } from '../helpers/pg.js';
import { startS3Server, type S3TestServer } from '../helpers/s3.js';
import { FsStore } from '../../src/store/fs.js';
import { S3Store } from '../../src/store/s3.js';
import type { Store } from '../../src/store/types.js';
import { Repository } from '../../src/repo/repository.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { listSnapshots, resolveSnapshots } from '../../src/snapshot/snapshots.js';
import { restoreToDirectory, restoreToStream, restoreFileName } from '../../src/restore/to-file.js';
import { restoreInto } from '../../src/restore/into-db.js';
import { verifyInTemporaryDatabase, verifySnapshot } from '../../src/restore/verify.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import { extractTables } from '../../src/restore/tables.js';
import { collect as collectBytes } from '../repo/helpers.js';
import { repositoryStats } from '../../src/repo/stats.js';
import { IntegrityError, UsageError } from '../../src/errors.js';
import { tempDir, TEST_KDF } from '../repo/helpers.js';
import { PassThrough } from 'node:stream';

const CHUNKER = { min: 16 * 1024, avg: 64 * 1024, max: 256 * 1024 };

/** Order-independent content fingerprint of every user table, for "same data" checks. */
async function contentOf(c: PgCluster, db: string): Promise<Record<string, string>> {
  const tables = await c.query<{ q: string }>(db, `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS q FROM pg_tables
    WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`);
  const out: Record<string, string> = {};
  for (const { q } of tables) {
    const [r] = await c.query<{ n: string; h: string }>(db, `SELECT count(*)::text AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM ${q} t`);
    out[q] = `${r!.n}:${r!.h}`;
  }
  const seq = await c.query<{ v: string }>(db, `SELECT last_value::text AS v FROM public.events_id_seq`);
  out['seq'] = seq[0]!.v;
  return out;
}

async function seed(c: PgCluster, db: string): Promise<void> {
  await c.createDatabase(db);
  c.psql(db, ['-c', `
    CREATE TABLE public.events (id bigserial PRIMARY KEY, at timestamptz NOT NULL, kind text NOT NULL, payload jsonb);
    CREATE TABLE public.settings (key text PRIMARY KEY, value text, note text);
    CREATE INDEX events_kind ON public.events (kind);
    INSERT INTO public.events (at, kind, payload)
      SELECT timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', 'kind_' || (g % 17),
             jsonb_build_object('n', g, 'text', repeat(md5(g::text), 3), 'tab', E'a\\tb', 'nl', E'x\\ny')
        FROM generate_series(1, 20000) g;
    INSERT INTO public.settings SELECT 'k' || g, md5(g::text), CASE WHEN g % 3 = 0 THEN NULL ELSE E'back\\\\slash' END FROM generate_series(1, 300) g;
  `]);
}

async function change(c: PgCluster, db: string): Promise<void> {
  c.psql(db, ['-c', `
    INSERT INTO public.events (at, kind, payload)
      SELECT timestamptz '2026-02-01 00:00:00+00' + g * interval '1 minute', 'late', jsonb_build_object('n', g) FROM generate_series(1, 300) g;
    UPDATE public.settings SET value = 'changed' WHERE key IN ('k5', 'k77', 'k200');
  `]);
}

for (const kind of ['fs', 's3'] as const) {
  describe(`backup and restore end to end (${kind} store)`, () => {
    let pg: PgCluster;
    let s3: S3TestServer | undefined;
    let tmp: { path: string; cleanup: () => void };
    let makeStore: () => Store;
    let repo: Repository;
    const cacheDir = () => join(tmp.path, 'cache');
    const conn = (database: string) => ({ host: pg.host, port: pg.port, user: pg.user, database });

    before(async () => {
      tmp = tempDir();
      pg = await startCluster({ major: 15 });
      if (kind === 's3') {
        s3 = await startS3Server();
        const srv = s3;
        makeStore = () => new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'repo1', credentials: srv.credentials, retry: { maxAttempts: 2, baseDelayMs: 10 } });
      } else {
        makeStore = () => new FsStore(join(tmp.path, 'repo'), { fsync: false });
      }
      repo = await Repository.init(makeStore(), 'pw', { kdf: TEST_KDF, chunker: CHUNKER, cacheDir: cacheDir() });
      await seed(pg, 'app');
    });
    after(async () => {
      await repo?.close();
      await pg?.stop();
      await s3?.stop();
      tmp?.cleanup();
    });

    test('backup twice around a change: the second uploads a small fraction; both restore to what the database was', async () => {
      const before1 = await contentOf(pg, 'app');
      const seen: Progress[] = [];
      const first = await backupDatabase(repo, { connection: conn('app') }, { tags: ['nightly'], time: '2026-11-20T06:00:00+01:00', onProgress: (x) => seen.push(x) });
      assert.equal(first.manifest.database, 'app');
      // Progress: dump bytes of a total estimated from the catalog's relation sizes, with the table being read.
      const last = seen.at(-1)!;
      assert.equal(last.operation, 'backup');
      assert.equal(last.database, 'app');
      assert.ok(last.estimated === true && last.total !== undefined && last.total > 0);
      assert.ok(seen.every((x, i) => i === 0 || x.done >= seen[i - 1]!.done), 'done never goes back');
      assert.ok(last.done > 0 && last.done <= first.manifest.dump.size);
      assert.ok(seen.some((x) => x.item === 'public.events'), 'the current table is named');
      assert.ok(first.manifest.added.newBytes > 0.9 * first.manifest.dump.size, 'first backup uploads (almost) everything');
      await change(pg, 'app');
      const before2 = await contentOf(pg, 'app');
      const second = await backupDatabase(repo, { connection: conn('app') }, { tags: ['nightly'], time: '2026-11-20T18:00:00+01:00' });
      const fraction = second.manifest.added.newBytes / second.manifest.dump.size;
      assert.ok(fraction < 0.35, `second backup uploaded ${(fraction * 100).toFixed(1)}% of the dump`);

      const snaps = await listSnapshots(repo);
      assert.deepEqual(snaps.map((s) => s.id), [first.snapshotId, second.snapshotId]);
      const d = diffSnapshots(snaps[0]!, snaps[1]!);
      assert.deepEqual(d.tables.filter((t) => t.change !== 'unchanged').map((t) => t.table).sort(), ['public.events', 'public.settings']);
      assert.equal(d.schemaChanged, false);

      const dir = join(tmp.path, 'restored');
      spawnSync('mkdir', ['-p', dir]);
      for (const [snap, expected, db] of [[snaps[0]!, before1, 'r1'], [snaps[1]!, before2, 'r2']] as const) {
        const file = await restoreToDirectory(repo, snap, dir);
        assert.equal(file, join(dir, restoreFileName(snap)));
        const sql = gunzipSync(readFileSync(file));
        assert.equal(sql.length, snap.dump.size);
        await pg.createDatabase(db);
        pg.psql(db, ['-f', '-'], sql);
        assert.deepEqual(await contentOf(pg, db), expected);
        // Restoring the same script again over the database (--clean --if-exists semantics) works and changes nothing.
        pg.psql(db, ['-f', '-'], sql);
        assert.deepEqual(await contentOf(pg, db), expected);
      }
      assert.deepEqual(readdirSync(dir).sort(), ['app_20261120_060000.sql.gz', 'app_20261120_180000.sql.gz']);

      // The SQL is byte-identical to a direct dump of the same state (what `pgvault dump` prints).
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (b: Buffer) => chunks.push(b));
      await restoreToStream(repo, snaps[1]!, out);
      assert.equal(Buffer.concat(chunks).toString('utf8'), gunzipSync(readFileSync(join(dir, 'app_20261120_180000.sql.gz'))).toString('utf8'));
      const latest = await resolveSnapshots(repo, 'latest');
      assert.deepEqual(latest.map((s) => s.id), [second.snapshotId]);
    });

    test('restore --into loads a snapshot into an empty database, refuses a non-empty one without --clean, and verify proves it', async () => {
      const [snap] = await resolveSnapshots(repo, 'latest');
      await pg.createDatabase('into1');
      const seen: Progress[] = [];
      const r = await restoreInto(repo, snap!, conn('into1'), { onProgress: (x) => seen.push(x) });
      assert.equal(r.tables, 2);
      assert.deepEqual([seen.at(-1)!.operation, seen.at(-1)!.done, seen.at(-1)!.total], ['restore', snap!.dump.size, snap!.dump.size]);
      assert.deepEqual(await contentOf(pg, 'into1'), await contentOf(pg, 'app'));
      await assert.rejects(restoreInto(repo, snap!, conn('into1')), (e: unknown) => e instanceof UsageError && /not empty/.test(e.message));
      await restoreInto(repo, snap!, conn('into1'), { clean: true });
      assert.deepEqual(await contentOf(pg, 'into1'), await contentOf(pg, 'app'));
      const report = await verifyInTemporaryDatabase(repo, snap!, conn('postgres'));
      assert.equal(report.ok, true);
      assert.equal(report.tables.length, 2);
      assert.ok(report.tables.every((t) => t.ok && t.actual.rows > 0));
      const dbs = await pg.query<{ datname: string }>('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'pgvault_verify_%'");
      assert.equal(dbs.length, 0, 'the temporary verify database is dropped');
    });

    test('a fresh machine (no cache) restores with only the bucket and the password', async () => {
      const fresh = await Repository.open(makeStore(), 'pw', { cacheDir: null });
      const [snap] = await resolveSnapshots(fresh, 'latest');
      const dir = join(tmp.path, 'fresh');
      spawnSync('mkdir', ['-p', dir]);
      const file = await restoreToDirectory(fresh, snap!, dir);
      assert.equal(gunzipSync(readFileSync(file)).length, snap!.dump.size);
      const st = await repositoryStats(fresh, await listSnapshots(fresh));
      assert.equal(st.total.snapshots, 2);
      assert.ok(st.total.dedupRatio > 1.3, `dedup ratio ${st.total.dedupRatio}`);
      assert.ok(st.total.storedBytes < st.total.uniqueBytes, 'chunks are compressed');
      await fresh.close();
    });

    if (kind === 'fs') {
      test('restore --table extracts chosen tables with their dependent objects and data', async () => {
        const [snap] = await resolveSnapshots(repo, 'latest');
        const one = await extractTables(repo, snap!, ['settings']);
        assert.deepEqual(one.tables, ['public.settings']);
        const sql = (await collectBytes(one.script)).toString('utf8');
        assert.doesNotMatch(sql, /CREATE TABLE public\.events/);
        assert.doesNotMatch(sql, /DROP /);
        await pg.createDatabase('t1');
        pg.psql('t1', ['-f', '-'], sql);
        const want = await contentOf(pg, 'app');
        const got = await pg.query<{ q: string }>('t1', "SELECT string_agg(tablename, ',' ORDER BY tablename) AS q FROM pg_tables WHERE schemaname = 'public'");
        assert.equal(got[0]!.q, 'settings');
        const [pk] = await pg.query<{ n: string }>('t1', "SELECT count(*)::text AS n FROM pg_constraint WHERE conname = 'settings_pkey'");
        assert.equal(pk!.n, '1');
        const rows = await pg.query<{ n: string; h: string }>('t1', `SELECT count(*)::text AS n, md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) AS h FROM public.settings t`);
        assert.equal(`${rows[0]!.n}:${rows[0]!.h}`, want['public.settings']);
        // A table with a serial column brings its sequence, the sequence's value, and its index.
        const ev = await extractTables(repo, snap!, ['public.ev*']);
        await pg.createDatabase('t2');
        pg.psql('t2', ['-f', '-'], (await collectBytes(ev.script)).toString('utf8'));
        const [seq] = await pg.query<{ v: string }>('t2', 'SELECT last_value::text AS v FROM public.events_id_seq');
        assert.equal(seq!.v, want['seq']);
        const [idx] = await pg.query<{ n: string }>('t2', "SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'events_kind'");
        assert.equal(idx!.n, '1');
        await assert.rejects(extractTables(repo, snap!, ['nope']), UsageError);
      });

      test('a corrupted chunk: verify and restore fail naming the snapshot, the table and the chunk; no partial file is left', async () => {
        const [snap] = await resolveSnapshots(repo, 'latest');
        const events = snap!.parts.find((p) => p.name === 'public.events')!;
        // Find a chunk that holds only events rows: in the dump stream, or in the base rows of a layered table
        // (events is above the 4 MiB threshold, so backups store its rows as a base and deltas: docs/incremental.md).
        let pos = 0;
        let victim = '';
        const layer = events.table?.layer;
        if (layer) {
          for await (const r of repo.refs(layer.base.list)) { victim = r.id; break; }
        } else {
          for await (const r of repo.refs(snap!.dump.list)) {
            if (pos > events.offset && pos + r.length < events.offset + events.length) { victim = r.id; break; }
            pos += r.length;
          }
        }
        assert.ok(victim, 'found a chunk inside the events data');
        const path = join(tmp.path, 'repo', 'data', victim.slice(0, 2), victim);
        const original = readFileSync(path);
        const bad = Buffer.from(original);
        bad[100]! ^= 0x40;
        writeFileSync(path, bad);
        try {
          await pg.createDatabase('scratch_bad');
          await assert.rejects(verifySnapshot(repo, snap!, conn('scratch_bad')), (e: unknown) =>
            e instanceof IntegrityError && e.message.includes('public.events') && e.message.includes(victim) && e.message.includes(snap!.id.slice(0, 8)));
          assert.equal((await pg.query<{ n: string }>('scratch_bad', "SELECT count(*)::text AS n FROM pg_class WHERE relname = 'events'"))[0]!.n, '0',
            'a failed restore changes nothing (one transaction)');
          const dir = join(tmp.path, 'bad');
          spawnSync('mkdir', ['-p', dir]);
          await assert.rejects(restoreToDirectory(repo, snap!, dir), (e: unknown) => e instanceof IntegrityError && e.message.includes('public.events'));
          assert.deepEqual(readdirSync(dir), [], 'the partial file is removed');
        } finally {
          writeFileSync(path, original);
        }
        assert.ok(statSync(path).size > 0);
      });
    }
  });
}

test('restore to a path that cannot be a directory is a clear usage error', async () => {
  const t = tempDir();
  try {
    const repo = await Repository.init(new FsStore(join(t.path, 'r'), { fsync: false }), 'pw', { kdf: TEST_KDF, cacheDir: null });
    const fake = { id: 'ab'.repeat(32), database: 'x', time: '2026-01-01T00:00:00Z' } as never;
    writeFileSync(join(t.path, 'file'), '');
    await assert.rejects(restoreToDirectory(repo, fake, join(t.path, 'file', 'nope')), (e: unknown) => e instanceof UsageError && /not a directory/.test(e.message));
    void PG_CLIENT_BIN;
  } finally {
    t.cleanup();
  }
});
