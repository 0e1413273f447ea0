/**
 * What a backup proves before it commits its manifest (issue 10), against a real PostgreSQL 15:
 * - its repository lock still exists (a lock removed by `unlock --remove-all --force` makes it fail
 *   without committing: a prune may have deleted chunks it reuses).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { acquireLock, removeLocks } from '../../src/maintenance/locks.js';
import { LockedError } from '../../src/errors.js';
import { tempDir, TEST_CHUNKER, TEST_KDF } from '../repo/helpers.js';
import { names } from '../maintenance/helpers.js';

describe('backup commit guards', () => {
  let pg: PgCluster;
  let tmp: { path: string; cleanup: () => void };
  let repo: Repository;
  const repoDir = (): string => join(tmp.path, 'repo');
  const conn = (): { host: string; port: number; user: string; database: string } => ({ host: pg.host, port: pg.port, user: pg.user, database: 'app' });

  before(async () => {
    tmp = tempDir();
    pg = await startCluster({ major: 15 });
    await pg.createDatabase('app');
    pg.psql('app', ['-c', `
      CREATE TABLE public.events (id bigint PRIMARY KEY, payload text NOT NULL);
      INSERT INTO public.events SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 6000) g;
    `]);
    repo = await Repository.init(new FsStore(repoDir(), { fsync: false }), 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: join(tmp.path, 'cache') });
  });
  after(async () => {
    await repo?.close();
    await pg?.stop();
    tmp?.cleanup();
  });

  test('a backup whose lock was removed (unlock --remove-all --force) fails before committing: no snapshot', async () => {
    const lock = await acquireLock(repo, 'shared', { operation: 'backup' });
    try {
      const removed = await removeLocks(repo, { all: true, force: true });
      assert.equal(removed.removed.length, 1);
      await assert.rejects(backupDatabase(repo, { connection: conn() }, { beforeCommit: () => lock.confirmHeld() }), (e: unknown) => {
        assert.ok(e instanceof LockedError, String(e));
        assert.match(e.message, /removed by someone else.*without committing/);
        return true;
      });
      assert.equal((await names(repo.store, 'snapshots')).size, 0, 'no manifest was written');
    } finally {
      await lock.release();
    }
    const lock2 = await acquireLock(repo, 'shared', { operation: 'backup' });
    try {
      const ok = await backupDatabase(repo, { connection: conn() }, { beforeCommit: () => lock2.confirmHeld() });
      assert.deepEqual([...await names(repo.store, 'snapshots')], [ok.snapshotId]);
    } finally {
      await lock2.release();
    }
  });
});
