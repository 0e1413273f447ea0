/**
 * check: a healthy repository passes (structure and --read-data); a deleted chunk, a flipped byte in a
 * chunk (found by --read-data) and a flipped byte in a manifest are each reported as errors naming the
 * snapshot, database and object; read-data subsets partition the chunks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { checkRepository, checkFailure } from '../../src/maintenance/check.js';
import { parseSubset, subsetFilter } from '../../src/maintenance/subset.js';
import { ExitCode, IntegrityError, UsageError } from '../../src/errors.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { testRepo } from '../repo/helpers.js';
import { content, dataPath, flipByte, referencedBy, synthSnapshot } from './helpers.js';

describe('check', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  let snapA: string;
  let snapB: string;

  before(async () => {
    ({ repo, dir, cacheDir, cleanup } = await testRepo());
    snapA = await synthSnapshot(repo, content(400_000, 1), 'alpha');
    snapB = await synthSnapshot(repo, content(300_000, 2), 'beta');
  });
  after(() => cleanup());

  const reopen = (): Promise<Repository> => Repository.open(new FsStore(dir, { fsync: false }), 'correct horse', { cacheDir });

  test('a healthy repository passes, with and without --read-data', async () => {
    const r = await checkRepository(repo);
    assert.equal(r.ok, true, JSON.stringify(r.problems));
    assert.equal(r.snapshots, 2);
    const all = new Set([...await referencedBy(repo, snapA), ...await referencedBy(repo, snapB)]);
    assert.equal(r.referencedChunks, all.size);
    assert.equal(r.dataObjects, all.size);
    assert.equal(r.unreferenced.count, 0);
    assert.equal(r.readData, null);
    const full = await checkRepository(repo, { readData: true });
    assert.equal(full.ok, true);
    const a = await loadSnapshot(repo, snapA);
    const b = await loadSnapshot(repo, snapB);
    const listChunks = new Set([...a.dump.list, ...b.dump.list].map((x) => x.id)).size;
    assert.equal(full.readData!.selected, all.size - listChunks, 'every data chunk is read (list chunks are verified while reading refs)');
    assert.equal(full.readData!.verified, full.readData!.selected);
    assert.equal(full.readData!.bytes, 700_000);
  });

  test('read-data subsets: n/m partitions are disjoint and cover every chunk; a percentage picks about that share', async () => {
    const partSets: Set<string>[] = [];
    for (let n = 1; n <= 3; n++) {
      const f = subsetFilter(parseSubset(`${n}/3`));
      const r = await checkRepository(repo, { readData: true, subset: parseSubset(`${n}/3`) });
      assert.equal(r.ok, true);
      assert.equal(r.readData!.verified, r.readData!.selected);
      const ids = new Set<string>();
      for (const s of [snapA, snapB]) for (const id of await referencedBy(repo, s)) if (f(id)) ids.add(id);
      partSets.push(ids);
    }
    const full = await checkRepository(repo, { readData: true });
    const sum = (await Promise.all([1, 2, 3].map(async (n) => (await checkRepository(repo, { readData: true, subset: parseSubset(`${n}/3`) })).readData!.selected)))
      .reduce((x, y) => x + y, 0);
    assert.equal(sum, full.readData!.selected, 'the three partitions together read every data chunk once');
    for (let i = 0; i < 3; i++) for (let j = i + 1; j < 3; j++) for (const id of partSets[i]!) assert.ok(!partSets[j]!.has(id));
    const half = await checkRepository(repo, { readData: true, subset: parseSubset('50%'), seed: new Uint8Array([7]) });
    const n = full.readData!.selected;
    assert.ok(half.readData!.selected > n * 0.25 && half.readData!.selected < n * 0.75, `50% picked ${half.readData!.selected} of ${n}`);
    assert.equal((await checkRepository(repo, { readData: true, subset: parseSubset('100%') })).readData!.selected, n);
    assert.throws(() => parseSubset('0/3'), UsageError);
    assert.throws(() => parseSubset('4/3'), UsageError);
    assert.throws(() => parseSubset('0%'), UsageError);
    assert.throws(() => parseSubset('ten'), UsageError);
  });

  test('a flipped byte in a data chunk is found by --read-data (not by the structure check) and named', async () => {
    const a = await loadSnapshot(repo, snapA);
    const listIds = new Set(a.dump.list.map((r) => r.id));
    const target = [...await referencedBy(repo, snapA)].find((id) => !listIds.has(id))!;
    flipByte(dataPath(dir, target));
    try {
      const fresh = await reopen();
      const structural = await checkRepository(fresh);
      assert.equal(structural.ok, true, 'existence checks do not read data chunks');
      const r = await checkRepository(fresh, { readData: true });
      assert.equal(r.ok, false);
      const errs = r.problems.filter((p) => p.severity === 'error');
      assert.equal(errs.length, 1);
      assert.equal(errs[0]!.code, 'chunk-damaged');
      assert.equal(errs[0]!.object, `data/${target}`);
      assert.equal(errs[0]!.database, 'alpha');
      assert.match(errs[0]!.message, new RegExp(`data/${target}.*snapshot ${snapA.slice(0, 12)} of database alpha`));
      const e = checkFailure(r);
      assert.ok(e instanceof IntegrityError);
      assert.equal(e.exitCode, ExitCode.INTEGRITY);
    } finally {
      flipByte(dataPath(dir, target)); // flip back (XOR)
    }
    assert.equal((await checkRepository(await reopen(), { readData: true })).ok, true);
  });

  test('a deleted data chunk is an error naming snapshot, database and chunk', async () => {
    const b = await loadSnapshot(repo, snapB);
    const listIds = new Set(b.dump.list.map((r) => r.id));
    const target = [...await referencedBy(repo, snapB)].find((id) => !listIds.has(id))!;
    const saved = await repo.store.get('data', target);
    await repo.store.delete('data', target);
    try {
      const r = await checkRepository(await reopen());
      assert.equal(r.ok, false);
      const missing = r.problems.filter((p) => p.code === 'chunk-missing');
      assert.equal(missing.length, 1);
      assert.equal(missing[0]!.snapshot, snapB);
      assert.equal(missing[0]!.database, 'beta');
      assert.equal(missing[0]!.object, `data/${target}`);
      assert.match(missing[0]!.message, /snapshot .* \(database beta\) references chunk data\/[0-9a-f]{64}, which is missing/);
      const stale = r.problems.filter((p) => p.code === 'index-entry-missing');
      assert.equal(stale.length, 1, 'the index still lists it: backups would skip uploading it');
    } finally {
      await repo.store.put('data', target, saved);
    }
  });

  test('a deleted chunk-list chunk is reported', async () => {
    const a = await loadSnapshot(repo, snapA);
    const target = a.dump.list[0]!.id;
    const saved = await repo.store.get('data', target);
    await repo.store.delete('data', target);
    try {
      const r = await checkRepository(await reopen());
      assert.equal(r.ok, false);
      const m = r.problems.find((p) => p.code === 'chunk-missing' && p.object === `data/${target}`);
      assert.ok(m);
      assert.match(m.message, /chunk-list chunk/);
      assert.equal(m.database, 'alpha');
    } finally {
      await repo.store.put('data', target, saved);
    }
  });

  test('a flipped byte in a manifest is an error naming the snapshot; an unreferenced chunk is only information', async () => {
    const p = join(dir, 'snapshots', snapB);
    flipByte(p);
    try {
      const r = await checkRepository(await reopen());
      assert.equal(r.ok, false);
      const bad = r.problems.filter((x) => x.severity === 'error');
      assert.equal(bad.length, 1);
      assert.equal(bad[0]!.code, 'snapshot-unreadable');
      assert.equal(bad[0]!.snapshot, snapB);
      assert.ok(r.unreferenced.count > 0, 'the chunks only snapB used now look unreferenced');
      assert.ok(r.problems.some((x) => x.code === 'unreferenced' && x.severity === 'info'));
    } finally {
      flipByte(p);
    }
    const ok = await checkRepository(await reopen());
    assert.equal(ok.ok, true);
    rmSync(join(cacheDir), { recursive: true, force: true });
  });
});
