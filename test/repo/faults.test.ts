/**
 * The repository under store faults: a failed upload fails the save (no silent loss), the next save
 * reuses what was stored; a lost response after a successful write is harmless; uploads run with the
 * configured concurrency, no more; prefetching reads stay ordered under random latency.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { FaultyStore } from '../../src/store/faulty.js';
import { Repository } from '../../src/repo/repository.js';
import { IntegrityError, StoreUnavailableError } from '../../src/errors.js';
import { bytes, collect, collectMembers, pieces, tempDir, TEST_CHUNKER, TEST_KDF } from './helpers.js';

async function setup(opts: { concurrency?: number } = {}) {
  const t = tempDir();
  const faulty = new FaultyStore(new FsStore(join(t.path, 'repo'), { fsync: false }));
  const repo = await Repository.init(faulty, 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: null, ...opts });
  return { t, faulty, repo };
}

async function save(repo: Repository, data: Uint8Array) {
  const w = repo.writer();
  for await (const p of pieces(data, 50_000)) await w.write(p);
  return w.finish();
}

test('a failed upload fails the save; the next save reuses the chunks that were stored', async () => {
  const { t, faulty, repo } = await setup();
  try {
    const data = bytes(800_000, 21, true);
    faulty.fail({ methods: 'put', kinds: 'data', nth: 20 });
    await assert.rejects(save(repo, data), StoreUnavailableError);
    faulty.clearFaults();
    // A new session (as after a crash): what was uploaded and indexed is reused.
    const again = await Repository.open(faulty, 'pw', { cacheDir: null });
    faulty.resetStats();
    const saved = await save(again, data);
    assert.ok(saved.added.newChunks <= saved.chunks - 15, `reused the chunks stored before the failure (${saved.added.newChunks} new of ${saved.chunks})`);
    assert.deepEqual(await collect(again.readStream(saved.list)), Buffer.from(data));
  } finally {
    t.cleanup();
  }
});

test('a response lost after a successful write surfaces as an error, and a retry of the save completes', async () => {
  const { t, faulty, repo } = await setup();
  try {
    const data = bytes(300_000, 22, true);
    faulty.dropConnection({ methods: 'put', kinds: 'data', nth: 3 });
    await assert.rejects(save(repo, data));
    faulty.clearFaults();
    const saved = await save(repo, data);
    assert.deepEqual(await collect(repo.readStream(saved.list)), Buffer.from(data));
  } finally {
    t.cleanup();
  }
});

test('uploads run with the configured concurrency, and reads stay in order under random latency', async () => {
  const { t, faulty, repo } = await setup({ concurrency: 3 });
  try {
    let inFlight = 0;
    let peak = 0;
    const inner = faulty.inner;
    const origPut = inner.put.bind(inner);
    inner.put = async (kind, name, body) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      try { return await origPut(kind, name, body); } finally { inFlight--; }
    };
    const data = bytes(600_000, 23, false);
    const saved = await save(repo, data);
    assert.ok(peak <= 3, `at most 3 uploads in flight, saw ${peak}`);
    assert.ok(peak >= 2, `uploads overlap (peak ${peak})`);
    faulty.setLatency(() => Math.floor(Math.random() * 15));
    assert.deepEqual(await collect(repo.readStream(saved.list)), Buffer.from(data));
  } finally {
    t.cleanup();
  }
});

test('a body corrupted in transit (200, wrong bytes) is downloaded once more before it counts as damage', async () => {
  const { t, faulty, repo } = await setup();
  try {
    const data = bytes(300_000, 23, true);
    const saved = await save(repo, data);
    const manifest = Buffer.from('{"small":"sealed object"}');
    await repo.putSealed('snapshots', 'ab'.repeat(32), manifest);
    const dataId = faulty.calls.find((c) => c.method === 'put' && c.kind === 'data')!.name!;

    // Once: every kind of read recovers with one more download of that object.
    faulty.resetStats();
    const once = faulty.corruptReads({ kinds: 'data', match: (c) => c.name === dataId });
    assert.deepEqual(await collect(repo.readStream(saved.list)), Buffer.from(data));
    assert.equal(once.hits, 1);
    assert.equal(faulty.calls.filter((c) => c.method === 'get' && c.name === dataId).length, 2, 'read twice');
    once.remove();
    const gz = faulty.corruptReads({ kinds: 'data', match: (c) => c.name === dataId });
    assert.ok((await collectMembers(repo.readGzip(saved.list))).length > 0);
    assert.equal(gz.hits, 1);
    gz.remove();
    faulty.corruptReads({ kinds: 'snapshots' });
    assert.deepEqual(Buffer.from(await repo.getSealed('snapshots', 'ab'.repeat(32))), manifest);
    faulty.clearFaults();

    // Twice in a row: it is damaged, and says so.
    faulty.corruptReads({ kinds: 'data', match: (c) => c.name === dataId, times: 2 });
    await assert.rejects(collect(repo.readStream(saved.list)), (e: unknown) => e instanceof IntegrityError && e.message.includes(dataId));
    faulty.clearFaults();
    faulty.corruptReads({ kinds: 'snapshots', times: 2 });
    await assert.rejects(repo.getSealed('snapshots', 'ab'.repeat(32)), IntegrityError);
  } finally {
    t.cleanup();
  }
});
