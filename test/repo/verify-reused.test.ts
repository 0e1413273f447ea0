/**
 * Backups no longer trust the index (issue 10 item 3): a chunk the index lists but whose object is gone
 * or truncated is uploaded again by the next backup that reuses it, so that backup restores; reused
 * chunks are proven with HEADs while that is cheaper, with one listing of data/ otherwise.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { truncateSync } from 'node:fs';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { ReusedChunkVerifier } from '../../src/repo/verify-reused.js';
import type { ListOptions, ObjectInfo, ObjectKind, Store } from '../../src/store/types.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { testRepo } from './helpers.js';
import { content, dataPath, referencedBy, restoreBytes, synthSnapshot } from '../maintenance/helpers.js';

/** Counts the requests a Store receives (stat = one HEAD; list of data = one listing). */
class CountingStore implements Store {
  readonly inner: Store;
  heads = 0;
  dataListings = 0;
  constructor(inner: Store) { this.inner = inner; }
  get location(): string { return this.inner.location; }
  put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> { return this.inner.put(kind, name, body); }
  get(kind: ObjectKind, name: string): Promise<Uint8Array> { return this.inner.get(kind, name); }
  stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null> { if (kind === 'data') this.heads++; return this.inner.stat(kind, name); }
  list(kind: ObjectKind, opts?: ListOptions): AsyncIterable<ObjectInfo> { if (kind === 'data') this.dataListings++; return this.inner.list(kind, opts); }
  delete(kind: ObjectKind, name: string): Promise<void> { return this.inner.delete(kind, name); }
  close(): Promise<void> { return this.inner.close(); }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (m: string) => { warnings.push(m); } };
}

describe('reused chunks are proven to exist before a snapshot is committed', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  before(async () => { ({ repo, dir, cacheDir, cleanup } = await testRepo()); });
  after(() => cleanup());

  for (const damage of ['deleted', 'truncated'] as const) {
    test(`a ${damage} chunk the index still lists is uploaded again by the next backup, which restores`, async () => {
      const data = content(300_000, damage === 'deleted' ? 11 : 12);
      const first = await synthSnapshot(repo, data, 'app');
      const victim = [...await referencedBy(repo, first)].at(-1)!;
      if (damage === 'deleted') await repo.store.delete('data', victim);
      else truncateSync(dataPath(dir, victim), 0);

      // Another process (its own Repository, the local cache still listing the chunk) backs up the same data.
      const logger = recordingLogger();
      const again = await Repository.open(new FsStore(dir, { fsync: false }), 'correct horse', { cacheDir, logger });
      const second = await synthSnapshot(again, data, 'app');
      assert.equal(again.chunks.reuseStats.missing, 1);
      assert.equal(logger.warnings.length, 1);
      assert.match(logger.warnings[0]!, new RegExp(`chunk data/${victim} is listed in the index but .* the repository; uploading it again`));
      assert.deepEqual(await restoreBytes(again, second), Buffer.from(data));
      assert.deepEqual(await restoreBytes(again, first), Buffer.from(data), 'the older snapshot is whole again too');
      const report = await checkRepository(again);
      assert.deepEqual(report.problems.filter((p) => p.severity === 'error'), []);
    });
  }

  test('an intact repository: every reused chunk is checked, nothing is uploaded again', async () => {
    const data = content(200_000, 13);
    await synthSnapshot(repo, data, 'app');
    const counting = new CountingStore(new FsStore(dir, { fsync: false }));
    const again = await Repository.open(counting, 'correct horse', { cacheDir });
    await synthSnapshot(again, data, 'app');
    const st = again.chunks.reuseStats;
    assert.ok(st.checked > 5, `checked ${st.checked}`);
    assert.equal(st.missing, 0);
    assert.equal(again.chunks.stats.newChunks, 0, 'nothing uploaded');
    assert.equal(st.heads + st.listings > 0, true);
    assert.equal(counting.heads, st.heads);
  });
});

describe('HEAD or LIST: whichever is cheaper (ski rental)', () => {
  const ids = (n: number, seed: number): string[] =>
    Array.from({ length: n }, (_, i) => i.toString(16).padStart(8, '0') + seed.toString(16).padStart(2, '0').repeat(28));

  async function run(estimatedObjects: number, reused: number, present: Set<string>, sizes: Map<string, number> = new Map()): Promise<{ heads: number; listings: number; reuploaded: string[]; stats: ReusedChunkVerifier['stats'] }> {
    let heads = 0;
    let listings = 0;
    const store: Store = {
      location: 'fake',
      put: () => Promise.reject(new Error('no put')),
      get: () => Promise.reject(new Error('no get')),
      stat: async (_k, name) => { heads++; return present.has(name) ? { name, size: sizes.get(name) ?? 1000 } : null; },
      list: async function* () { listings++; for (const name of present) yield { name, size: sizes.get(name) ?? 1000 }; },
      delete: () => Promise.reject(new Error('no delete')),
      close: async () => {},
    };
    const reuploaded: string[] = [];
    const v = new ReusedChunkVerifier({ store, logger: silentLogger, estimatedObjects: () => estimatedObjects, batchChunks: 32,
      reupload: async (id) => { reuploaded.push(id); } });
    for (const id of ids(reused, 7)) await v.reuse(id, new Uint8Array(10));
    await v.drain();
    return { heads, listings, reuploaded, stats: v.stats };
  }

  test('few reused chunks in a big repository: HEADs, no listing', async () => {
    const all = new Set(ids(40, 7));
    const r = await run(1_000_000, 40, all);
    assert.deepEqual({ heads: r.heads, listings: r.listings, reuploaded: r.reuploaded }, { heads: 40, listings: 0, reuploaded: [] });
  });

  test('many reused chunks in a small repository: one listing, no HEADs', async () => {
    const all = new Set(ids(200, 7));
    const r = await run(5_000, 200, all);
    assert.deepEqual({ heads: r.heads, listings: r.listings }, { heads: 0, listings: 1 });
    assert.equal(r.stats.checked, 200);
  });

  test('HEADs until they would cost more than the listing, then one listing', async () => {
    const all = new Set(ids(300, 7));
    // A listing costs 100 requests: three batches of 32 HEADs (96), then the fourth would pass 100: one listing.
    const r = await run(100_000, 300, all);
    assert.deepEqual({ heads: r.heads, listings: r.listings }, { heads: 96, listings: 1 });
    assert.equal(r.stats.checked, 300);
  });

  test('a repository a listing already pays for is listed as soon as the HEADs would cost as much, and no batch of 32 plaintexts is held', async () => {
    // 5 000 objects: a listing costs 5 requests, less than a batch of 32 HEADs. Before, 32 chunks' plaintexts
    // waited in a batch (plus up to 32 more while it was checked) before the listing was taken.
    const all = ids(40, 7);
    let listed = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const store: Store = {
      location: 'fake',
      put: () => Promise.reject(new Error('no put')),
      get: () => Promise.reject(new Error('no get')),
      stat: () => Promise.reject(new Error('no HEAD expected')),
      list: async function* () { listed++; await gate; for (const name of all) yield { name, size: 1000 }; },
      delete: () => Promise.reject(new Error('no delete')),
      close: async () => {},
    };
    const v = new ReusedChunkVerifier({ store, logger: silentLogger, estimatedObjects: () => 5_000, batchChunks: 32,
      reupload: () => Promise.reject(new Error('nothing is missing')) });
    const plains = all.map(() => new Uint8Array(10));
    for (let i = 0; i < 4; i++) await v.reuse(all[i]!, plains[i]!);
    assert.equal(listed, 0, 'four HEADs would still cost less than the listing');
    await v.reuse(all[4]!, plains[4]!);
    assert.equal(listed, 1, 'the fifth reused chunk started the listing (5 HEADs = 5 LIST pages)');
    // While the listing runs, the next chunks wait in a batch that is checked against the listing as soon as it is
    // done: one more batch of five at most, then backpressure, never a batch of 32.
    let queued = 0;
    const waiting = [5, 6, 7, 8, 9].map((i) => v.reuse(all[i]!, plains[i]!).then(() => { queued++; }));
    await new Promise((r) => setImmediate(r));
    assert.equal(queued, 4, 'four more chunks are queued, the fifth waits for the listing');
    release();
    await Promise.all(waiting);
    for (let i = 10; i < all.length; i++) await v.reuse(all[i]!, plains[i]!);
    await v.drain();
    assert.deepEqual({ listings: v.stats.listings, heads: v.stats.heads, checked: v.stats.checked, missing: v.stats.missing },
      { listings: 1, heads: 0, checked: 40, missing: 0 });
  });

  test('missing and truncated objects are uploaded again, by HEAD and by listing alike', async () => {
    const want = ids(50, 7);
    const present = new Set(want.filter((_, i) => i % 10 !== 3));
    const sizes = new Map([[want[5]!, 0], [want[6]!, 20]]);
    const expected = [want[3], want[5], want[6], want[13], want[23], want[33], want[43]].sort();
    for (const estimated of [1_000_000, 10]) {
      const r = await run(estimated, 50, present, sizes);
      assert.deepEqual(r.reuploaded.sort(), expected, `estimated ${estimated}`);
      assert.equal(r.stats.missing, expected.length);
    }
  });
});
