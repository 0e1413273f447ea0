/**
 * Disaster recovery onto a bare server: the ticket's two databases (owner roles bus and paperclip,
 * group and login roles, memberships, settings, database ACL and properties) backed up, then restored
 * with `restore --into <server> --create` into a freshly initialised cluster that has only its
 * superuser; owners, grants and settings compared with the source by catalog queries, in one
 * transaction and with --jobs 2 (parallel load; then the data too, by fingerprint). On PostgreSQL 15
 * and 17. Then the bad inputs: each a clear error with the server left as it was.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backupDatabase } from '../../src/backup/backup.js';
import { parseConnectionUrl } from '../../src/db/connection.js';
import { restoreCreate } from '../../src/restore/create.js';
import { restoreInto } from '../../src/restore/into-db.js';
import type { Repository } from '../../src/repo/repository.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { hasServer, startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { startCutProxy } from '../helpers/cut-proxy.js';
import { fingerprint } from '../helpers/fingerprint.js';
import { testRepo } from '../repo/helpers.js';
import { createGlobalsFixture } from '../globals/fixture.js';
import { clusterCatalog, databaseCatalog } from '../globals/catalog.js';

const ROLES = ['alice', 'app_readers', 'bus', 'bus_ro', 'paperclip'];

async function backupBoth(repo: Repository, source: PgCluster): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  for (const db of ['bus', 'paperclip']) {
    const r = await backupDatabase(repo, { connection: parseConnectionUrl(source.url(db)) });
    out.push(await loadSnapshot(repo, r.snapshotId));
  }
  return out;
}

async function userRoles(pg: PgCluster): Promise<string[]> {
  return (await pg.query<{ rolname: string }>('postgres', "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1")).map((r) => r.rolname);
}

async function userDatabases(pg: PgCluster): Promise<string[]> {
  return (await pg.query<{ datname: string }>('postgres', "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1"))
    .map((r) => r.datname);
}

for (const major of [15, 17] as PgMajor[]) {
  describe(`bare server, PostgreSQL ${major}`, { skip: !hasServer(major) && `PostgreSQL ${major} is not installed` }, () => {
    let source: PgCluster;
    let bare: PgCluster;
    let r: Awaited<ReturnType<typeof testRepo>>;
    let snaps: Snapshot[];

    before(async () => {
      [source, bare] = await Promise.all([startCluster({ major }), startCluster({ major })]);
      await createGlobalsFixture(source);
      r = await testRepo();
      snaps = await backupBoth(r.repo, source);
    });
    after(async () => {
      await r?.repo.close();
      r?.cleanup();
      await Promise.all([source?.stop(), bare?.stop()]);
    });

    test('restore --into <bare server> --create: both databases with owners, grants and settings identical to the source', async () => {
      assert.deepEqual(await userRoles(bare), ['postgres'], 'the fresh cluster has only its superuser');
      const results = [];
      for (const s of snaps) results.push(await restoreCreate(r.repo, s, parseConnectionUrl(bare.url('postgres'))));
      assert.deepEqual(results.map((x) => x.rolesCreated), [['alice', 'app_readers', 'bus', 'bus_ro'], ['paperclip']]);
      assert.deepEqual(results.map((x) => x.roleDifferences), [[], []]);
      assert.deepEqual(await userRoles(bare), ['alice', 'app_readers', 'bus', 'bus_ro', 'paperclip', 'postgres'], 'never "unrelated"');
      assert.deepEqual(await clusterCatalog(bare, ROLES), await clusterCatalog(source, ROLES));
      for (const db of ['bus', 'paperclip']) assert.deepEqual(await databaseCatalog(bare, db), await databaseCatalog(source, db), db);
      // The restored roles work as on the source: bus_ro reads events through its grant, alice logs in to bus via her database grant.
      const [n] = await bare.query<{ n: string }>('bus', 'SET ROLE bus_ro; SELECT count(*)::text AS n FROM public.events');
      assert.equal(n!.n, '2000');
    });

    test('restore --into <bare server> --create --jobs 2: the same roles, owners, grants, settings and data as the source', async () => {
      const fresh = await startCluster({ major });
      try {
        const results = [];
        for (const s of snaps) results.push(await restoreCreate(r.repo, s, parseConnectionUrl(fresh.url('postgres')), { jobs: 2 }));
        assert.deepEqual(results.map((x) => x.rolesCreated), [['alice', 'app_readers', 'bus', 'bus_ro'], ['paperclip']]);
        assert.deepEqual(await clusterCatalog(fresh, ROLES), await clusterCatalog(source, ROLES));
        for (const db of ['bus', 'paperclip']) {
          assert.deepEqual(await databaseCatalog(fresh, db), await databaseCatalog(source, db), db);
          const [a, c] = await Promise.all([fingerprint(source.config(db)), fingerprint(fresh.config(db))]);
          for (const k of Object.keys(a)) assert.deepEqual(c[k], a[k], `${db}: section ${k}`);
        }
      } finally {
        await fresh.stop();
      }
    });

    if (major === 15) {
      test('bad input: the database exists (no --swap/--clean), a role differs, no CREATEROLE/CREATEDB; each a clear error, nothing changed', async () => {
        const bus = snaps[0]!;
        const server = parseConnectionUrl(bare.url('postgres'));
        await assert.rejects(restoreCreate(r.repo, bus, server), /database "bus" already exists.*nothing was changed.*--swap.*--clean/);

        await bare.query('postgres', 'CREATE ROLE weak LOGIN; CREATE ROLE creator LOGIN CREATEROLE');
        await bare.query('postgres', 'ALTER DATABASE bus RENAME TO bus_elsewhere');
        await bare.query('postgres', 'ALTER ROLE bus CREATEDB CONNECTION LIMIT 5');
        const before = [await userRoles(bare), await userDatabases(bare)];
        await assert.rejects(restoreCreate(r.repo, bus, server),
          /exist on .* with attributes that differ.*bus CREATEDB \(server true, snapshot false\); bus CONNECTION LIMIT \(server 5, snapshot 20\).*never alters existing roles; nothing was changed.*--keep-existing-roles/);
        assert.deepEqual([await userRoles(bare), await userDatabases(bare)], before);
        await bare.query('postgres', 'ALTER ROLE bus NOCREATEDB CONNECTION LIMIT 20; ALTER ROLE alice RENAME TO alice_old');
        const before2 = [await userRoles(bare), await userDatabases(bare)];
        await assert.rejects(restoreCreate(r.repo, bus, { ...server, user: 'weak' }), /role weak cannot create the 1 missing role\(s\) alice .*no CREATEROLE.*nothing was changed/);
        await assert.rejects(restoreCreate(r.repo, bus, { ...server, user: 'creator' }), /only a superuser can create the role\(s\) alice \(SUPERUSER, REPLICATION or BYPASSRLS\)/);
        await bare.query('postgres', 'ALTER ROLE alice_old RENAME TO alice');
        await assert.rejects(restoreCreate(r.repo, bus, { ...server, user: 'creator' }), /role creator cannot create databases .*no CREATEDB.*ALTER ROLE creator CREATEDB/);
        assert.deepEqual([await userRoles(bare), await userDatabases(bare)], [before2[0]!.map((x) => (x === 'alice_old' ? 'alice' : x)).sort(), before2[1]]);
        await bare.query('postgres', 'ALTER DATABASE bus_elsewhere RENAME TO bus');
      });

      test('--keep-existing-roles restores with a differing role left as it is, and reports it', async () => {
        await bare.query('postgres', 'ALTER ROLE paperclip CONNECTION LIMIT 3');
        await bare.dropDatabase('paperclip');
        const x = await restoreCreate(r.repo, snaps[1]!, parseConnectionUrl(bare.url('postgres')), { keepExistingRoles: true });
        assert.deepEqual(x.roleDifferences, [{ role: 'paperclip', attribute: 'CONNECTION LIMIT', snapshot: '-1', server: '3' }]);
        const [row] = await bare.query<{ rolconnlimit: number }>('postgres', "SELECT rolconnlimit FROM pg_roles WHERE rolname = 'paperclip'");
        assert.equal(row!.rolconnlimit, 3, 'never altered');
        await bare.query('postgres', 'ALTER ROLE paperclip CONNECTION LIMIT -1');
      });

      test('--swap: a failed load (connection lost mid-load) leaves the existing database as it was; a good one swaps it in and keeps the old one', async () => {
        const bus = snaps[0]!;
        await bare.query('bus', "INSERT INTO public.events VALUES (999999, now(), 'marker', '{}')");
        const proxy = await startCutProxy(bare.port, 64 * 1024);
        try {
          await assert.rejects(restoreCreate(r.repo, bus, parseConnectionUrl(bare.url('postgres')), {
            swap: true, load: (c) => restoreInto(r.repo, bus, { ...c, port: proxy.port }),
          }), /bus/);
          assert.ok(proxy.cuts >= 1, 'the load connection was cut');
        } finally {
          await proxy.stop();
        }
        assert.deepEqual(await userDatabases(bare), ['bus', 'paperclip'], 'the half-loaded copy was dropped');
        const [m] = await bare.query<{ n: string }>('bus', 'SELECT count(*)::text AS n FROM public.events WHERE id = 999999');
        assert.equal(m!.n, '1', 'the existing database is unchanged');

        const fixed = new Date('2026-12-01T10:00:00Z');
        const x = await restoreCreate(r.repo, bus, parseConnectionUrl(bare.url('postgres')), { swap: true, now: () => fixed });
        assert.equal(x.previousDatabase, 'bus_before_20261201_100000');
        assert.deepEqual(await userDatabases(bare), ['bus', 'bus_before_20261201_100000', 'paperclip']);
        const [after] = await bare.query<{ n: string }>('bus', 'SELECT count(*)::text AS n FROM public.events WHERE id = 999999');
        assert.equal(after!.n, '0', 'bus is the restored snapshot now');
        assert.deepEqual(await databaseCatalog(bare, 'bus'), await databaseCatalog(source, 'bus'), 'with the properties of the source');
      });
    }

    if (major === 17) {
      test('a target server older than the source: a clear error, nothing created', async () => {
        const old = await startCluster({ major: 15 });
        try {
          await assert.rejects(restoreCreate(r.repo, snaps[0]!, parseConnectionUrl(old.url('postgres'))),
            /runs PostgreSQL 15, older than the source .*PostgreSQL 17.*nothing was changed/);
          assert.deepEqual(await userRoles(old), ['postgres']);
          assert.deepEqual(await userDatabases(old), []);
        } finally {
          await old.stop();
        }
      });
    }
  });
}
