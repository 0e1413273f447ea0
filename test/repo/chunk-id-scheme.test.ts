/**
 * The chunk-ID scheme (format version 2): recorded at init, used for every object name, and format version 1
 * repositories (keyed BLAKE2b-256, no scheme in their settings) still read, checked and written as they were.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { chunkIdSchemeOf, REPO_VERSION } from '../../src/repo/format.js';
import { createHmac } from 'node:crypto';
import { CHUNK_ID_SCHEMES } from '../../src/crypto/chunk-id.js';
import { generateMasterKey } from '../../src/crypto/keys.js';
import { sodium } from '../../src/crypto/sodium.js';
import { ChunkStore } from '../../src/repo/chunk-store.js';
import { silentLogger } from '../../src/log.js';
import { ConfigError, IntegrityError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { bytes, collect, pieces, tempDir, testRepo } from './helpers.js';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'repo-format-1');
const FIXTURE_PASSWORD = 'pgvault format 1 fixture';

function dataObjects(dir: string): string[] {
  return readdirSync(join(dir, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
}

test('init records the chunk-ID scheme in format version 2, names every object with it, and a reopened repository keeps it', async () => {
  const data = bytes(400_000, 5, true);
  const names: Record<string, string[]> = {};
  for (const scheme of CHUNK_ID_SCHEMES) {
    const { repo, dir, cacheDir, cleanup } = await testRepo({ chunkId: scheme });
    try {
      assert.equal(repo.chunkIdScheme, scheme);
      const config = JSON.parse(readFileSync(join(dir, 'config'), 'utf8')) as { version: number };
      assert.equal(config.version, REPO_VERSION);
      assert.equal(REPO_VERSION, 2);
      const w = repo.writer();
      for await (const p of pieces(data, 7001)) await w.write(p);
      const saved = await w.finish();
      await repo.close();
      const again = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir });
      assert.equal(again.settings.chunkId, scheme);
      assert.equal(again.chunkIdScheme, scheme);
      // Every data object decrypts and verifies under the scheme (load checks the name against the content).
      for (const id of dataObjects(dir)) assert.equal(again.contentId(await again.chunks.load(id)), id);
      assert.deepEqual(await collect(again.readStream(saved.list)), Buffer.from(data));
      // The same bytes again: nothing new.
      const w2 = again.writer();
      for await (const p of pieces(data, 65_536)) await w2.write(p);
      assert.equal((await w2.finish()).added.newChunks, 0);
      names[scheme] = dataObjects(dir);
      await again.close();
    } finally {
      cleanup();
    }
  }
  assert.equal(names['hmac-sha256']!.length, names['blake2b-256-keyed']!.length, 'the same chunk boundaries');
  assert.notDeepEqual(names['hmac-sha256'], names['blake2b-256-keyed']);
});

test('the chunk store names a chunk with HMAC-SHA-256 or keyed BLAKE2b-256 of its plaintext under master.chunkId', async () => {
  for (const scheme of CHUNK_ID_SCHEMES) {
    const t = tempDir();
    try {
      const keys = generateMasterKey();
      const store = new ChunkStore(new FsStore(t.path, { fsync: false }), keys, { concurrency: 2, indexBatch: 10, cache: null, logger: silentLogger, idScheme: scheme });
      const plain = bytes(50_000, 3, true);
      const want = scheme === 'hmac-sha256'
        ? createHmac('sha256', keys.chunkId).update(plain).digest('hex')
        : Buffer.from(sodium.crypto_generichash(32, plain, keys.chunkId)).toString('hex');
      assert.equal(store.idOf(plain), want);
      assert.equal(await store.save(store.idOf(plain), plain), true);
      await store.flush();
      assert.deepEqual(dataObjects(t.path), [want]);
      assert.deepEqual(Buffer.from(await store.load(want)), Buffer.from(plain));
    } finally {
      t.cleanup();
    }
  }
});

test('a version 1 repository (keyed BLAKE2b, written by an earlier pgvault) is read, checked and extended with the same names', async () => {
  const t = tempDir();
  try {
    const dir = join(t.path, 'repo');
    cpSync(FIXTURE, dir, { recursive: true });
    const env = { PGVAULT_PASSWORD: FIXTURE_PASSWORD, PGVAULT_REPOSITORY: dir, PGVAULT_CONFIG: undefined, XDG_CACHE_HOME: join(t.path, 'cache') };
    let r = await runCli(['check', '--read-data'], env);
    assert.equal(r.code, 0, r.stderr);
    r = await runCli(['restore', 'latest', '--stdout'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /COPY public\.item \(id, name, price, tags\) FROM stdin;/);
    assert.match(r.stdout, /COMMENT ON TABLE public\.item IS 'format-1 fixture';/);
    const before = dataObjects(dir);

    const repo = await Repository.open(new FsStore(dir), FIXTURE_PASSWORD, { cacheDir: join(t.path, 'cache') });
    assert.equal(repo.chunkIdScheme, 'blake2b-256-keyed');
    assert.equal(repo.settings.chunkId, undefined);
    // Each stored chunk, named by the earlier pgvault, verifies on load, and this pgvault gives its content the same
    // name: saving it again stores nothing.
    assert.ok(before.length >= 5);
    for (const id of before) {
      const plain = await repo.chunks.load(id);
      assert.equal(repo.contentId(plain), id);
      assert.equal(await repo.chunks.save(id, plain), false, `data/${id} is known`);
    }
    await repo.chunks.flush();
    assert.deepEqual(dataObjects(dir), before);
    const fresh = bytes(200_000, 9, true);
    const w2 = repo.writer();
    for await (const p of pieces(fresh, 4096)) await w2.write(p);
    const added = await w2.finish();
    assert.ok(added.added.newChunks > 0);
    assert.ok(added.list.every((c) => !before.includes(c.id)));
    const after = dataObjects(dir);
    assert.ok(after.length > before.length && before.every((id) => after.includes(id)), 'new data objects beside the old ones');
    await repo.close();
    const config = JSON.parse(readFileSync(join(dir, 'config'), 'utf8')) as { version: number };
    assert.equal(config.version, 1, 'the config is never rewritten');
    r = await runCli(['check', '--read-data'], env);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    t.cleanup();
  }
});

test('an edited config header (its version against the sealed settings) is an integrity error; an unknown scheme asks for an upgrade', async () => {
  const t = tempDir();
  try {
    // Version 1 fixture claiming version 2, and a version 2 repository claiming version 1.
    const v1 = join(t.path, 'v1');
    cpSync(FIXTURE, v1, { recursive: true });
    const v1config = JSON.parse(readFileSync(join(v1, 'config'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(v1, 'config'), JSON.stringify({ ...v1config, version: 2 }));
    await assert.rejects(Repository.open(new FsStore(v1), FIXTURE_PASSWORD, { cacheDir: null }),
      (e: unknown) => e instanceof IntegrityError && /header was altered/.test(e.message) && /"version" back to 1/.test(e.message));
  } finally {
    t.cleanup();
  }
  const { dir, cleanup } = await testRepo({ chunkId: 'hmac-sha256' });
  try {
    const config = JSON.parse(readFileSync(join(dir, 'config'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'config'), JSON.stringify({ ...config, version: 1 }));
    await assert.rejects(Repository.open(new FsStore(dir), 'correct horse', { cacheDir: null }),
      (e: unknown) => e instanceof IntegrityError && /"version" back to 2/.test(e.message));
  } finally {
    cleanup();
  }
  const chunker = { min: 1, avg: 2, max: 4 };
  for (const chunkId of ['sha3-256-keyed', 'constructor', '']) {
    assert.throws(() => chunkIdSchemeOf(2, { chunker, compression: 'gzip-member-v1', chunkId }, '/r'),
      (e: unknown) => e instanceof ConfigError && /upgrade pgvault/.test(e.message) && e.message.includes('/r'));
  }
  assert.equal(chunkIdSchemeOf(1, { chunker, compression: 'gzip-member-v1' }, '/r'), 'blake2b-256-keyed');
  assert.equal(chunkIdSchemeOf(2, { chunker, compression: 'gzip-member-v1', chunkId: 'hmac-sha256' }, '/r'), 'hmac-sha256');
});
