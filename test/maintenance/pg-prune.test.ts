/**
 * Prune against real backups of a PostgreSQL 17 database: three backups (under the shared lock) around
 * large changes, the oldest forgotten, prune (under the exclusive lock) frees its chunks, check
 * --read-data passes, and the two kept snapshots still restore into a scratch database with every
 * table matching what was recorded at backup time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { verifyInTemporaryDatabase } from '../../src/restore/verify.js';
import { withLock } from '../../src/maintenance/locks.js';
import { prune } from '../../src/maintenance/prune.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { tempDir, TEST_KDF } from '../repo/helpers.js';
import { names, referencedBy } from './helpers.js';

describe('prune with real backups (PostgreSQL 17)', () => {
  let pg: PgCluster;
  let tmp: { path: string; cleanup: () => void };
  let repo: Repository;
  const conn = (database: string) => ({ host: pg.host, port: pg.port, user: pg.user, database });

  before(async () => {
    tmp = tempDir();
    pg = await startCluster({ major: 17 });
    repo = await Repository.init(new FsStore(join(tmp.path, 'repo'), { fsync: false }), 'pw',
      { kdf: TEST_KDF, chunker: { min: 8192, avg: 32768, max: 131072 }, cacheDir: join(tmp.path, 'cache') });
    await pg.createDatabase('shop');
    pg.psql('shop', ['-c', `CREATE TABLE orders (id int PRIMARY KEY, note text);
      INSERT INTO orders SELECT g, md5(g::text) || repeat('x', 50) FROM generate_series(1, 20000) g;`]);
  });
  after(async () => {
    await repo?.close();
    await pg?.stop();
    tmp?.cleanup();
  });

  test('forget the oldest backup, prune frees exactly its own chunks, the others restore', async () => {
    const backup = () => withLock(repo, 'shared', () => backupDatabase(repo, { connection: conn('shop') }), { operation: 'backup' });
    const first = await backup();
    pg.psql('shop', ['-c', `UPDATE orders SET note = md5((id * 7)::text) || repeat('y', 40) WHERE id <= 15000;`]);
    const second = await backup();
    pg.psql('shop', ['-c', `INSERT INTO orders SELECT g, md5(g::text) FROM generate_series(20001, 21000) g;`]);
    const third = await backup();

    const keep = new Set([...await referencedBy(repo, second.snapshotId), ...await referencedBy(repo, third.snapshotId)]);
    const own = [...await referencedBy(repo, first.snapshotId)].filter((id) => !keep.has(id));
    assert.ok(own.length > 10, 'the first backup has chunks no later backup shares');
    await repo.store.delete('snapshots', first.snapshotId); // forget

    const { result } = await withLock(repo, 'exclusive', (lock) => prune(repo, { graceMs: 0, assertLocked: () => lock.assertHeld() }), { operation: 'prune' });
    assert.equal(result!.deletedData, own.length);
    assert.deepEqual(await names(repo.store, 'data'), keep);
    assert.equal((await names(repo.store, 'locks')).size, 0);

    const chk = await checkRepository(repo, { readData: true });
    assert.equal(chk.ok, true, JSON.stringify(chk.problems.slice(0, 3)));
    for (const id of [second.snapshotId, third.snapshotId]) {
      const report = await verifyInTemporaryDatabase(repo, await loadSnapshot(repo, id), conn('postgres'));
      assert.equal(report.ok, true, JSON.stringify(report.tables.filter((t) => !t.ok)));
      assert.ok(report.tables.length >= 1);
    }

    // A new backup after prune runs normally (uploads again whatever it needs that prune removed).
    pg.psql('shop', ['-c', `UPDATE orders SET note = md5(id::text) || repeat('x', 50) WHERE id <= 15000;`]); // back to the first content
    const fourth = await backup();
    assert.ok(fourth.manifest.added.newChunks > 0);
    const report = await verifyInTemporaryDatabase(repo, await loadSnapshot(repo, fourth.snapshotId), conn('postgres'));
    assert.equal(report.ok, true);
    assert.equal((await checkRepository(repo, { readData: true })).ok, true);
  });
});
