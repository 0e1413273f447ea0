/**
 * A sequential read keeps `concurrency` downloads ahead but decodes (opens and decompresses) only DECODE_AHEAD chunks
 * ahead of the one being consumed: the window holds small stored bodies, not plaintexts of up to 4 MiB each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { ChunkStore, DECODE_AHEAD } from '../../src/repo/chunk-store.js';
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
