/**
 * S3Store against s3rver (a real S3-protocol server on 127.0.0.1) through a recording proxy:
 * the conformance suite, then what goes over the wire.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { S3Store } from '../../src/store/s3.js';
import { NotFoundError, StoreUnavailableError } from '../../src/errors.js';
import { checksumHeaders, listRawKeys, startS3Server, type S3TestServer } from '../helpers/s3.js';
import { describeStoreConformance, hexName, seededBytes } from './conformance.js';

let srv: S3TestServer;
const fastRetry = { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

describeStoreConformance('S3Store on s3rver', {
  async setup() {
    srv = await startS3Server();
    return {
      open: async (space) => new S3Store({
        endpoint: srv.endpoint, bucket: srv.bucket, prefix: `conf/${space}`, credentials: srv.credentials, retry: fastRetry,
      }),
      rawKeys: (space) => listRawKeys(srv.endpoint, srv.bucket, `conf/${space}`, srv.credentials),
    };
  },
  async teardown() {
    // The wire checks below run on this server's recorded traffic, so it stops after them.
  },
});

describe('S3Store on s3rver: the wire', () => {
  let store: S3Store;
  before(async () => {
    srv ??= await startS3Server();
    store = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'wire/repo', credentials: srv.credentials, retry: fastRetry });
  });
  after(async () => {
    await store.close();
    await srv.stop();
  });

  it('the conformance run sent no x-amz-checksum-* / x-amz-sdk-checksum-* header on any request, and never used DeleteObjects', () => {
    const puts = srv.requests.filter((r) => r.method === 'PUT');
    const gets = srv.requests.filter((r) => r.method === 'GET' && r.url.includes('x-id=GetObject'));
    assert.ok(puts.length > 1100 && gets.length > 50, `traffic recorded: ${puts.length} PUT, ${gets.length} GET`);
    for (const r of srv.requests) {
      assert.deepEqual(checksumHeaders(r), [], `${r.method} ${r.url}`);
      assert.ok(!/[?&]delete(=|&|$)/.test(r.url) || r.method !== 'POST', `DeleteObjects used: ${r.url}`);
    }
  });

  it('PUT carries Content-MD5 of the body and Content-Length, a plain (non-aws-chunked) body, and no conditional headers', async () => {
    const from = srv.requests.length;
    const body = seededBytes(77, 1 << 20);
    await store.put('data', hexName(77), body);
    const puts = srv.requests.slice(from).filter((r) => r.method === 'PUT');
    assert.equal(puts.length, 1);
    const h = puts[0]!.headers;
    assert.equal(h['content-md5'], createHash('md5').update(body).digest('base64'));
    assert.equal(h['content-length'], String(body.byteLength));
    assert.equal(h['content-encoding'], undefined);
    assert.equal(h['x-amz-decoded-content-length'], undefined);
    assert.doesNotMatch(String(h['x-amz-content-sha256']), /STREAMING/);
    assert.equal(h['if-none-match'], undefined);
    assert.equal(h['if-match'], undefined);
    assert.equal(h['transfer-encoding'], undefined);
  });

  it('GET asks for no checksum validation (no x-amz-checksum-mode)', async () => {
    const from = srv.requests.length;
    await store.get('data', hexName(77));
    const gets = srv.requests.slice(from);
    assert.equal(gets.length, 1);
    assert.equal(gets[0]!.headers['x-amz-checksum-mode'], undefined);
    assert.deepEqual(checksumHeaders(gets[0]!), []);
  });

  it('delete: s3rver has no ListObjectVersions, so the store falls back to DeleteObject once and remembers it', async () => {
    const fresh = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'wire/fallback', credentials: srv.credentials, retry: fastRetry });
    try {
      for (let i = 0; i < 3; i++) await fresh.put('locks', `l${i}`, seededBytes(i, 10));
      const from = srv.requests.length;
      for (let i = 0; i < 3; i++) await fresh.delete('locks', `l${i}`);
      const traffic = srv.requests.slice(from).map((r) => `${r.method} ${r.url.split('?')[0]}${r.url.includes('versions') ? '?versions' : ''}`);
      assert.deepEqual(traffic, [
        'GET /pgvault-test/?versions',
        'DELETE /pgvault-test/wire/fallback/locks/l0',
        'DELETE /pgvault-test/wire/fallback/locks/l1',
        'DELETE /pgvault-test/wire/fallback/locks/l2',
      ]);
      for (const r of srv.requests.slice(from)) assert.deepEqual(checksumHeaders(r), [], `${r.method} ${r.url}`);
      await assert.rejects(fresh.get('locks', 'l1'), NotFoundError);
    } finally {
      await fresh.close();
    }
  });

  it('delete: 40 concurrent deletes on a fresh store all fall back to DeleteObject (one ListObjectVersions probe, no failure)', async () => {
    const fresh = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'wire/concurrent', credentials: srv.credentials, retry: fastRetry });
    try {
      const n = 40;
      for (let i = 0; i < n; i++) await fresh.put('data', hexName(1000 + i), seededBytes(i, 10));
      const from = srv.requests.length;
      const results = await Promise.allSettled(Array.from({ length: n }, (_, i) => fresh.delete('data', hexName(1000 + i))));
      const failed = results.filter((r) => r.status === 'rejected');
      assert.deepEqual(failed.map((r) => String((r as PromiseRejectedResult).reason)), []);
      const traffic = srv.requests.slice(from);
      assert.equal(traffic.filter((r) => r.url.includes('versions')).length, 1, 'one ListObjectVersions probe');
      const deleted = traffic.filter((r) => r.method === 'DELETE').map((r) => r.url);
      assert.equal(new Set(deleted).size, n, deleted.join('\n'));
      for await (const o of fresh.list('data')) assert.fail(`data/${o.name} survived its delete`);
    } finally {
      await fresh.close();
    }
  });

  it('why S3Store never uses DeleteObjects: the SDK still sends CRC32 checksum headers on it with WHEN_REQUIRED', async () => {
    // A canary on the pinned SDK (aws-sdk-js-v3 #6819). If it starts failing, the SDK changed: re-read docs/store.md.
    const { S3Client, DeleteObjectsCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({
      endpoint: srv.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: srv.credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
    const from = srv.requests.length;
    try {
      await client.send(new DeleteObjectsCommand({ Bucket: srv.bucket, Delete: { Objects: [{ Key: 'wire/none' }] } }));
    } finally {
      client.destroy();
    }
    const post = srv.requests.slice(from).find((r) => r.method === 'POST');
    assert.ok(post, 'DeleteObjects request recorded');
    assert.deepEqual(checksumHeaders(post).sort(), ['x-amz-checksum-crc32', 'x-amz-sdk-checksum-algorithm']);
    assert.equal(post.headers['content-md5'], undefined);
  });

  it('a missing bucket is StoreUnavailableError naming the bucket', async () => {
    const s = new S3Store({ endpoint: srv.endpoint, bucket: 'no-such-bucket', credentials: srv.credentials, retry: fastRetry });
    try {
      await assert.rejects(s.put('keys', 'k', new Uint8Array(1)), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.match(e.message, /bucket "no-such-bucket" does not exist at http:\/\/127\.0\.0\.1:\d+/);
        return true;
      });
      await assert.rejects(s.get('keys', 'k'), StoreUnavailableError);
    } finally {
      await s.close();
    }
  });

  it('an unknown access key is StoreUnavailableError "credentials rejected", without the secret', async () => {
    const secret = 'wrong-secret-value-123';
    const s = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, credentials: { accessKeyId: 'NOTAKEY', secretAccessKey: secret }, retry: fastRetry });
    try {
      await assert.rejects(s.put('keys', 'k', new Uint8Array(1)), (e: unknown) => {
        assert.ok(e instanceof StoreUnavailableError, String(e));
        assert.match(e.message, /^credentials rejected by http:\/\/127\.0\.0\.1:\d+ for bucket pgvault-test: InvalidAccessKeyId/);
        assert.match(e.message, /writeFiles/);
        assert.ok(!e.message.includes(secret));
        return true;
      });
    } finally {
      await s.close();
    }
  });
});
