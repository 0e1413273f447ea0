/**
 * prune: removes exactly the data objects no snapshot references (and compacts the index), kept
 * snapshots still restore, a backup afterwards re-uploads pruned chunks (in the same process and on a
 * reopened repository with its cache), the grace period spares recent uploads, a prune interrupted in
 * either deletion phase completes when run again, --dry-run changes nothing.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { prune, planPrune } from '../../src/maintenance/prune.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { LockedError, StoreUnavailableError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { testRepo } from '../repo/helpers.js';
import { content, FaultyStore, names, referencedBy, restoreBytes, synthSnapshot } from './helpers.js';

describe('prune', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  beforeEach(async () => { ({ repo, dir, cacheDir, cleanup } = await testRepo({ indexBatch: 7 })); });
  afterEach(() => cleanup());

  const open = (store = new FsStore(dir, { fsync: false }) as ConstructorParameters<typeof FaultyStore>[0]): Promise<Repository> =>
    Repository.open(store, 'correct horse', { cacheDir, indexBatch: 7 });

  /** Three snapshots sharing content; snapshot A is then "forgotten" (its manifest removed). */
  async function scenario(): Promise<{ a: string; b: string; c: string; dataA: Uint8Array; dataB: Uint8Array; dataC: Uint8Array }> {
    const shared = content(150_000, 9);
    const dataA = Buffer.concat([content(200_000, 1), shared]);
    const dataB = Buffer.concat([content(120_000, 2), shared]);
    const dataC = content(180_000, 3);
    const a = await synthSnapshot(repo, dataA, 'app');
    const b = await synthSnapshot(repo, dataB, 'app');
    const c = await synthSnapshot(repo, dataC, 'other');
    await repo.store.delete('snapshots', a); // forget
    return { a, b, c, dataA, dataB, dataC };
  }

  test('deletes exactly the unreferenced chunks, compacts the index, kept snapshots restore, later backups re-upload', async () => {
    const { a, b, c, dataA, dataB, dataC } = await scenario();
    const before = await names(repo.store, 'data');
    const keep = new Set([...await referencedBy(repo, b), ...await referencedBy(repo, c)]);
    const expectedGone = new Set([...before].filter((id) => !keep.has(id)));
    assert.ok(expectedGone.size > 5, 'the forgotten snapshot had chunks of its own');
    const indexBefore = await names(repo.store, 'index');
    assert.ok(indexBefore.size > 3);

    const dry = await prune(repo, { dryRun: true, graceMs: 0 });
    assert.equal(dry.result, null);
    assert.deepEqual(new Set(dry.plan.deleteData.map((d) => d.name)), expectedGone);
    assert.deepEqual(await names(repo.store, 'data'), before, 'dry run deletes nothing');

    const { plan, result } = await prune(repo, { graceMs: 0 });
    assert.ok(result);
    assert.equal(result.deletedData, expectedGone.size);
    assert.equal(result.deletedBytes, plan.deleteBytes);
    assert.deepEqual(await names(repo.store, 'data'), keep, 'exactly the referenced chunks remain');
    const indexAfter = await names(repo.store, 'index');
    assert.equal(indexAfter.size, 1, 'one compacted index object');
    for (const n of indexBefore) assert.ok(!indexAfter.has(n), 'superseded index objects are gone');
    const entries = await repo.chunks.readIndex([...indexAfter][0]!);
    assert.deepEqual(new Set(entries.map((e) => e.id)), keep, 'the index lists exactly what exists');

    assert.deepEqual(await restoreBytes(repo, b), Buffer.from(dataB));
    assert.deepEqual(await restoreBytes(repo, c), Buffer.from(dataC));
    const chk = await checkRepository(repo, { readData: true });
    assert.equal(chk.ok, true, JSON.stringify(chk.problems));
    assert.equal(chk.unreferenced.count, 0);

    // Same process: the known-chunk set was reset, so backing up A's content again uploads the pruned chunks.
    const a2 = await synthSnapshot(repo, dataA, 'app');
    assert.ok((await names(repo.store, 'data')).size > keep.size);
    assert.deepEqual(await restoreBytes(repo, a2), Buffer.from(dataA));
    assert.equal((await checkRepository(repo, { readData: true })).ok, true);
    void a;

    // Another process with the (now stale) local cache: it must not believe pruned chunks exist.
    await repo.store.delete('snapshots', a2);
    await prune(repo, { graceMs: 0 });
    const other = await open();
    const a3 = await synthSnapshot(other, dataA, 'app');
    assert.deepEqual(await restoreBytes(other, a3), Buffer.from(dataA));
    const final = await checkRepository(other, { readData: true });
    assert.equal(final.ok, true, JSON.stringify(final.problems));
  });

  test('the grace period keeps recently written unreferenced chunks; they go once old enough', async () => {
    await scenario();
    const before = await names(repo.store, 'data');
    const r1 = await prune(repo); // default grace: 24 h
    assert.equal(r1.plan.deleteData.length, 0);
    assert.ok(r1.plan.keptRecent.count > 5);
    assert.deepEqual(await names(repo.store, 'data'), before);
    const later = Date.now() + 25 * 3_600_000;
    const r2 = await prune(repo, { now: () => later });
    assert.equal(r2.result!.deletedData, r1.plan.keptRecent.count);
    assert.equal((await checkRepository(repo)).ok, true);
  });

  test('a prune interrupted while deleting data completes when run again', async () => {
    const { b, c, dataB } = await scenario();
    const keep = new Set([...await referencedBy(repo, b), ...await referencedBy(repo, c)]);
    const faulty = new FaultyStore(new FsStore(dir, { fsync: false }), { failDelete: { kind: 'data', after: 3 } });
    const r = await open(faulty);
    await assert.rejects(prune(r, { graceMs: 0, concurrency: 1 }), StoreUnavailableError);
    assert.ok((await names(repo.store, 'data')).size > keep.size, 'stopped midway');
    const mid = await checkRepository(await open());
    assert.equal(mid.ok, true, `an interrupted prune leaves a consistent repository: ${JSON.stringify(mid.problems)}`);
    faulty.faults = {};
    const again = await prune(r, { graceMs: 0 });
    assert.ok(again.result!.deletedData > 0);
    assert.deepEqual(await names(repo.store, 'data'), keep);
    assert.deepEqual(await restoreBytes(r, b), Buffer.from(dataB));
    assert.equal((await checkRepository(r, { readData: true })).ok, true);
    const third = await prune(r, { graceMs: 0 });
    assert.equal(third.plan.deleteData.length, 0, 'nothing left: prune is idempotent');
    assert.equal(third.plan.index.rewrite, false);
  });

  test('a prune interrupted while replacing index objects completes when run again', async () => {
    const { b, c } = await scenario();
    const keep = new Set([...await referencedBy(repo, b), ...await referencedBy(repo, c)]);
    const faulty = new FaultyStore(new FsStore(dir, { fsync: false }), { failDelete: { kind: 'index', after: 1 } });
    const r = await open(faulty);
    await assert.rejects(prune(r, { graceMs: 0, concurrency: 1 }), StoreUnavailableError);
    const mid = await checkRepository(await open());
    assert.equal(mid.ok, true, JSON.stringify(mid.problems));
    faulty.faults = {};
    await prune(r, { graceMs: 0 });
    assert.deepEqual(await names(repo.store, 'data'), keep);
    assert.equal((await names(repo.store, 'index')).size, 1);
    assert.equal((await checkRepository(r, { readData: true })).ok, true);
  });

  test('a lost lock stops prune before its next deletion; the repository stays consistent and a rerun finishes', async () => {
    const { b, c } = await scenario();
    const keep = new Set([...await referencedBy(repo, b), ...await referencedBy(repo, c)]);
    let calls = 0;
    const assertLocked = (): void => { if (++calls > 4) throw new LockedError('our exclusive lock was removed by someone else'); };
    await assert.rejects(prune(repo, { graceMs: 0, concurrency: 1, assertLocked }), LockedError);
    assert.ok((await names(repo.store, 'data')).size > keep.size, 'stopped before deleting everything');
    assert.equal((await checkRepository(await open())).ok, true);
    await prune(repo, { graceMs: 0 });
    assert.deepEqual(await names(repo.store, 'data'), keep);
  });

  test('a store that does not report modification times: nothing unreferenced is deleted while a grace period applies', async () => {
    await scenario();
    const before = await names(repo.store, 'data');
    const inner = new FsStore(dir, { fsync: false });
    const noTimes = new FaultyStore(inner);
    noTimes.list = (kind) => inner.list(kind); // drops { modified: true }
    const warnings: string[] = [];
    const r = await open(noTimes);
    const { plan } = await prune(r, { logger: { debug() {}, info() {}, error() {}, warn: (m) => { warnings.push(m); } }, now: () => Date.now() + 48 * 3_600_000 });
    assert.equal(plan.deleteData.length, 0);
    assert.ok(plan.keptRecent.count > 5);
    assert.match(warnings.join('\n'), /does not report when they were written/);
    assert.deepEqual(await names(repo.store, 'data'), before);
  });

  test('index entries of missing chunks are dropped, so the next backup uploads them again', async () => {
    const data = content(200_000, 4);
    const s = await synthSnapshot(repo, data, 'app');
    const victim = [...await referencedBy(repo, s)].at(-1)!;
    await repo.store.delete('data', victim);
    const plan = await planPrune(repo, { graceMs: 0 });
    assert.equal(plan.missingReferenced.count, 1);
    assert.equal(plan.index.droppedMissing, 1);
    await repo.store.delete('snapshots', s); // the damaged snapshot is forgotten
    await prune(repo, { graceMs: 0 });
    const again = await open();
    const s2 = await synthSnapshot(again, data, 'app');
    assert.deepEqual(await restoreBytes(again, s2), Buffer.from(data));
    assert.equal((await checkRepository(again, { readData: true })).ok, true);
  });
  test('prune removes the debris of killed processes: temporary files older than the grace period and stale locks', async () => {
    await synthSnapshot(repo, content(100_000, 4), 'app');
    const sub = readdirSync(join(dir, 'data')).find((d) => d.length === 2)!;
    const old = new Date(Date.now() - 3 * 3_600_000);
    const debris = [join(dir, 'data', sub, '.tmp-0011223344556677'), join(dir, 'index', '.tmp-8899aabbccddeeff'), join(dir, '.tmp-0123456789abcdef')];
    for (const f of debris) { writeFileSync(f, 'partial'); utimesSync(f, old, old); }
    const young = join(dir, 'snapshots', '.tmp-fedcba9876543210');
    writeFileSync(young, 'still being written');
    const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
    const now = new Date().toISOString();
    const lockInfo = { version: 1, mode: 'shared', operation: 'backup', host: hostname(), pid: dead, username: 'postgres', time: now, refreshed: now };
    await repo.putSealed('locks', 'cd'.repeat(16), new TextEncoder().encode(JSON.stringify(lockInfo)));

    const { result } = await prune(repo, { graceMs: 3_600_000 });
    assert.equal(result!.tempRemoved, 3);
    assert.equal(result!.staleLocksRemoved, 1);
    assert.deepEqual(readdirSync(join(dir, 'data', sub)).filter((n) => n.startsWith('.')), []);
    assert.deepEqual(readdirSync(join(dir, 'snapshots')).filter((n) => n.startsWith('.')), ['.tmp-fedcba9876543210'], 'a recent temporary file stays');
    assert.equal((await names(repo.store, 'locks')).size, 0);
    assert.equal((await checkRepository(repo)).ok, true);
  });
});
