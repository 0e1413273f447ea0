/**
 * Restores to a file or to standard output free each buffer once written (src/restore/release.ts): the output is
 * still exactly the script, every chunk buffer the restore read is freed when the output is a file, and none is
 * when the output is a stream that hands buffers on (a PassThrough), whose reader must still get every byte.
 * Downloaded bodies are freed once decoded only where the store says its reads are the caller's own, and a store body
 * that is a view into a larger buffer is copied first.
 * A `.sql.gz` restore reports progress in plaintext bytes up to the script's size.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import type { ObjectKind, Store } from '../../src/store/types.js';
import type { GzipMember } from '../../src/repo/chunk-store.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';
import type { Progress } from '../../src/progress/types.js';
import { restoreToDirectory, restoreToStream } from '../../src/restore/to-file.js';
import { freeWhenReleased, releasesWritten } from '../../src/restore/release.js';
import { ownedBody } from '../../src/store/owned.js';
import { freeNow } from '../../src/memory/free-now.js';
import { collect, tempDir, TEST_KDF } from '../repo/helpers.js';
import { addSnapshot, PASSWORD } from './helpers.js';

/** V8's major version: 12 on Node.js 22, 13 on Node.js 24. */
const V8_MAJOR = Number.parseInt(process.versions.v8.split('.')[0]!, 10);

/** Chunks of 128 KiB–1 MiB: large enough to be freed (src/memory/free-now.ts frees buffers from 64 KiB). */
const CHUNKER = { min: 128 * 1024, avg: 256 * 1024, max: 1024 * 1024 };

let tmp: { path: string; cleanup: () => void };
let repo: Repository;
let snap: Snapshot;
let script: Buffer;
let n = 0;

/** Every buffer the restore reads from the repository, recorded on the way, with its ArrayBuffer's size then. */
const readBuffers: { view: Uint8Array; size: number }[] = [];
const record = (view: Uint8Array): void => { readBuffers.push({ view, size: view.buffer.byteLength }); };

before(async () => {
  tmp = tempDir();
  repo = await Repository.init(new FsStore(join(tmp.path, 'repo'), { fsync: false }), PASSWORD, { kdf: TEST_KDF, chunker: CHUNKER, cacheDir: null });
  // Hex text: compresses to ~40 %, so most stored members are above 64 KiB too.
  const lines: string[] = [];
  for (let i = 0; i < 24_000; i++) lines.push(`INSERT INTO t VALUES (${i}, '${randomBytes(48).toString('hex')}');\n`);
  script = Buffer.from(lines.join(''));
  snap = await addSnapshot(repo, { database: 'app', time: '2026-12-04T10:00:00Z', script });
  const readStream = repo.readStream.bind(repo);
  const readGzip = repo.readGzip.bind(repo);
  repo.readStream = async function* (list, range) {
    for await (const b of readStream(list, range)) { record(b); yield b; }
  };
  repo.readGzip = async function* (list): AsyncGenerator<GzipMember> {
    for await (const m of readGzip(list)) { record(m.member); yield m; }
  };
});
after(async () => {
  await repo.close();
  tmp.cleanup();
});

function outPath(): string {
  const d = join(tmp.path, `out${++n}`);
  mkdirSync(d);
  return d;
}

/**
 * The buffers read since `from` that can be freed (64 KiB or more: smaller ones are left to the collector), and how
 * many of them were (detached: an empty view).
 */
function reads(from: number): { count: number; freed: number } {
  const bufs = readBuffers.slice(from).filter((b) => b.size >= 64 * 1024);
  return { count: bufs.length, freed: bufs.filter((b) => b.view.byteLength === 0).length };
}

test('which outputs keep nothing of a buffer after its write callback', async () => {
  assert.equal(releasesWritten(process.stdout), true);
  assert.equal(releasesWritten(process.stderr), true);
  const file = createWriteStream(join(tmp.path, 'w'));
  await once(file, 'open');
  assert.equal(releasesWritten(file), true);
  file.end();
  await once(file, 'close');
  assert.equal(releasesWritten(new Socket()), true);
  assert.equal(releasesWritten(new PassThrough()), false, 'a PassThrough hands the very buffer to its reader');
  assert.equal(releasesWritten(new Writable({ write: (_c, _e, cb) => cb() })), false);
});

test('freeWhenReleased frees at the last holder\'s call, and only then', () => {
  const b = new Uint8Array(new ArrayBuffer(256 * 1024)).fill(7);
  const release = freeWhenReleased(b.subarray(10, 100), 2);
  release();
  assert.equal(b.byteLength, 256 * 1024, 'one holder left: intact');
  assert.equal(b[0], 7);
  release();
  assert.equal(b.byteLength, 0, 'freed at the second call');
  release();
  assert.throws(() => freeWhenReleased(new Uint8Array(1), 0), RangeError);
});

test('.sql.gz to a directory: the file is the script, progress reaches its size, every member read is freed', async () => {
  const from = readBuffers.length;
  const seen: Progress[] = [];
  const file = await restoreToDirectory(repo, snap, outPath(), { onProgress: (p) => seen.push(p) });
  assert.ok(gunzipSync(readFileSync(file)).equals(script));
  const r = reads(from);
  assert.ok(r.count >= 5, `a script of several chunks above 64 KiB (${r.count})`);
  assert.equal(r.freed, r.count, 'every member freed once written and inflated');
  assert.ok(seen.length > r.count, 'a progress report per chunk');
  assert.ok(seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done), 'done never goes back');
  assert.deepEqual([seen.at(-1)!.done, seen.at(-1)!.total], [script.length, script.length], 'progress in plaintext bytes, up to the size');
});

test('a stream that hands buffers on gets every byte and nothing is freed under it, plain or gzip', async () => {
  for (const gzip of [false, true]) {
    const from = readBuffers.length;
    const out = new PassThrough();
    const got = collect(out);
    await restoreToStream(repo, snap, out, { gzip });
    out.end();
    const bytes = await got;
    assert.ok((gzip ? gunzipSync(bytes) : bytes).equals(script), `gzip ${gzip}`);
    const r = reads(from);
    assert.ok(r.count >= 5);
    assert.equal(r.freed, 0, `gzip ${gzip}: nothing freed`);
  }
});

test('plain SQL to a file stream: the file is the script and every chunk read is freed once written', async () => {
  for (const gzip of [false, true]) {
    const from = readBuffers.length;
    const path = join(outPath(), 'out');
    const out = createWriteStream(path);
    await once(out, 'open');
    await restoreToStream(repo, snap, out, { gzip });
    out.end();
    await once(out, 'close');
    const bytes = readFileSync(path);
    assert.ok((gzip ? gunzipSync(bytes) : bytes).equals(script), `gzip ${gzip}`);
    const r = reads(from);
    if (gzip || V8_MAJOR < 13) assert.equal(r.freed, r.count, `gzip ${gzip}: every buffer freed`);
    else {
      // Plain SQL: the buffers are zlib's output. V8 13 (Node.js 24) sometimes declines to detach one (freeNow then
      // leaves it to the collector; seen once in CI under load: 11 of 12), so only most are required there.
      assert.ok(r.count >= 5 && r.freed >= r.count / 2, `plain: ${r.freed} of ${r.count} buffers freed`);
    }
  }
});

/** A store that records the bodies `get` returns and says (or not) that they are the caller's own. */
class RecordingStore implements Store {
  readonly bodies: Uint8Array[] = [];
  constructor(readonly inner: Store, readonly ownedReads: boolean) {}
  get location(): string { return this.inner.location; }
  put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> { return this.inner.put(kind, name, body); }
  async get(kind: ObjectKind, name: string): Promise<Uint8Array> {
    const b = await this.inner.get(kind, name);
    if (kind === 'data') this.bodies.push(b);
    return b;
  }
  stat(kind: ObjectKind, name: string) { return this.inner.stat(kind, name); }
  list(kind: ObjectKind) { return this.inner.list(kind); }
  delete(kind: ObjectKind, name: string): Promise<void> { return this.inner.delete(kind, name); }
  close(): Promise<void> { return this.inner.close(); }
}

test('downloaded bodies are freed once decoded only when the store says they are the caller\'s own', async () => {
  for (const owned of [true, false]) {
    const store = new RecordingStore(new FsStore(join(tmp.path, 'repo'), { fsync: false }), owned);
    const again = await Repository.open(store, PASSWORD, { cacheDir: null });
    try {
      const plain = await collect(again.readStream(snap.dump.list));
      assert.equal(createHash('sha256').update(plain).digest('hex'), createHash('sha256').update(script).digest('hex'));
      const big = store.bodies.filter((b) => b.buffer.byteLength >= 64 * 1024 || b.byteLength === 0);
      assert.ok(big.length >= 6, `bodies of 64 KiB or more (${big.length})`);
      assert.equal(big.filter((b) => b.byteLength === 0).length, owned ? big.length : 0, `ownedReads ${owned}`);
    } finally {
      await again.close();
    }
  }
});

test('a store body that is a view into a larger buffer is copied before the caller may free it', () => {
  const whole = new Uint8Array(200 * 1024).fill(1);
  const own = ownedBody(whole);
  assert.equal(own, whole, 'a body that is its whole buffer is handed over as it is');
  const slab = new Uint8Array(300 * 1024).fill(2);
  const view = slab.subarray(1000, 101_000);
  const copy = ownedBody(view);
  assert.notEqual(copy.buffer, slab.buffer);
  assert.ok(Buffer.from(copy).equals(Buffer.from(view)));
  freeNow(copy);
  assert.equal(slab.byteLength, 300 * 1024, 'freeing the copy leaves the larger buffer whole');
  assert.equal(slab[5000], 2);
});
