import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { readdirSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { IntegrityError, RepoExistsError, RepoNotFoundError, UsageError, WrongPasswordError } from '../../src/errors.js';
import { bytes, collect, collectMembers, pieces, tempDir, testRepo, TEST_KDF } from './helpers.js';

async function save(repo: Repository, data: Uint8Array, piece = 7919) {
  const w = repo.writer();
  for await (const p of pieces(data, piece)) await w.write(p);
  return w.finish();
}

test('init, then open with the right password; wrong password, missing repo and re-init are refused', async () => {
  const { repo, dir, cacheDir, cleanup } = await testRepo();
  try {
    const store = new FsStore(dir);
    const again = await Repository.open(store, 'correct horse', { cacheDir });
    assert.equal(again.id, repo.id);
    assert.deepEqual(again.settings, repo.settings);
    await assert.rejects(Repository.open(store, 'wrong', { cacheDir }), WrongPasswordError);
    await assert.rejects(Repository.init(store, 'x', { kdf: TEST_KDF }), RepoExistsError);
    const empty = tempDir();
    await assert.rejects(Repository.open(new FsStore(empty.path), 'x'), RepoNotFoundError);
    empty.cleanup();
  } finally {
    cleanup();
  }
});

test('a config of an unknown format version or a damaged config is a clear integrity error', async () => {
  const { dir, cleanup } = await testRepo();
  try {
    const file = join(dir, 'config');
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...config, version: 99 }));
    await assert.rejects(Repository.open(new FsStore(dir), 'correct horse', { cacheDir: null }),
      (e: unknown) => e instanceof IntegrityError && /version 99/.test(e.message) && /upgrade pgvault/.test(e.message));
    const settings = Buffer.from(config.settings as string, 'base64');
    settings[settings.length - 1]! ^= 1;
    writeFileSync(file, JSON.stringify({ ...config, settings: settings.toString('base64') }));
    await assert.rejects(Repository.open(new FsStore(dir), 'correct horse', { cacheDir: null }), IntegrityError);
  } finally {
    cleanup();
  }
});

test('keys: add, list, open with either password, change password, refuse removing the current or last key', async () => {
  const { repo, dir, cacheDir, cleanup } = await testRepo();
  try {
    const second = await repo.addKey('second password', TEST_KDF);
    const keys = await repo.listKeys();
    assert.equal(keys.length, 2);
    assert.equal(keys.filter((k) => k.current).length, 1);
    const viaSecond = await Repository.open(new FsStore(dir), 'second password', { cacheDir });
    assert.equal(viaSecond.keyName, second);
    await assert.rejects(repo.removeKey(repo.keyName), UsageError);
    await viaSecond.removeKey(repo.keyName.slice(0, 8));
    await assert.rejects(Repository.open(new FsStore(dir), 'correct horse', { cacheDir }), WrongPasswordError);
    await assert.rejects(viaSecond.removeKey(second), (e: unknown) => e instanceof UsageError && /last key/.test(e.message));
    await viaSecond.changePassword('third', TEST_KDF);
    await assert.rejects(Repository.open(new FsStore(dir), 'second password', { cacheDir }), WrongPasswordError);
    assert.equal((await Repository.open(new FsStore(dir), 'third', { cacheDir })).id, repo.id);
    assert.equal((await viaSecond.listKeys()).length, 1);
  } finally {
    cleanup();
  }
});

test('a stream round-trips exactly, whole, by byte range and as concatenated gzip members', async () => {
  const { repo, cleanup } = await testRepo();
  try {
    const data = bytes(600_000, 7, true);
    const saved = await save(repo, data);
    assert.equal(saved.size, data.length);
    assert.equal(saved.sha256, createHash('sha256').update(data).digest('hex'));
    assert.ok(saved.chunks > 5, `expected several chunks, got ${saved.chunks}`);
    assert.ok(saved.list.length >= 1);
    assert.deepEqual(await collect(repo.readStream(saved.list)), Buffer.from(data));
    for (const [start, end] of [[0, 1], [12345, 200_000], [599_999, 600_000], [0, 600_000], [300_000, 300_000]] as const) {
      assert.deepEqual(await collect(repo.readStream(saved.list, { start, end })), Buffer.from(data.subarray(start, end)), `range ${start}-${end}`);
    }
    assert.deepEqual(gunzipSync(await collectMembers(repo.readGzip(saved.list))), Buffer.from(data));
    const empty = await save(repo, new Uint8Array(0));
    assert.equal(empty.size, 0);
    assert.equal((await collect(repo.readStream(empty.list))).length, 0);
  } finally {
    cleanup();
  }
});

test('deduplication: the same stream uploads nothing new; an append uploads only the tail, also from a fresh machine without cache', async () => {
  const { repo, dir, cleanup } = await testRepo();
  try {
    const data = bytes(1_000_000, 3, true);
    const first = await save(repo, data, 65536);
    assert.ok(first.added.newChunks > 10);
    const second = await save(repo, data, 1000);
    assert.equal(second.added.newChunks, 0, 'identical stream must not upload anything');
    assert.deepEqual(second.list, first.list);
    // Fresh machine: no cache at all, knowledge rebuilt from the index objects.
    const fresh = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir: null });
    const appended = Buffer.concat([data, bytes(20_000, 99, true)]);
    const third = await save(fresh, appended, 4096);
    assert.ok(third.added.newBytes < 150_000, `append of 20 kB re-uploaded ${third.added.newBytes} bytes`);
    assert.deepEqual(await collect(fresh.readStream(third.list)), appended);
  } finally {
    cleanup();
  }
});

test('the local cache is used when current and rebuilt when index objects disappeared', async () => {
  const { repo, dir, cacheDir, cleanup } = await testRepo();
  try {
    await save(repo, bytes(300_000, 5, true));
    const cacheFiles = readdirSync(join(cacheDir, repo.id));
    assert.deepEqual(cacheFiles, ['known-chunks']);
    // Remove every index object and data object: a stale cache would claim chunks that are gone.
    rmSync(join(dir, 'index'), { recursive: true });
    rmSync(join(dir, 'data'), { recursive: true });
    mkdirSync(join(dir, 'index'));
    const reopened = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir });
    const again = await save(reopened, bytes(300_000, 5, true));
    assert.ok(again.added.newChunks > 0, 'stale cache must not be trusted');
    const fresh = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir });
    assert.deepEqual(await collect(fresh.readStream(again.list)), Buffer.from(bytes(300_000, 5, true)));
    // A damaged cache file is ignored, not trusted.
    const f = join(cacheDir, repo.id, 'known-chunks');
    const b = readFileSync(f);
    b[b.length - 40]! ^= 0xff;
    writeFileSync(f, b);
    const third = await Repository.open(new FsStore(dir), 'correct horse', { cacheDir });
    assert.equal((await save(third, bytes(300_000, 5, true))).added.newChunks, 0);
  } finally {
    cleanup();
  }
});

test('a tampered, truncated, swapped or missing chunk fails with an error naming the object', async () => {
  const { repo, dir, cleanup } = await testRepo();
  try {
    const saved = await save(repo, bytes(200_000, 11, true));
    const refs = [];
    for await (const r of repo.refs(saved.list)) refs.push(r);
    const dataDir = join(dir, 'data');
    const path = (id: string) => join(dataDir, id.slice(0, 2), id);
    const victim = refs[1]!.id;
    const original = readFileSync(path(victim));
    const flipped = Buffer.from(original);
    flipped[flipped.length >> 1]! ^= 0x01;
    writeFileSync(path(victim), flipped);
    await assert.rejects(collect(repo.readStream(saved.list)),
      (e: unknown) => e instanceof IntegrityError && e.message.includes(`data/${victim}`));
    writeFileSync(path(victim), original.subarray(0, 20));
    await assert.rejects(collect(repo.readStream(saved.list)), (e: unknown) => e instanceof IntegrityError && e.message.includes(victim));
    writeFileSync(path(victim), readFileSync(path(refs[2]!.id)));
    await assert.rejects(collect(repo.readStream(saved.list)), (e: unknown) => e instanceof IntegrityError && e.message.includes(victim));
    rmSync(path(victim));
    await assert.rejects(collect(repo.readStream(saved.list)),
      (e: unknown) => e instanceof IntegrityError && e.message.includes(victim) && /missing/.test(e.message));
  } finally {
    cleanup();
  }
});

test('sealed small objects round-trip and are bound to their name', async () => {
  const { repo, dir, cleanup } = await testRepo();
  try {
    const body = new TextEncoder().encode(JSON.stringify({ hello: 'world', n: [1, 2, 3] }));
    await repo.putSealed('snapshots', 'aaaa', body);
    assert.deepEqual(Buffer.from(await repo.getSealed('snapshots', 'aaaa')), Buffer.from(body));
    writeFileSync(join(dir, 'snapshots', 'bbbb'), readFileSync(join(dir, 'snapshots', 'aaaa')));
    await assert.rejects(repo.getSealed('snapshots', 'bbbb'), IntegrityError);
    await assert.rejects(repo.getSealed('snapshots', 'cccc'), (e: unknown) => e instanceof IntegrityError && /missing/.test(e.message));
  } finally {
    cleanup();
  }
});

test('open gives V8\'s free heap pages back when its committed heap is above the threshold, and not otherwise', async () => {
  const { dir, cacheDir, cleanup } = await testRepo();
  try {
    const open = (releaseHeapAbove: number | null | undefined) =>
      Repository.open(new FsStore(dir), 'correct horse', { cacheDir, ...(releaseHeapAbove === undefined ? {} : { releaseHeapAbove }) });
    assert.equal((await open(0)).heapReleasedAfterOpen, true, 'any heap is above 0 bytes');
    assert.equal((await open(null)).heapReleasedAfterOpen, false, 'null: never');
    assert.equal((await open(2 ** 40)).heapReleasedAfterOpen, false, 'a heap below the threshold is left alone');
  } finally {
    cleanup();
  }
});
