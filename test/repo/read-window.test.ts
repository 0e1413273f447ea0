/**
 * A sequential read keeps `concurrency` downloads ahead but decodes (opens and decompresses) only DECODE_AHEAD chunks
 * ahead of the one being consumed: the window holds small stored bodies, not plaintexts of up to 4 MiB each. On V8 13
 * and later (Node.js 24) it also runs a young-generation collection every READ_GC_EVERY_BYTES of plaintext.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { ChunkStore, DECODE_AHEAD, READ_GC_EVERY_BYTES, defaultReadGcEveryBytes } from '../../src/repo/chunk-store.js';
import { generateMasterKey } from '../../src/crypto/keys.js';
import { silentLogger } from '../../src/log.js';
import { bytes, tempDir } from './helpers.js';

test('a read downloads `concurrency` chunks ahead but decodes at most DECODE_AHEAD ahead, and returns every chunk in order', async () => {
  const t = tempDir();
  try {
    const store = new FsStore(join(t.path, 'repo'), { fsync: false });
    const keys = generateMasterKey();
    const writer = new ChunkStore(store, keys, { concurrency: 4, indexBatch: 1000, cache: null, logger: silentLogger });
    const plain = Array.from({ length: 24 }, (_, i) => bytes(20_000 + i, 500 + i, true));
    const refs = plain.map((p) => ({ id: writer.idOf(p), length: p.length }));
    for (const [i, p] of plain.entries()) await writer.save(refs[i]!.id, p);
    await writer.flush();

    const concurrency = 8;
    const reader = new ChunkStore(store, keys, { concurrency, indexBatch: 1000, cache: null, logger: silentLogger });
    let k = 0;
    for await (const got of reader.read(refs)) {
      assert.ok(Buffer.from(got).equals(plain[k]!), `chunk ${k} in order and intact`);
      const { downloads, decodes } = reader.readCounts;
      assert.ok(decodes <= k + DECODE_AHEAD, `after chunk ${k}: ${decodes} decodes started, at most ${k + DECODE_AHEAD}`);
      assert.ok(downloads >= Math.min(refs.length, k + concurrency), `after chunk ${k}: ${downloads} downloads started, the window runs ahead`);
      k++;
    }
    assert.equal(k, refs.length);
    assert.deepEqual(reader.readCounts, { downloads: refs.length, decodes: refs.length });
  } finally {
    t.cleanup();
  }
});

/** Chunks of `sizes` bytes saved in a fresh local repository; a reader of them built with `opts`. */
async function savedChunks(sizes: number[], opts: { readGcEveryBytes?: number }) {
  const t = tempDir();
  const store = new FsStore(join(t.path, 'repo'), { fsync: false });
  const keys = generateMasterKey();
  const writer = new ChunkStore(store, keys, { concurrency: 4, indexBatch: 1000, cache: null, logger: silentLogger });
  const plain = sizes.map((n, i) => bytes(n, 700 + i, true));
  const refs = plain.map((p) => ({ id: writer.idOf(p), length: p.length }));
  for (const [i, p] of plain.entries()) await writer.save(refs[i]!.id, p);
  await writer.flush();
  const reader = new ChunkStore(store, keys, { concurrency: 4, indexBatch: 1000, cache: null, logger: silentLogger, ...opts });
  return { plain, refs, reader, cleanup: t.cleanup };
}

test('a sequential read runs a young-generation collection every readGcEveryBytes of plaintext (read and readWithMembers)', async () => {
  const { plain, refs, reader, cleanup } = await savedChunks(Array.from({ length: 20 }, () => 30_000), { readGcEveryBytes: 100_000 });
  try {
    let k = 0;
    for await (const got of reader.read(refs)) {
      assert.ok(Buffer.from(got).equals(plain[k]!));
      k++;
      // Counted as each chunk is handed over: the 4th, 8th, ... chunk brings the count since the last one to 120 000.
      assert.equal(reader.readCollections, Math.floor(k / 4), `after ${k} chunks`);
    }
    assert.equal(reader.readCollections, 5);
    for await (const span of reader.readWithMembers(refs)) assert.ok(span.bytes.length > 0);
    assert.equal(reader.readCollections, 10, 'readWithMembers is paced too');
  } finally {
    cleanup();
  }
});

test('readGcEveryBytes 0 leaves sequential reads unpaced', async () => {
  const { refs, reader, cleanup } = await savedChunks(Array.from({ length: 10 }, () => 30_000), { readGcEveryBytes: 0 });
  try {
    for await (const _ of reader.read(refs)) { /* consume */ }
    assert.equal(reader.readCollections, 0);
  } finally {
    cleanup();
  }
});

test('by default sequential reads are paced on V8 13 and later (Node.js 24) only, every READ_GC_EVERY_BYTES', async () => {
  assert.equal(defaultReadGcEveryBytes('13.6.233.17-node.37'), READ_GC_EVERY_BYTES);
  assert.equal(defaultReadGcEveryBytes('12.4.254.21-node.33'), 0);
  assert.equal(defaultReadGcEveryBytes('11.3.244.8-node.25'), 0);
  assert.equal(defaultReadGcEveryBytes(''), 0);
  // This runtime's default, end to end: 5 chunks of 1 MiB pass READ_GC_EVERY_BYTES (2 MiB) twice.
  const { refs, reader, cleanup } = await savedChunks(Array.from({ length: 5 }, () => 1024 * 1024), {});
  try {
    for await (const _ of reader.read(refs)) { /* consume */ }
    const paced = Number.parseInt(process.versions.v8, 10) >= 13;
    assert.equal(reader.readCollections, paced ? 2 : 0, `V8 ${process.versions.v8}`);
  } finally {
    cleanup();
  }
});
