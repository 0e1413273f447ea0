import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { chunkCompressionOf } from '../../src/repo/format.js';
import { zstdAvailable } from '../../src/crypto/compress.js';
import { ConfigError } from '../../src/errors.js';
import { bytes, collect, collectMembers, pieces, testRepo } from './helpers.js';

test('a zstd repository records zstd-frame-v1, round-trips whole, by range and as .sql.gz, and stores less than gzip', async (t) => {
  if (!zstdAvailable()) {
    // Node.js < 22.15: init refuses before writing anything, naming the Node.js version it needs.
    await assert.rejects(testRepo({ compression: 'zstd' }), (e: unknown) => e instanceof ConfigError && /Node\.js 22\.15/.test(e.message));
    t.diagnostic('zstd not available in this Node.js: checked that init refuses it');
    return;
  }
  const data = bytes(600_000, 11, true);
  const stored: Record<string, number> = {};
  for (const compression of ['gzip', 'zstd'] as const) {
    const { repo, dir, cacheDir, cleanup } = await testRepo({ compression });
    try {
      const w = repo.writer();
      for await (const p of pieces(data, 7919)) await w.write(p);
      const saved = await w.finish();
      stored[compression] = saved.added.storedBytes;
      const again = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir });
      assert.equal(again.settings.compression, compression === 'zstd' ? 'zstd-frame-v1' : 'gzip-member-v1');
      assert.equal(again.compression, compression);
      assert.deepEqual(await collect(again.readStream(saved.list)), Buffer.from(data));
      assert.deepEqual(await collect(again.readStream(saved.list, { start: 1000, end: 250_000 })), Buffer.from(data.subarray(1000, 250_000)));
      assert.deepEqual(gunzipSync(await collectMembers(again.readGzip(saved.list))), Buffer.from(data));
    } finally {
      cleanup();
    }
  }
  assert.ok(stored.zstd! < stored.gzip!, `zstd ${stored.zstd} < gzip ${stored.gzip}`);
});

test('settings naming an unknown compression scheme are refused with "upgrade pgvault"; known ones map to a method', () => {
  const chunker = { min: 1, avg: 2, max: 4 };
  assert.equal(chunkCompressionOf({ chunker, compression: 'gzip-member-v1' }, '/r'), 'gzip');
  assert.equal(chunkCompressionOf({ chunker, compression: 'zstd-frame-v1' }, '/r'), 'zstd');
  for (const c of ['brotli-v9', 'constructor', '']) {
    assert.throws(() => chunkCompressionOf({ chunker, compression: c }, '/r'),
      (e: unknown) => e instanceof ConfigError && /upgrade pgvault/.test(e.message) && e.message.includes('/r'));
  }
});

test('a writer with compress: false stores its data chunks raw, even compressible ones; they read back, whole and as .sql.gz', async () => {
  const data = new TextEncoder().encode(Array.from({ length: 40_000 }, (_, i) => `${i}\tsome row of text\t${i % 97}\n`).join(''));
  const { repo, cleanup } = await testRepo();
  try {
    const plain = repo.writer();
    for await (const p of pieces(data, 65_536)) await plain.write(p);
    const packed = await plain.finish();
    const { repo: other, cleanup: cleanupOther } = await testRepo();
    try {
      const raw = other.writer({ compress: false });
      for await (const p of pieces(data, 65_536)) await raw.write(p);
      const saved = await raw.finish();
      assert.deepEqual(saved.list.map((r) => r.length), packed.list.map((r) => r.length), 'same chunking');
      assert.ok(packed.added.storedBytes < data.length / 2, `compressed: ${packed.added.storedBytes}`);
      assert.ok(saved.added.storedBytes > data.length, `raw: ${saved.added.storedBytes} of ${data.length}`);
      let spans = 0;
      for await (const span of other.readWithMembers(saved.list)) {
        assert.equal(span.member, undefined, 'a raw chunk has no stored gzip member');
        spans++;
      }
      assert.ok(spans >= 1);
      assert.deepEqual(await collect(other.readStream(saved.list)), Buffer.from(data));
      assert.deepEqual(gunzipSync(await collectMembers(other.readGzip(saved.list))), Buffer.from(data));
    } finally {
      cleanupOther();
    }
  } finally {
    cleanup();
  }
});
