/**
 * Rollback made visible (issue 10 item 11): the local state records the snapshots this host saw; when
 * the newest manifest is deleted (or snapshots vanish without a forget by this host), check warns, once.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { compareSeen, SeenSnapshots } from '../../src/repo/seen.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { forgetIds } from '../../src/retention/forget.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { saveSnapshot } from '../../src/snapshot/snapshots.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { tempDir, testRepo } from './helpers.js';
import { content, synthSnapshot } from '../maintenance/helpers.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (m: string) => { warnings.push(m); } };
}

describe('rollback detection', () => {
  let repo: Repository;
  let cleanup: () => void;
  before(async () => { ({ repo, cleanup } = await testRepo()); });
  after(() => cleanup());

  /** What `pgvault check` does: check, then compare the snapshots it read with what this host saw. */
  async function check(): Promise<string[]> {
    let list: { id: string; time: string; host: string }[] = [];
    const report = await checkRepository(repo, { onSnapshots: (l) => { list = l; } });
    assert.equal(report.ok, true, JSON.stringify(report.problems));
    const logger = recordingLogger();
    const warnings = await compareSeen(repo.seen, list, logger);
    assert.deepEqual(logger.warnings, warnings, 'every warning is logged');
    return warnings;
  }

  async function snapshotAt(time: string, seed: number): Promise<string> {
    const id = await synthSnapshot(repo, content(50_000, seed), 'app');
    const m = await loadSnapshot(repo, id);
    await repo.store.delete('snapshots', id);
    const { id: _id, ...manifest } = m;
    return saveSnapshot(repo, { ...manifest, time });
  }

  test('deleting the newest manifest is reported by the next check, once; a forget by this host is not', async () => {
    await snapshotAt('2026-12-01T06:00:00Z', 1);
    const newest = await snapshotAt('2026-12-02T06:00:00Z', 2);
    assert.deepEqual(await check(), [], 'first check: nothing to compare with');
    assert.deepEqual(await check(), []);

    await repo.store.delete('snapshots', newest); // what someone with bucket write access can do
    const w = await check();
    assert.equal(w.length, 2, w.join('\n'));
    assert.match(w[0]!, /the newest snapshot in the repository \(2026-12-01T06:00:00Z, [0-9a-f]{12}\) is older than the newest this host saw before \(2026-12-02T06:00:00Z, /);
    assert.match(w[1]!, new RegExp(`1 snapshot\\(s\\) this host saw before are gone .* \\(first: ${newest.slice(0, 12)} of 2026-12-02T06:00:00Z\\)`));
    assert.deepEqual(await check(), [], 'warned once; the state now records the repository as it is');

    const third = await snapshotAt('2026-12-03T06:00:00Z', 3);
    assert.deepEqual(await check(), []);
    await forgetIds(repo, [third]);
    assert.deepEqual(await check(), [], 'this host forgot it: no warning');
  });

  test('per-host scope (pgvault run): other hosts\' snapshots do not matter; no cache folder means no state', async () => {
    const t = tempDir();
    try {
      const seen = new SeenSnapshots(t.path, 'r');
      const a = { id: 'a'.repeat(64), time: '2026-12-01T06:00:00Z', host: 'db1' };
      const b = { id: 'b'.repeat(64), time: '2026-12-02T06:00:00Z', host: 'db1' };
      const other = { id: 'c'.repeat(64), time: '2026-12-03T06:00:00Z', host: 'db2' };
      assert.deepEqual(await seen.compare([a, b, other], 'db1'), []);
      assert.deepEqual(await seen.compare([a, b], 'db1'), [], 'db2\'s snapshot is not in db1\'s scope');
      const w = await seen.compare([a], 'db1');
      assert.match(w[0]!, /newest snapshot of host db1 in the repository \(2026-12-01T06:00:00Z/);
      assert.deepEqual(await compareSeen(null, [a], silentLogger), []);
      const noCache = await Repository.open(new FsStore(join(repo.store.location), { fsync: false }), 'correct horse', { cacheDir: null });
      assert.equal(noCache.seen, null);
    } finally {
      t.cleanup();
    }
  });
});
