/**
 * Chunk memory is reused (src/chunker/pool.ts): the writer's chunks come from a pool and the chunk store gives each
 * back once it is compressed. A chunk given back too early would be overwritten by the next chunks before it is
 * compressed and stored; these tests hold uploads back (slow puts, few in flight) so that such a mistake shows as
 * chunks that do not match their IDs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ChunkPool } from '../../src/chunker/index.js';
import { FsStore } from '../../src/store/fs.js';
import type { ObjectKind } from '../../src/store/types.js';
import { Repository } from '../../src/repo/repository.js';
import { ChunkStore } from '../../src/repo/chunk-store.js';
import { ByteBudget } from '../../src/repo/limiter.js';
import { generateMasterKey } from '../../src/crypto/keys.js';
import { silentLogger } from '../../src/log.js';
import { bytes, collect, pieces, tempDir, TEST_CHUNKER, TEST_KDF } from './helpers.js';

test('the pool hands out views of reused buffers, keeps at most `keep` free ones, and takes a chunk back once', () => {
  const pool = new ChunkPool({ small: 1024, max: 4096, keep: 2 });
  const a = pool.take(1000);
  assert.equal(a.length, 1000);
  assert.equal(a.buffer.byteLength, 1024);
  const big = pool.take(1025);
  assert.equal(big.buffer.byteLength, 4096);
  assert.throws(() => pool.take(4097), RangeError);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.freeBuffers, 1, 'giving a chunk back twice keeps its buffer once');
  const b = pool.take(10);
  assert.equal(b.buffer, a.buffer, 'a free buffer of the right size is reused');
  assert.equal(pool.freeBuffers, 0);
  assert.notEqual(pool.take(10).buffer, a.buffer, 'a buffer in use is never handed out twice');
  pool.give(b);
  pool.give(big);
  pool.give(pool.take(3000));
  assert.equal(pool.freeBuffers, 2, 'no more than keep free buffers');
  pool.give(new Uint8Array(1024));
  assert.equal(pool.freeBuffers, 2);
});

test('buffers given back while `keep` are free are freed at once; the kept ones stay intact', () => {
  const small = 64 * 1024;
  const pool = new ChunkPool({ small, max: 4 * small, keep: 1 });
  const a = pool.take(small);
  const b = pool.take(small);
  const big = pool.take(3 * small);
  a.fill(1);
  pool.give(a);
  assert.equal(pool.freed, 0);
  pool.give(b);
  assert.equal(pool.freed, 1, 'one free buffer is kept, the next one given back is freed');
  assert.equal(b.length, 0, 'the freed chunk is empty, not silently reused');
  pool.give(b);
  assert.equal(pool.freed, 1, 'giving a freed chunk back again does nothing');
  pool.give(big);
  assert.equal(pool.freed, 2);
  const again = pool.take(100);
  assert.equal(again.buffer, a.buffer, 'the kept buffer is handed out again');
  assert.equal(again.buffer.byteLength, small);
});

/** FsStore whose data puts wait, so chunks stay in flight while the writer goes on chunking. */
class SlowStore extends FsStore {
  delays = 0;
  override async put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> {
    if (kind === 'data') {
      this.delays++;
      await new Promise((r) => setTimeout(r, 1 + (this.delays % 7)));
    }
    return super.put(kind, name, body);
  }
}

test('pooled chunks survive slow uploads, duplicates in flight and reuse: every chunk reads back and matches its ID', async () => {
  const t = tempDir();
  try {
    const store = new SlowStore(join(t.path, 'repo'), { fsync: false });
    const repo = await Repository.init(store, 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: null, concurrency: 2 });
    // Random data (stored raw) and text (gzip), with a repeated block: its chunks come again while the first
    // copies may still be uploading.
    const block = bytes(300_000, 7, true);
    const data = Buffer.concat([bytes(400_000, 1), block, bytes(200_000, 2, true), block, bytes(300_000, 3)]);
    const w = repo.writer();
    for await (const p of pieces(data, 10_007)) await w.write(p);
    const saved = await w.finish();
    assert.ok(saved.chunks >= 40, `${saved.chunks} chunks`);
    assert.ok(saved.added.newChunks < saved.chunks, 'the repeated block was deduplicated');
    assert.ok((await collect(repo.readStream(saved.list))).equals(data));

    // A second stream sharing most chunks with the first. Reused chunks are held for their existence check and
    // uploaded again from the bytes held if they are missing: delete some, so that path runs.
    const names: string[] = [];
    for await (const o of store.list('data')) names.push(o.name);
    for (const n of names.filter((_, i) => i % 3 === 0)) await store.delete('data', n);
    const again = await Repository.open(store, 'pw', { cacheDir: null, concurrency: 2 });
    const data2 = Buffer.concat([data.subarray(0, 900_000), bytes(100_000, 9, true), data.subarray(900_000)]);
    const w2 = again.writer();
    for await (const p of pieces(data2, 4099)) await w2.write(p);
    const saved2 = await w2.finish();
    assert.ok(saved2.added.newChunks < saved2.chunks / 2, `${saved2.added.newChunks} of ${saved2.chunks} chunks new`);
    assert.ok(again.chunks.reuseStats.missing >= 5, `${again.chunks.reuseStats.missing} missing chunks uploaded again`);
    assert.ok((await collect(again.readStream(saved2.list))).equals(data2));
  } finally {
    t.cleanup();
  }
});

test('a byte budget grants in order of arrival, lets an oversized request through alone, and refuses over-release', async () => {
  const b = new ByteBudget(10);
  const order: string[] = [];
  await b.acquire(6);
  const p7 = b.acquire(7).then(() => order.push('7'));
  const p1 = b.acquire(1).then(() => order.push('1')); // fits now, but waits behind the 7 (no overtaking)
  const p20 = b.acquire(20).then(() => order.push('20'));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order, []);
  b.release(6);
  await Promise.all([p7, p1]);
  assert.deepEqual(order, ['7', '1']);
  assert.equal(b.held, 8);
  b.release(8);
  await p20;
  assert.deepEqual(order, ['7', '1', '20'], 'larger than the limit: granted once nothing else is held');
  assert.equal(b.held, 20);
  b.release(20);
  assert.throws(() => b.release(1), /more were released/);
});

test('chunks lent for compression are bounded in bytes: save waits until earlier chunks are compressed and given back', async () => {
  const t = tempDir();
  try {
    const store = new FsStore(join(t.path, 'repo'), { fsync: false });
    // Room for one pooled buffer of 64 KiB at a time, although 8 uploads may be in flight.
    const chunks = new ChunkStore(store, generateMasterKey(), { concurrency: 8, indexBatch: 1000, cache: null, logger: silentLogger, compressBytes: 64 * 1024 });
    const pool = new ChunkPool({ small: 64 * 1024, max: 64 * 1024, keep: 2 });
    const given: boolean[] = [];
    const lend = (i: number): Uint8Array => {
      const c = pool.take(50_000);
      c.set(bytes(50_000, 100 + i, true));
      given[i] = false;
      return c;
    };
    for (let i = 0; i < 6; i++) {
      const c = lend(i);
      await chunks.save(chunks.idOf(c), c, undefined, () => { given[i] = true; pool.give(c); });
      // Once save(i) has returned, every earlier chunk has been compressed and given back: at most one is held.
      assert.deepEqual(given.slice(0, i), Array.from({ length: i }, () => true), `after save(${i})`);
    }
    await chunks.flush();
    assert.equal(chunks.stats.newChunks, 6);
    for (let i = 0; i < 6; i++) {
      const expect = bytes(50_000, 100 + i, true);
      assert.ok(Buffer.from(await chunks.load(chunks.idOf(expect))).equals(expect), `chunk ${i} reads back as its own bytes`);
    }
  } finally {
    t.cleanup();
  }
});
