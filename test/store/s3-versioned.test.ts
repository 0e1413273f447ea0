/**
 * S3Store against test/helpers/versioned-s3.ts, a server that keeps versions like B2, checks SigV4 and
 * Content-MD5, rejects checksum headers, and injects faults: version-aware deletion, retries,
 * credentials and unreachable endpoints, all through the real AWS SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { S3Store, type S3StoreOptions } from '../../src/store/s3.js';
import { NotFoundError, StoreUnavailableError } from '../../src/errors.js';
import { startVersionedS3Server, type VersionedS3Server } from '../helpers/versioned-s3.js';
import { listRawKeys } from '../helpers/s3.js';
import { describeRetry } from '../../src/store/retry.js';
import type { RetryEvent } from '../../src/store/types.js';
import { Repository } from '../../src/repo/repository.js';
import { TEST_KDF } from '../repo/helpers.js';
import { collect, describeStoreConformance, hexName, seededBytes } from './conformance.js';

let conf: VersionedS3Server;
describeStoreConformance('S3Store on the versioned (B2-like) test server', {
  async setup() {
    conf = await startVersionedS3Server({ pageSize: 100 });
    return {
      manyObjects: 350, // 4 pages of 100; s3rver and FsStore runs cover 1100 objects with real 1000-key pages
      open: async (space) => new S3Store({
        endpoint: conf.endpoint, bucket: conf.bucket, prefix: `conf/${space}`, credentials: conf.credentials,
        retry: { maxAttempts: 3, baseDelayMs: 5 },
      }),
      rawKeys: (space) => listRawKeys(conf.endpoint, conf.bucket, `conf/${space}`, conf.credentials),
    };
  },
  async teardown() { await conf.stop(); },
});

describe('S3Store on a versioned server', () => {
  let srv: VersionedS3Server;
  const stores: S3Store[] = [];
  const delays: number[] = [];
  const open = (o: Partial<S3StoreOptions> = {}): S3Store => {
    const s = new S3Store({
      endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'repo', credentials: srv.credentials,
      retry: { maxAttempts: 4, baseDelayMs: 10, maxDelayMs: 40, sleep: async (ms) => { delays.push(ms); } },
      ...o,
    });
    stores.push(s);
    return s;
  };
  before(async () => { srv = await startVersionedS3Server(); });
  after(async () => {
    for (const s of stores) await s.close();
    await srv.stop();
  });
  const reset = (): number => {
    srv.clearFaults();
    delays.length = 0;
    return srv.requests.length;
  };

  describe('deleting versions', () => {
    it('delete removes every version and delete marker of the key, so no bytes stay billed', async () => {
      const store = open();
      const hider = open({ deleteMode: 'hide' });
      const name = hexName(1);
      const key = `repo/data/${name.slice(0, 2)}/${name}`;
      const body = seededBytes(1, 1000);
      await store.put('data', name, body);
      await store.put('data', name, body); // a duplicate upload race: 2 versions
      await hider.delete('data', name); // hidden: a marker on top
      await store.put('data', name, body); // uploaded again later
      assert.deepEqual(srv.versions(key).map((v) => v.deleteMarker), [false, false, true, false]);
      await store.put('locks', 'l', seededBytes(2, 10));
      await store.put('locks', 'l2', seededBytes(3, 20)); // "l" is a prefix of "l2": must survive
      const before = srv.storedBytes();
      await store.delete('data', name);
      assert.deepEqual(srv.versions(key), []);
      assert.equal(srv.storedBytes(), before - 3000);
      await store.delete('locks', 'l');
      assert.deepEqual(srv.versions('repo/locks/l'), []);
      assert.equal(srv.versions('repo/locks/l2').length, 1);
      await assert.rejects(store.get('data', name), NotFoundError);
      await store.delete('data', name); // nothing left: still fine
    });

    it('what goes over the wire for an all-versions delete: ListObjectVersions, then DeleteObject?versionId, no checksum headers', async () => {
      const store = open();
      await store.put('index', 'wire', seededBytes(3, 10));
      await store.put('index', 'wire', seededBytes(3, 10));
      const from = reset();
      await store.delete('index', 'wire');
      const reqs = srv.requests.slice(from);
      assert.deepEqual(reqs.map((r) => `${r.method} ${r.url.replace(/versionId=[^&]+/, 'versionId=V')}`).sort(), [
        'DELETE /pgvault-versioned/repo/index/wire?versionId=V&x-id=DeleteObject',
        'DELETE /pgvault-versioned/repo/index/wire?versionId=V&x-id=DeleteObject',
        'GET /pgvault-versioned/?prefix=repo%2Findex%2Fwire&versions=',
      ]);
      for (const r of reqs) {
        assert.deepEqual(Object.keys(r.headers).filter((h) => h.includes('checksum') || h === 'content-md5'), [], `${r.method} ${r.url}`);
      }
    });

    it('hide mode only writes a delete marker (for keys without deleteFiles): hidden, but bytes kept', async () => {
      const hider = open({ deleteMode: 'hide' });
      await hider.put('snapshots', 'hidden', seededBytes(4, 500));
      const from = reset();
      await hider.delete('snapshots', 'hidden');
      assert.deepEqual(srv.requests.slice(from).map((r) => `${r.method} ${r.url}`), ['DELETE /pgvault-versioned/repo/snapshots/hidden?x-id=DeleteObject']);
      assert.deepEqual(srv.versions('repo/snapshots/hidden').map((v) => [v.deleteMarker, v.size]), [[false, 500], [true, 0]]);
      assert.equal(await hider.stat('snapshots', 'hidden'), null);
      assert.deepEqual(await collect(hider.list('snapshots')), []);
      await hider.delete('snapshots', 'hidden'); // idempotent
    });

    it('pages through many versions of one key and never touches longer keys sharing the prefix', async () => {
      const small = await startVersionedS3Server({ pageSize: 2 });
      const s = new S3Store({ endpoint: small.endpoint, bucket: small.bucket, credentials: small.credentials, retry: { maxAttempts: 2, baseDelayMs: 1 } });
      try {
        for (let i = 0; i < 5; i++) await s.put('locks', 'a', seededBytes(i, 10));
        for (const n of ['a0', 'ab', 'abc']) await s.put('locks', n, seededBytes(9, 5));
        await s.delete('locks', 'a');
        assert.deepEqual(small.keysWithVersions(), ['locks/a0', 'locks/ab', 'locks/abc']);
        const listedVersionPages = small.requests.filter((r) => r.url.includes('versions')).length;
        assert.ok(listedVersionPages >= 3, `version listing paged (${listedVersionPages} pages)`);
        assert.deepEqual((await collect(s.list('locks'))).map((o) => o.name).sort(), ['a0', 'ab', 'abc']);
      } finally {
        await s.close();
        await small.stop();
      }
    });

    it('a version already gone (lost response on the first DELETE, 404 on the retry) counts as deleted', async () => {
      const store = open();
      await store.put('locks', 'race', seededBytes(5, 10));
      reset();
      srv.injectFault({ kind: 'drop-after' }, { match: (r) => r.method === 'DELETE' });
      await store.delete('locks', 'race');
      assert.deepEqual(srv.versions('repo/locks/race'), []);
      assert.equal(delays.length, 1, 'one retry');
    });

    it('a key without deleteFiles gets a message naming the capability and the hide option', async () => {
      const store = open();
      await store.put('locks', 'denied', seededBytes(6, 10));
      reset();
      srv.injectFault({ kind: 'status', status: 403, code: 'AccessDenied' }, { match: (r) => r.method === 'DELETE' });
      await assert.rejects(store.delete('locks', 'denied'), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.match(e.message, /credentials rejected by .* AccessDenied on DELETE-VERSION repo\/locks\/denied/);
        assert.match(e.message, /"deleteFiles" capability/);
        return true;
      });
      assert.equal(delays.length, 0, '403 is not retried');
    });
  });

  describe('retries', () => {
    it('retries 503 SlowDown and honours Retry-After (seconds)', async () => {
      const store = open();
      const from = reset();
      srv.injectFault({ kind: 'status', status: 503, code: 'SlowDown', retryAfter: '2' }, { times: 2 });
      await store.put('index', 'r1', seededBytes(7, 100));
      assert.equal(srv.requests.length - from, 3);
      assert.equal(delays.length, 2);
      for (const d of delays) assert.ok(d >= 2000, `waited ${d} ms ≥ Retry-After 2 s`);
      assert.equal((await store.get('index', 'r1')).length, 100);
    });

    it('retries 429 with an HTTP-date Retry-After, and 500/502/504/408 with jittered backoff', async () => {
      const store = open();
      reset();
      const soon = new Date(Date.now() + 5000).toUTCString();
      srv.injectFault({ kind: 'status', status: 429, code: 'TooManyRequests', retryAfter: soon });
      await store.put('index', 'r2', seededBytes(8, 10));
      assert.ok(delays[0]! > 2000 && delays[0]! <= 5000, `HTTP-date honoured: ${delays[0]}`);
      for (const [status, code] of [[500, 'InternalError'], [502, 'BadGateway'], [504, 'GatewayTimeout'], [408, 'RequestTimeout']] as const) {
        reset();
        srv.injectFault({ kind: 'status', status, code }, { match: (r) => r.method === 'GET' });
        assert.equal((await store.get('index', 'r2')).length, 10, `${status} retried`);
        assert.equal(delays.length, 1);
        assert.ok(delays[0]! >= 0 && delays[0]! <= 10, `first backoff within base: ${delays[0]}`);
      }
    });

    it('backoff grows exponentially up to the cap (full jitter)', async () => {
      const store = open({ retry: { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 40, random: () => 0.999, sleep: async (ms) => { delays.push(ms); } } });
      reset();
      srv.injectFault({ kind: 'status', status: 500, code: 'InternalError' }, { times: 5 });
      await store.put('index', 'r3', seededBytes(9, 10));
      assert.deepEqual(delays, [9, 19, 39, 39, 39]);
    });

    it('a PUT whose response was lost is retried and leaves the same bytes', async () => {
      const store = open();
      reset();
      srv.injectFault({ kind: 'drop-after' }, { match: (r) => r.method === 'PUT' });
      const body = seededBytes(10, 70_000);
      await store.put('data', hexName(10), body);
      const key = `repo/data/${hexName(10).slice(0, 2)}/${hexName(10)}`;
      assert.deepEqual(srv.versions(key).map((v) => v.size), [70_000, 70_000], 'the retry resent the whole body');
      assert.deepEqual(await store.get('data', hexName(10)), body);
    });

    it('a connection dropped before the GET is answered is retried', async () => {
      const store = open();
      await store.put('index', 'r4', seededBytes(11, 33));
      reset();
      srv.injectFault({ kind: 'drop-before' }, { match: (r) => r.method === 'GET' });
      assert.equal((await store.get('index', 'r4')).length, 33);
      assert.equal(delays.length, 1);
    });

    it('gives up after maxAttempts with StoreUnavailableError saying what kept failing', async () => {
      const store = open({ retry: { maxAttempts: 3, baseDelayMs: 1, sleep: async () => undefined } });
      const from = reset();
      srv.injectFault({ kind: 'status', status: 503, code: 'SlowDown' }, { times: 10 });
      await assert.rejects(store.put('index', 'r5', seededBytes(12, 10)), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.match(e.message, /^http:\/\/127\.0\.0\.1:\d+ kept failing with HTTP 503 SlowDown after 3 attempts during PUT repo\/index\/r5/);
        return true;
      });
      assert.equal(srv.requests.length - from, 3);
    });

    it('a skewed clock is retried (the SDK corrects its offset), then reported as a clock problem, not as bad credentials', async () => {
      const store = open({ retry: { maxAttempts: 2, baseDelayMs: 1, sleep: async () => undefined } });
      reset();
      srv.injectFault({ kind: 'status', status: 403, code: 'RequestTimeTooSkewed' }, { times: 2 });
      await assert.rejects(store.put('index', 'skew', seededBytes(1, 1)), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError);
        assert.match(e.message, /this host's clock is too far from the server's \(RequestTimeTooSkewed\) after 2 attempts; fix the system time/);
        return true;
      });
    });

    it('does not retry a permanent 400', async () => {
      const store = open();
      const from = reset();
      srv.injectFault({ kind: 'status', status: 400, code: 'InvalidArgument' });
      await assert.rejects(store.put('index', 'r6', seededBytes(13, 10)), /refused PUT repo\/index\/r6 .*HTTP 400 InvalidArgument/);
      assert.equal(srv.requests.length - from, 1);
    });

    it('a server that never answers times out, is retried, then reported as unreachable', async () => {
      const store = open({ requestTimeoutMs: 150, retry: { maxAttempts: 2, baseDelayMs: 1 } });
      reset();
      srv.injectFault({ kind: 'hang' }, { times: 2 });
      const t0 = Date.now();
      await assert.rejects(store.get('index', 'r7'), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.match(e.message, /^cannot reach http:\/\/127\.0\.0\.1:\d+ \(\w+\) after 2 attempts during GET repo\/index\/r7/);
        return true;
      });
      assert.ok(Date.now() - t0 < 5000);
    });
  });

  describe('retries are visible', () => {
    it('every retry is counted and reported (503, and a stall with no data for the socket idle limit); a Repository logs them as warnings', async () => {
      const store = open({ socketTimeoutMs: 150, retry: { maxAttempts: 4, baseDelayMs: 1, sleep: async () => undefined } });
      const events: RetryEvent[] = [];
      store.observeRetries((e) => events.push(e));
      await store.put('index', 'v1', seededBytes(21, 10));
      reset();
      srv.injectFault({ kind: 'status', status: 503, code: 'SlowDown' }, { times: 2, match: (r) => r.method === 'GET' });
      assert.equal((await store.get('index', 'v1')).length, 10);
      srv.injectFault({ kind: 'hang' }, { times: 1, match: (r) => r.method === 'GET' });
      assert.equal((await store.get('index', 'v1')).length, 10);
      assert.deepEqual(store.counters, { retries: 3, stalls: 1 });
      assert.deepEqual(events.map((e) => [e.attempt, e.stall, e.maxAttempts]), [[1, false, 4], [2, false, 4], [1, true, 4]]);
      assert.equal(describeRetry(events[0]!), `store request GET repo/index/v1 failed (SlowDown (HTTP 503)), attempt 1 of 4; retrying in ${(events[0]!.delayMs / 1000).toFixed(1)} s`);
      assert.match(describeRetry(events[2]!), /^store request GET repo\/index\/v1 stalled \(.*timed out.*\), attempt 1 of 4; retrying in/);

      const warnings: string[] = [];
      const logger = { debug: () => {}, info: () => {}, error: () => {}, warn: (m: string) => { warnings.push(m); } };
      const repoStore = open({ prefix: 'visible', retry: { maxAttempts: 4, baseDelayMs: 1, sleep: async () => undefined } });
      const repo = await Repository.init(repoStore, 'pw', { kdf: TEST_KDF, cacheDir: null, logger });
      srv.injectFault({ kind: 'status', status: 500, code: 'InternalError' }, { times: 1, match: (r) => r.method === 'GET' });
      await repo.listKeys();
      assert.equal(warnings.length, 1);
      assert.match(warnings[0]!, /^store request LIST visible\/keys\/ failed \(InternalError \(HTTP 500\)\), attempt 1 of 4; retrying in 0\.0 s$/);
      assert.equal(repoStore.counters.retries, 1);
    });
  });

  describe('credentials and reachability', () => {
    it('a wrong key ID or a wrong secret is "credentials rejected", not retried, and the secret is never shown', async () => {
      for (const [creds, code] of [
        [{ accessKeyId: 'wrong-id', secretAccessKey: srv.credentials.secretAccessKey }, 'InvalidAccessKeyId'],
        [{ accessKeyId: srv.credentials.accessKeyId, secretAccessKey: 'not-the-right-secret' }, 'SignatureDoesNotMatch'],
      ] as const) {
        const store = open({ credentials: creds });
        const from = reset();
        for (const op of [() => store.put('keys', 'k', new Uint8Array(3)), () => store.get('keys', 'k'), () => collect(store.list('keys'))]) {
          await assert.rejects(op(), (e: unknown) => {
            assert.ok(e instanceof StoreUnavailableError, String(e));
            assert.ok(e.message.startsWith(`credentials rejected by ${srv.endpoint} for bucket ${srv.bucket}: ${code}`), e.message);
            assert.ok(!e.message.includes(creds.secretAccessKey), 'secret not in message');
            return true;
          });
        }
        assert.equal(srv.requests.length - from, 3, 'one request per operation: no retries');
      }
    });

    it('stat on a store with rejected credentials is an error, not "absent"', async () => {
      const store = open({ credentials: { accessKeyId: 'wrong-id', secretAccessKey: 'x-secret' } });
      await assert.rejects(store.stat('config', 'config'), StoreUnavailableError);
    });

    it('an unreachable endpoint fails fast with StoreUnavailableError after bounded retries', async () => {
      const closed: Server = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as { port: number }).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const store = open({ endpoint: `http://127.0.0.1:${port}`, retry: { maxAttempts: 3, baseDelayMs: 5 } });
      const t0 = Date.now();
      await assert.rejects(store.put('keys', 'k', new Uint8Array(1)), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.equal(e.exitCode, 14);
        assert.match(e.message, new RegExp(`^cannot reach http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\) after 3 attempts during PUT repo/keys/k`));
        return true;
      });
      assert.ok(Date.now() - t0 < 3000, 'fast');
    });

    it('a missing bucket names the bucket, also for stat (whose HEAD 404 cannot say which is missing)', async () => {
      const store = open({ bucket: 'other-bucket' });
      await assert.rejects(store.get('config', 'config'), /bucket "other-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+/);
      await assert.rejects(store.stat('config', 'config'), /bucket "other-bucket" does not exist/);
      const good = open();
      const from = reset();
      assert.equal(await good.stat('config', 'config'), null);
      assert.equal(await good.stat('keys', 'nope'), null);
      assert.deepEqual(srv.requests.slice(from).map((r) => r.method), ['HEAD', 'GET', 'HEAD'], 'the bucket check runs once per store');
    });
  });
});
