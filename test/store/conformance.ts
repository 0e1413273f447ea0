/**
 * The Store conformance suite (contract in src/store/types.ts). Every backend registers it with a
 * harness; the same assertions then hold for FsStore, S3Store on s3rver and S3Store on the versioned
 * test server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { NotFoundError } from '../../src/errors.js';
import type { ObjectInfo, ObjectKind, Store } from '../../src/store/types.js';

export interface ConformanceHarness {
  /**
   * Open a store on storage area `space`. The same space gives the same objects (a new instance sees
   * what an earlier one wrote); different spaces are isolated from each other but live in the same
   * backend (two prefixes of one bucket, two folders).
   */
  open(space: string): Promise<Store>;
  /** The keys the backend holds for `space`, relative to its root ("data/ab/ab01…"), for layout checks. */
  rawKeys(space: string): Promise<string[]>;
  /**
   * Objects put for the pagination test (default 1100: more than one 1000-key S3 page). A backend whose
   * pages are smaller may use fewer, as long as it still spans several pages.
   */
  manyObjects?: number;
}

export interface ConformanceHooks {
  setup(): Promise<ConformanceHarness>;
  teardown?(): Promise<void>;
}

/** Deterministic pseudo-random bytes (xorshift32): reproducible failures, no fixtures. */
export function seededBytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A 64-hex-character name like a chunk ID, derived from `seed`. */
export function hexName(seed: number): string {
  return Buffer.from(seededBytes(seed + 1_000_003, 32)).toString('hex');
}

/** Every file under `dir`, as "/"-separated paths relative to `root` (for FsStore layout checks). */
export async function walkFiles(dir: string, root = dir): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await walkFiles(p, root));
    else out.push(relative(root, p).split('\\').join('/'));
  }
  return out;
}

export async function collect(it: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const x of it) out.push(x);
  return out;
}

function byName(a: ObjectInfo, b: ObjectInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Run `fn` over `items` with at most `limit` in flight. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function sameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.ok(actual instanceof Uint8Array, `${what}: get must return a Uint8Array`);
  assert.equal(actual.byteLength, expected.byteLength, `${what}: length`);
  assert.ok(Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength)
    .equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), `${what}: bytes differ`);
}

export function describeStoreConformance(label: string, hooks: ConformanceHooks): void {
  describe(`Store conformance: ${label}`, () => {
    let h: ConformanceHarness;
    let spaceCounter = 0;
    const opened: Store[] = [];
    const fresh = async (): Promise<{ store: Store; space: string }> => {
      const space = `space${++spaceCounter}`;
      const store = await h.open(space);
      opened.push(store);
      return { store, space };
    };
    const reopen = async (space: string): Promise<Store> => {
      const store = await h.open(space);
      opened.push(store);
      return store;
    };

    before(async () => { h = await hooks.setup(); });
    after(async () => {
      for (const s of opened) await s.close();
      await hooks.teardown?.();
    });

    it('round-trips random binary bodies of 0 B, 1 B, 1000 B and 5 MiB exactly, in every kind', async () => {
      const { store } = await fresh();
      const cases: [ObjectKind, string, number][] = [
        ['config', 'config', 337],
        ['keys', 'k0', 0],
        ['snapshots', 's1', 1],
        ['index', 'i1000', 1000],
        ['locks', 'lock-host-123.json', 64],
        ['data', hexName(1), 5 * 1024 * 1024],
        ['data', hexName(2), 1],
        ['data', hexName(3), 0],
      ];
      for (const [kind, name, size] of cases) {
        const body = seededBytes(size + name.length, size);
        await store.put(kind, name, body);
        sameBytes(await store.get(kind, name), body, `${kind}/${name} (${size} bytes)`);
      }
    });

    it('bodies that look like aws-chunked framing or HTTP come back verbatim', async () => {
      const { store } = await fresh();
      const tricky = new TextEncoder().encode('400;chunk-signature=abc\r\nhello\r\n0;chunk-signature=def\r\n\r\nx-amz-checksum-crc32:AAAAAA==\r\n');
      await store.put('index', 'tricky', tricky);
      sameBytes(await store.get('index', 'tricky'), tricky, 'index/tricky');
    });

    it('allows putting an existing name again with the same bytes', async () => {
      const { store } = await fresh();
      const body = seededBytes(7, 4096);
      const name = hexName(7);
      await store.put('data', name, body);
      await store.put('data', name, body);
      sameBytes(await store.get('data', name), body, 'data after second put');
      const listed = await collect(store.list('data'));
      assert.deepEqual(listed, [{ name, size: 4096 }]);
    });

    it('get of a missing object rejects with NotFoundError naming the object; stat returns null', async () => {
      const { store } = await fresh();
      for (const [kind, name] of [['data', hexName(9)], ['snapshots', 'nope'], ['config', 'config'], ['keys', 'missing-key']] as const) {
        await assert.rejects(store.get(kind, name), (e: unknown) => {
          assert.ok(e instanceof NotFoundError, `expected NotFoundError, got ${String(e)}`);
          assert.equal(e.code, 'NOT_FOUND');
          assert.ok(e.message.includes(name), `message names the object: ${e.message}`);
          return true;
        });
        assert.equal(await store.stat(kind, name), null);
      }
    });

    it('stat reports name and size, including empty objects', async () => {
      const { store } = await fresh();
      await store.put('snapshots', 'a', seededBytes(1, 12345));
      await store.put('snapshots', 'empty', new Uint8Array(0));
      assert.deepEqual(await store.stat('snapshots', 'a'), { name: 'a', size: 12345 });
      assert.deepEqual(await store.stat('snapshots', 'empty'), { name: 'empty', size: 0 });
      assert.equal(await store.stat('index', 'a'), null, 'kinds are separate namespaces');
    });

    it('lists each kind separately, with bare names and sizes', async () => {
      const { store } = await fresh();
      const d1 = hexName(11);
      const d2 = hexName(12);
      await store.put('config', 'config', seededBytes(1, 10));
      await store.put('keys', 'key1', seededBytes(2, 20));
      await store.put('data', d1, seededBytes(3, 30));
      await store.put('data', d2, seededBytes(4, 31));
      await store.put('index', d1, seededBytes(5, 40));
      await store.put('locks', 'l1', seededBytes(6, 50));
      const listed = async (k: ObjectKind): Promise<ObjectInfo[]> => (await collect(store.list(k))).sort(byName);
      assert.deepEqual(await listed('config'), [{ name: 'config', size: 10 }]);
      assert.deepEqual(await listed('keys'), [{ name: 'key1', size: 20 }]);
      assert.deepEqual(await listed('data'), [{ name: d1, size: 30 }, { name: d2, size: 31 }].sort(byName));
      assert.deepEqual(await listed('index'), [{ name: d1, size: 40 }]);
      assert.deepEqual(await listed('locks'), [{ name: 'l1', size: 50 }]);
      assert.deepEqual(await listed('snapshots'), []);
    });

    it('lists an empty store without error', async () => {
      const { store } = await fresh();
      for (const k of ['config', 'keys', 'data', 'snapshots', 'index', 'locks'] as const) {
        assert.deepEqual(await collect(store.list(k)), []);
      }
    });

    it('lists more objects of one kind than fit in one page, exactly once each (pagination)', async () => {
      const { store } = await fresh();
      const n = h.manyObjects ?? 1100;
      const names = Array.from({ length: n }, (_, i) => hexName(100_000 + i));
      await eachLimit(names.map((name, i) => ({ name, i })), 16, async ({ name, i }) => {
        await store.put('data', name, seededBytes(i, i % 7));
      });
      await store.put('index', 'not-data', seededBytes(1, 3));
      const listed = await collect(store.list('data'));
      assert.equal(listed.length, n);
      const sizes = new Map(listed.map((o) => [o.name, o.size]));
      assert.equal(sizes.size, n, 'no duplicates');
      names.forEach((name, i) => assert.equal(sizes.get(name), i % 7, `size of ${name}`));
    });

    it('delete is idempotent and makes the object disappear from get, stat and list', async () => {
      const { store } = await fresh();
      const name = hexName(21);
      await store.put('data', name, seededBytes(21, 100));
      await store.put('locks', 'l', seededBytes(22, 5));
      await store.delete('data', name);
      await assert.rejects(store.get('data', name), NotFoundError);
      assert.equal(await store.stat('data', name), null);
      assert.deepEqual(await collect(store.list('data')), []);
      await store.delete('data', name);
      await store.delete('snapshots', 'never-existed');
      await store.delete('config', 'config');
      assert.deepEqual(await store.stat('locks', 'l'), { name: 'l', size: 5 }, 'other objects untouched');
    });

    it('a name can be written again after it was deleted', async () => {
      const { store } = await fresh();
      await store.put('locks', 'again', seededBytes(1, 10));
      await store.delete('locks', 'again');
      await store.put('locks', 'again', seededBytes(2, 11));
      sameBytes(await store.get('locks', 'again'), seededBytes(2, 11), 'rewritten lock');
    });

    it('two spaces (prefixes / folders) isolate two repositories in one backend', async () => {
      const a = await fresh();
      const b = await fresh();
      const name = hexName(31);
      await a.store.put('data', name, seededBytes(1, 10));
      await b.store.put('data', name, seededBytes(2, 20));
      await a.store.put('config', 'config', seededBytes(3, 30));
      sameBytes(await a.store.get('data', name), seededBytes(1, 10), 'space a');
      sameBytes(await b.store.get('data', name), seededBytes(2, 20), 'space b');
      assert.equal(await b.store.stat('config', 'config'), null);
      assert.deepEqual(await collect(b.store.list('config')), []);
      await a.store.delete('data', name);
      sameBytes(await b.store.get('data', name), seededBytes(2, 20), 'space b survives a delete in a');
    });

    it('lays keys out as config, <kind>/<name> and data/<2 chars>/<name>', async () => {
      const { store, space } = await fresh();
      const d = hexName(41);
      await store.put('config', 'config', seededBytes(1, 1));
      await store.put('keys', 'key-a', seededBytes(1, 1));
      await store.put('data', d, seededBytes(1, 1));
      await store.put('snapshots', 'snap1', seededBytes(1, 1));
      await store.put('index', 'idx1', seededBytes(1, 1));
      await store.put('locks', 'lock1', seededBytes(1, 1));
      const keys = (await h.rawKeys(space)).sort();
      assert.deepEqual(keys, ['config', `data/${d.slice(0, 2)}/${d}`, 'index/idx1', 'keys/key-a', 'locks/lock1', 'snapshots/snap1']);
    });

    it('a new instance on the same space sees earlier writes (nothing lives only in memory)', async () => {
      const { store, space } = await fresh();
      await store.put('snapshots', 'persist', seededBytes(5, 500));
      const again = await reopen(space);
      sameBytes(await again.get('snapshots', 'persist'), seededBytes(5, 500), 'reopened');
      assert.deepEqual(await collect(again.list('snapshots')), [{ name: 'persist', size: 500 }]);
    });

    it('handles many concurrent puts and gets, including the same name with the same bytes', async () => {
      const { store } = await fresh();
      const items = Array.from({ length: 48 }, (_, i) => ({ name: hexName(500 + (i % 24)), seed: 500 + (i % 24) }));
      await eachLimit(items, 16, async ({ name, seed }) => { await store.put('data', name, seededBytes(seed, 20_000)); });
      await eachLimit(items, 16, async ({ name, seed }) => {
        sameBytes(await store.get('data', name), seededBytes(seed, 20_000), name);
      });
      assert.equal((await collect(store.list('data'))).length, 24);
    });

    it('rejects names the layout cannot hold, before any I/O', async () => {
      const { store } = await fresh();
      const body = new Uint8Array(1);
      for (const [kind, name] of [['data', ''], ['data', 'a'], ['keys', '../escape'], ['keys', 'a/b'], ['snapshots', '.hidden'],
        ['config', 'other'], ['locks', 'white space']] as const) {
        await assert.rejects(store.put(kind, name, body), RangeError, `${kind}/${JSON.stringify(name)}`);
        await assert.rejects(store.get(kind, name), RangeError);
      }
    });
  });
}
