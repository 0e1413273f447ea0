import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { mapFsError } from '../../src/store/fs-errors.js';
import { LocalIoError, StoreUnavailableError } from '../../src/errors.js';
import { collect, describeStoreConformance, hexName, seededBytes, walkFiles } from './conformance.js';

const walk = walkFiles;

let base = '';
describeStoreConformance('FsStore', {
  async setup() {
    base = await mkdtemp(join(tmpdir(), 'pgvault-fsstore-'));
    return {
      open: async (space) => new FsStore(join(base, space)),
      rawKeys: async (space) => walk(join(base, space)),
    };
  },
  async teardown() { await rm(base, { recursive: true, force: true }); },
});

describe('FsStore specifics', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(join(tmpdir(), 'pgvault-fsstore-x-'));
    dirs.push(d);
    return d;
  };
  after(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('leaves no temp file behind and ignores stray temp and foreign files in list', async () => {
    const root = await tempDir();
    const store = new FsStore(root);
    const name = hexName(1);
    await store.put('data', name, seededBytes(1, 100));
    assert.deepEqual(await walk(root), [`data/${name.slice(0, 2)}/${name}`]);
    // What a crash mid-put would leave, plus junk an operator might drop in.
    await writeFile(join(root, 'data', name.slice(0, 2), '.tmp-deadbeef'), 'partial');
    await mkdir(join(root, 'data', '.tmp'), { recursive: true });
    await mkdir(join(root, 'snapshots'), { recursive: true });
    await writeFile(join(root, 'snapshots', '.tmp-0011'), 'partial');
    await writeFile(join(root, 'snapshots', 'real'), 'abc');
    await mkdir(join(root, 'snapshots', 'a-folder'));
    assert.deepEqual(await collect(store.list('data')), [{ name, size: 100 }]);
    assert.deepEqual(await collect(store.list('snapshots')), [{ name: 'real', size: 3 }]);
  });

  it('creates data fan-out folders only when first used', async () => {
    const root = await tempDir();
    const store = new FsStore(join(root, 'repo'));
    await store.put('config', 'config', seededBytes(1, 1));
    assert.deepEqual(await readdir(join(root, 'repo')), ['config']);
    await store.put('data', 'ab' + '0'.repeat(62), seededBytes(1, 1));
    await store.put('data', 'ab' + '1'.repeat(62), seededBytes(1, 1));
    await store.put('data', 'cd' + '0'.repeat(62), seededBytes(1, 1));
    assert.deepEqual((await readdir(join(root, 'repo', 'data'))).sort(), ['ab', 'cd']);
  });

  it('writes files 0600 and folders 0700 (key files must not be world-readable)', async () => {
    const root = await tempDir();
    const store = new FsStore(join(root, 'repo'));
    await store.put('keys', 'k1', seededBytes(1, 10));
    assert.equal((await stat(join(root, 'repo', 'keys', 'k1'))).mode & 0o777, 0o600);
    assert.equal((await stat(join(root, 'repo', 'keys'))).mode & 0o777, 0o700);
  });

  it('reports a file where the repository folder should be as StoreUnavailableError naming the path', async () => {
    const root = await tempDir();
    const notADir = join(root, 'file');
    await writeFile(notADir, 'x');
    const store = new FsStore(notADir);
    await assert.rejects(store.put('keys', 'k', seededBytes(1, 1)), (e: unknown) => {
      assert.ok(e instanceof StoreUnavailableError, String(e));
      assert.match(e.message, /not laid out like a pgvault repository directory/);
      assert.ok(e.message.includes(notADir));
      return true;
    });
    await assert.rejects(store.get('keys', 'k'), StoreUnavailableError);
  });

  it('maps permission, read-only, disk-full and quota errors to operator-readable errors', () => {
    const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(`${code}: boom`), { code });
    const cases: [string, typeof StoreUnavailableError | typeof LocalIoError, RegExp][] = [
      ['EACCES', StoreUnavailableError, /permission denied writing \/r\/x \(EACCES\).*owner or permissions/],
      ['EPERM', StoreUnavailableError, /permission denied/],
      ['EROFS', StoreUnavailableError, /read-only file system/],
      ['ENOSPC', LocalIoError, /no space left.*\/r\/x.*free space/],
      ['EDQUOT', LocalIoError, /quota/],
      ['EMFILE', LocalIoError, /ulimit -n/],
      ['EIO', LocalIoError, /writing \/r\/x failed \(EIO\)/],
    ];
    for (const [code, cls, re] of cases) {
      const mapped = mapFsError('writing', '/r/x', err(code));
      assert.ok(mapped instanceof cls, `${code} → ${mapped.name}`);
      assert.match(mapped.message, re);
    }
  });

  it('turns a real ENOSPC (writing to /dev/full) into LocalIoError', async (t) => {
    // /dev/full is on every Linux; the mapping of the real errno object is what matters.
    const { open } = await import('node:fs/promises');
    let caught: unknown;
    const fh = await open('/dev/full', 'w');
    try { await fh.writeFile(new Uint8Array(10)); } catch (e) { caught = e; } finally { await fh.close(); }
    t.diagnostic(String(caught));
    const mapped = mapFsError('writing', '/dev/full', caught);
    assert.ok(mapped instanceof LocalIoError);
    assert.match(mapped.message, /no space left/);
  });
});
