import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { FaultyStore } from '../../src/store/faulty.js';
import { NotFoundError, StoreUnavailableError } from '../../src/errors.js';
import { collect, describeStoreConformance, seededBytes, walkFiles } from './conformance.js';

let confBase = '';
describeStoreConformance('FaultyStore(FsStore) with no faults is transparent', {
  async setup() {
    confBase = await mkdtemp(join(tmpdir(), 'pgvault-faulty-conf-'));
    return {
      open: async (space) => new FaultyStore(new FsStore(join(confBase, space), { fsync: false })),
      rawKeys: (space) => walkFiles(join(confBase, space)),
      manyObjects: 1100,
    };
  },
  async teardown() { await rm(confBase, { recursive: true, force: true }); },
});

describe('FaultyStore', () => {
  let base = '';
  let n = 0;
  const make = (o?: ConstructorParameters<typeof FaultyStore>[1]): FaultyStore => new FaultyStore(new FsStore(join(base, `s${++n}`), { fsync: false }), o);
  before(async () => { base = await mkdtemp(join(tmpdir(), 'pgvault-faulty-')); });
  after(async () => { await rm(base, { recursive: true, force: true }); });

  it('counts calls, failures, bytes uploaded and downloaded, and listed items per method', async () => {
    const s = make();
    await s.put('data', 'aa01', seededBytes(1, 100));
    await s.put('data', 'aa02', seededBytes(2, 250));
    await s.get('data', 'aa01');
    await assert.rejects(s.get('data', 'aa03'), NotFoundError);
    await s.stat('data', 'aa02');
    assert.equal((await collect(s.list('data'))).length, 2);
    await s.delete('data', 'aa01');
    assert.deepEqual(s.stats, {
      put: { calls: 2, failures: 0, bytes: 350, items: 0 },
      get: { calls: 2, failures: 1, bytes: 100, items: 0 },
      stat: { calls: 1, failures: 0, bytes: 0, items: 0 },
      list: { calls: 1, failures: 0, bytes: 0, items: 2 },
      delete: { calls: 1, failures: 0, bytes: 0, items: 0 },
    });
    assert.equal(s.total('calls'), 7);
    assert.deepEqual(s.calls.map((c) => `${c.seq} ${c.method} ${c.kind}/${c.name ?? '*'}`),
      ['1 put data/aa01', '2 put data/aa02', '3 get data/aa01', '4 get data/aa03', '5 stat data/aa02', '6 list data/*', '7 delete data/aa01']);
    s.resetStats();
    assert.equal(s.total('calls'), 0);
    assert.equal(s.calls.length, 0);
  });

  it('fails the Nth matching call (and only it) before it reaches the store', async () => {
    const s = make();
    const h = s.fail({ methods: 'put', kinds: 'data', nth: 2 });
    await s.put('snapshots', 'x', seededBytes(1, 1)); // other kind: not counted
    await s.put('data', 'bb01', seededBytes(1, 10));
    await assert.rejects(s.put('data', 'bb02', seededBytes(2, 10)), (e: unknown) =>
      e instanceof StoreUnavailableError && /injected fault on put data\/bb02 \(call 3\)/.test(e.message));
    await s.put('data', 'bb03', seededBytes(3, 10));
    assert.equal(h.hits, 1);
    assert.equal(await s.inner.stat('data', 'bb02'), null, 'the failed put never reached the store');
    assert.equal(s.stats.put.bytes, 21, '1 + 10 + 10: the failed 10 bytes not counted');
    assert.equal(s.stats.put.failures, 1);
  });

  it('fails a run of calls, every call a predicate picks, with a chosen error, until removed', async () => {
    const s = make();
    const custom = s.fail({ match: (c) => c.name?.startsWith('lock') === true, times: Infinity, error: (c) => new Error(`custom ${c.method}`) });
    await assert.rejects(s.put('locks', 'lock-1', seededBytes(1, 1)), /custom put/);
    await assert.rejects(s.stat('locks', 'lock-1'), /custom stat/);
    await s.put('locks', 'other', seededBytes(1, 1));
    custom.remove();
    await s.put('locks', 'lock-1', seededBytes(1, 1));
    assert.equal(custom.hits, 2);
    const run = s.fail({ methods: ['get'], nth: 1, times: 2 });
    await assert.rejects(s.get('locks', 'other'));
    await assert.rejects(s.get('locks', 'other'));
    assert.equal((await s.get('locks', 'other')).length, 1);
    assert.equal(run.hits, 2);
  });

  it('a dropped connection fails the caller after the store did the work, so a retry must be idempotent', async () => {
    const s = make();
    s.dropConnection({ methods: 'put' });
    const body = seededBytes(9, 1000);
    await assert.rejects(s.put('data', 'cc01', body), /connection dropped after put data\/cc01 reached/);
    assert.deepEqual(await s.inner.stat('data', 'cc01'), { name: 'cc01', size: 1000 }, 'written despite the error');
    await s.put('data', 'cc01', body); // the retry: same bytes, allowed
    assert.equal(s.stats.put.bytes, 2000, 'both uploads counted');
    s.dropConnection({ methods: 'delete' });
    await assert.rejects(s.delete('data', 'cc01'));
    assert.equal(await s.inner.stat('data', 'cc01'), null);
    await s.delete('data', 'cc01'); // retried delete of a gone object succeeds
  });

  it('list faults: before the first item, or after the last one', async () => {
    const s = make();
    for (const x of ['dd01', 'dd02', 'dd03']) await s.put('data', x, seededBytes(1, 1));
    s.fail({ methods: 'list' });
    await assert.rejects(collect(s.list('data')), StoreUnavailableError);
    s.dropConnection({ methods: 'list' });
    const seen: string[] = [];
    await assert.rejects((async () => { for await (const o of s.list('data')) seen.push(o.name); })(), /connection dropped after list data/);
    assert.equal(seen.length, 3);
    assert.equal((await collect(s.list('data'))).length, 3);
  });

  it('adds latency per call (concurrent calls wait concurrently), fixed or chosen per call', async () => {
    const s = make({ latencyMs: 150 });
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 8 }, (_, i) => s.put('locks', `l${i}`, seededBytes(i, 1))));
    const parallel = Date.now() - t0;
    assert.ok(parallel >= 150 && parallel < 900, `8 parallel puts took ${parallel} ms (serially ≥ 1200)`);
    const t1 = Date.now();
    for (let i = 0; i < 3; i++) await s.stat('locks', `l${i}`);
    assert.ok(Date.now() - t1 >= 450, 'serial calls each wait');
    const asked: string[] = [];
    s.setLatency((c) => { asked.push(`${c.method} ${c.name}`); return c.method === 'get' ? 120 : 0; });
    const t2 = Date.now();
    await s.get('locks', 'l0');
    assert.ok(Date.now() - t2 >= 120);
    await s.stat('locks', 'l1');
    assert.deepEqual(asked, ['get l0', 'stat l1']);
  });
});
