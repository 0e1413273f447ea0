/**
 * Backup and prune at the same time. A "backup" here is a stream saved through the same ChunkStore
 * path as pgvault backup (data → index → manifest), from its own Repository object as another process
 * would, over a store that lets the test pause it midway.
 *
 * 1. Without locks (an old client that ignores them): the grace period alone keeps the chunks an
 *    in-flight backup has uploaded but not yet committed; with the grace period switched off the same
 *    interleaving loses them (which shows the test can fail).
 * 2. With locks (backup shared, prune exclusive waiting with --retry-lock), repeated with prune
 *    starting at different points of the backup, and with the backup reusing chunks of the forgotten
 *    snapshot: no snapshot ever references a missing chunk.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { prune } from '../../src/maintenance/prune.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { withLock } from '../../src/maintenance/locks.js';
import { testRepo } from '../repo/helpers.js';
import { backdateData, content, FaultyStore, names, restoreBytes, synthSnapshot } from './helpers.js';

const FAST = { backoffMs: { min: 10, max: 50 } };

describe('backup and prune race', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  beforeEach(async () => { ({ repo, dir, cacheDir, cleanup } = await testRepo({ indexBatch: 5 })); });
  afterEach(() => cleanup());

  async function openOn(store: FaultyStore, concurrency = 2): Promise<Repository> {
    return Repository.open(store, 'correct horse', { cacheDir, indexBatch: 5, concurrency });
  }

  /** A kept snapshot and a forgotten one, all written "2 hours ago". */
  async function history(): Promise<{ kept: string; forgottenData: Uint8Array }> {
    const kept = await synthSnapshot(repo, content(150_000, 1), 'app');
    const forgottenData = content(250_000, 2);
    const gone = await synthSnapshot(repo, forgottenData, 'app');
    await repo.store.delete('snapshots', gone);
    backdateData(dir, 2 * 3_600_000);
    return { kept, forgottenData };
  }

  for (const graceMs of [3_600_000, 0]) {
    test(`lock-ignoring backup paused after uploading chunks, prune in between, grace ${graceMs ? '1h' : 'off'}`, async () => {
      const { kept } = await history();
      let reached!: () => void;
      const atGate = new Promise<void>((r) => { reached = r; });
      let open!: () => void;
      const gate = new Promise<void>((r) => { open = r; });
      const bstore = new FaultyStore(new FsStore(dir, { fsync: false }), { putGate: { after: 12, open: gate, reached } });
      const backupRepo = await openOn(bstore);
      const fresh = content(400_000, 3);
      const backup = synthSnapshot(backupRepo, fresh, 'app');
      await atGate; // 12 chunks uploaded (some indexed), no manifest yet
      const r = await prune(repo, { graceMs });
      open();
      const snap = await backup;
      assert.ok(r.result!.deletedData > 0, 'the forgotten snapshot\'s chunks were deleted');
      const chk = await checkRepository(await openOn(new FaultyStore(new FsStore(dir, { fsync: false }))));
      if (graceMs > 0) {
        assert.equal(chk.ok, true, JSON.stringify(chk.problems.slice(0, 3)));
        assert.deepEqual(await restoreBytes(backupRepo, snap), Buffer.from(fresh));
        assert.ok(r.plan.keptRecent.count >= 12, 'the in-flight uploads were kept');
      } else {
        assert.equal(chk.ok, false, 'without the grace period the in-flight backup loses chunks');
        assert.ok(chk.problems.some((p) => p.code === 'chunk-missing' && p.snapshot === snap));
      }
      assert.ok(chk.problems.every((p) => p.snapshot !== kept));
    });
  }

  test('with locks, repeated with prune starting at different points: no snapshot references a missing chunk', async () => {
    const { forgottenData } = await history();
    for (const [round, startAfter] of [0, 6, 25, -1].entries()) {
      // The backup reuses chunks of the forgotten snapshot (same content plus new): only the lock protects those.
      const data = Buffer.concat([forgottenData, content(150_000, 10 + round)]);
      const pruneRepo = await openOn(new FaultyStore(new FsStore(dir, { fsync: false })));
      const startPrune = (): Promise<unknown> =>
        withLock(pruneRepo, 'exclusive', () => prune(pruneRepo, { graceMs: 0 }), { operation: 'prune', retryLockMs: 30_000, ...FAST });
      let pruned: Promise<unknown> | null = null;
      if (startAfter < 0) { // prune first: the backup waits, then must upload again what prune deleted
        pruned = startPrune();
        while ((await names(repo.store, 'locks')).size === 0) await new Promise((r) => setTimeout(r, 2));
      }
      let reached!: () => void;
      const atPoint = new Promise<void>((r) => { reached = r; });
      const bstore = new FaultyStore(new FsStore(dir, { fsync: false }), { putGate: { after: Math.max(0, startAfter), open: Promise.resolve(), reached }, putDelayMs: 5 });
      const backupRepo = await openOn(bstore);
      const backup = withLock(backupRepo, 'shared', () => synthSnapshot(backupRepo, data, 'app'), { operation: 'backup', retryLockMs: 30_000, ...FAST });
      if (!pruned) {
        await Promise.race([atPoint, backup]);
        pruned = startPrune();
      }
      const [snap] = await Promise.all([backup, pruned]);
      const chk = await checkRepository(pruneRepo, { readData: true });
      assert.equal(chk.ok, true, `round ${round}: ${JSON.stringify(chk.problems.slice(0, 3))}`);
      assert.deepEqual(await restoreBytes(pruneRepo, snap), data);
      await repo.store.delete('snapshots', snap); // forget it for the next round
      assert.equal((await names(repo.store, 'locks')).size, 0);
    }
  });
});
