/**
 * Append-only keys and real deletion on a B2-like versioned S3 server (test/helpers/versioned-s3.ts):
 * - a backup with a key that may not delete versions (403 on every versioned DELETE) succeeds; the
 *   lock it cannot remove is only a warning and goes stale;
 * - with delete mode "hide" (a key with writeFiles only) the lock is hidden and no lock is left listed;
 * - prune with a key that may delete leaves no version and no hide marker of a pruned chunk, keeps
 *   every version of kept chunks, and the repository checks clean.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Store, type S3StoreOptions } from '../../src/store/s3.js';
import { Repository } from '../../src/repo/repository.js';
import { withLock, listLocks, removeLocks } from '../../src/maintenance/locks.js';
import { prune } from '../../src/maintenance/prune.js';
import { checkRepository } from '../../src/maintenance/check.js';
import type { Logger } from '../../src/log.js';
import { startVersionedS3Server, type VersionedS3Server } from '../helpers/versioned-s3.js';
import { TEST_CHUNKER, TEST_KDF } from '../repo/helpers.js';
import { content, names, referencedBy, restoreBytes, synthSnapshot } from './helpers.js';

describe('append-only backup key and version-deleting prune (B2-like server)', () => {
  let srv: VersionedS3Server;
  let cacheRoot: string;
  const repos: Repository[] = [];
  const store = (o: Partial<S3StoreOptions> = {}): S3Store => new S3Store({
    endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'repo', credentials: srv.credentials, retry: { maxAttempts: 2, baseDelayMs: 5 }, ...o,
  });
  const open = async (o: Partial<S3StoreOptions> = {}, cache = 'c1'): Promise<Repository> => {
    const r = await Repository.open(store(o), 'pw', { cacheDir: join(cacheRoot, cache) });
    repos.push(r);
    return r;
  };
  before(async () => {
    srv = await startVersionedS3Server();
    cacheRoot = mkdtempSync(join(tmpdir(), 'pgvault-b2-'));
    repos.push(await Repository.init(store(), 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: join(cacheRoot, 'c0') }));
  });
  after(async () => {
    for (const r of repos) await r.close();
    await srv.stop();
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  test('backups with a key that cannot delete, then prune with one that can', async () => {
    const warnings: string[] = [];
    const logger: Logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (m) => { warnings.push(m); } };
    const isVersionDelete = (r: { method: string; query: URLSearchParams }): boolean => r.method === 'DELETE' && r.query.has('versionId');
    srv.injectFault({ kind: 'status', status: 403, code: 'AccessDenied' }, { times: 1_000_000, match: isVersionDelete });

    // Backup key, default delete mode: the lock cannot be removed.
    const backupRepo = await open({}, 'backup');
    const oldData = content(250_000, 1);
    const old = await withLock(backupRepo, 'shared', () => synthSnapshot(backupRepo, oldData, 'app'),
      { operation: 'backup', logger, identity: { host: 'db1.example' } });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /could not remove our lock .*append-only/);
    const leftover = await listLocks(backupRepo);
    assert.equal(leftover.length, 1);
    assert.equal(leftover[0]!.stale, false);
    assert.equal((await listLocks(backupRepo, { now: () => Date.now() + 31 * 60_000 }))[0]!.stale, true, 'stale after 30 minutes');

    // Backup key with delete mode "hide" (writeFiles only): the lock is hidden, nothing is left listed.
    const hideRepo = await open({ deleteMode: 'hide' }, 'backup');
    const keptData = content(200_000, 2);
    const kept = await withLock(hideRepo, 'shared', () => synthSnapshot(hideRepo, keptData, 'app'),
      { operation: 'backup', logger, identity: { host: 'db1.example' } });
    assert.equal(warnings.length, 1, 'no new warning');
    assert.equal((await names(hideRepo.store, 'locks')).size, 1, 'only the first leftover lock is listed');
    srv.clearFaults();

    // Later, with the prune key: unlock the stale leftover, forget the old snapshot, prune.
    const pruneRepo = await open({}, 'prune');
    const unlocked = await removeLocks(pruneRepo, { now: () => Date.now() + 31 * 60_000 });
    assert.equal(unlocked.removed.length, 1);
    const keep = await referencedBy(pruneRepo, kept);
    const gone = [...await referencedBy(pruneRepo, old)].filter((id) => !keep.has(id));
    await pruneRepo.store.delete('snapshots', old);
    assert.ok(gone.length > 5);
    const { result } = await withLock(pruneRepo, 'exclusive', () => prune(pruneRepo, { graceMs: 0 }), { operation: 'prune' });
    assert.equal(result!.deletedData, gone.length);
    assert.equal(result!.hideOnly, false);
    for (const id of gone) assert.deepEqual(srv.versions(`repo/data/${id.slice(0, 2)}/${id}`), [], `no version or hide marker of pruned ${id} remains`);
    for (const id of keep) assert.equal(srv.versions(`repo/data/${id.slice(0, 2)}/${id}`).filter((v) => !v.deleteMarker).length, 1);
    assert.deepEqual(srv.versions(`repo/snapshots/${old}`), []);
    assert.deepEqual(await restoreBytes(pruneRepo, kept), Buffer.from(keptData));
    const chk = await checkRepository(pruneRepo, { readData: true });
    assert.equal(chk.ok, true, JSON.stringify(chk.problems.slice(0, 3)));

    // The backup host's cache still lists the pruned chunks; its next backup must upload them again.
    const again = await open({ deleteMode: 'hide' }, 'backup');
    const s = await withLock(again, 'shared', () => synthSnapshot(again, oldData, 'app'), { operation: 'backup' });
    assert.deepEqual(await restoreBytes(again, s), Buffer.from(oldData));
    assert.equal((await checkRepository(again, { readData: true })).ok, true);
  });
});
