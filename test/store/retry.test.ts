import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay, parseRetryAfter, resolveRetryOptions, RetriesExhausted, withRetry } from '../../src/store/retry.js';
import { classifyS3Error, mapS3Error, s3ErrorInfo } from '../../src/store/s3-errors.js';
import { credentialsFromEnv, resolveCredentials } from '../../src/store/credentials.js';
import { redact } from '../../src/redact.js';
import { ConfigError, NotFoundError, StoreUnavailableError } from '../../src/errors.js';

describe('retry policy', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('3'), 3000);
    assert.equal(parseRetryAfter(' 0 '), 0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:07 GMT', now), 7000);
    assert.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now), 0, 'a past date means now');
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });

  it('full jitter stays within min(max, base·2^(n-1)); Retry-After is a floor, capped', () => {
    const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000, random: () => 0.5 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, o)), [50, 100, 200, 400, 500, 500]);
    assert.equal(backoffDelay(1, o, 3000), 3000);
    assert.equal(backoffDelay(1, o, 60_000), 5000);
    const zero = resolveRetryOptions({ random: () => 0 });
    assert.equal(backoffDelay(3, zero), 0);
  });

  it('withRetry stops on a non-retryable error and wraps the last retryable one with the attempt count', async () => {
    const sleeps: number[] = [];
    const o = resolveRetryOptions({ maxAttempts: 3, baseDelayMs: 8, random: () => 0.5, sleep: async (ms) => { sleeps.push(ms); } });
    let calls = 0;
    await assert.rejects(withRetry('x', async () => { calls++; throw new Error('permanent'); }, () => ({ retry: false }), o), /permanent/);
    assert.equal(calls, 1);
    calls = 0;
    await assert.rejects(withRetry('x', async () => { calls++; throw new Error('flaky'); }, () => ({ retry: true }), o), (e: unknown) => {
      assert.ok(e instanceof RetriesExhausted);
      assert.equal(e.attempts, 3);
      assert.equal((e.cause as Error).message, 'flaky');
      return true;
    });
    assert.equal(calls, 3);
    assert.deepEqual(sleeps, [4, 8]);
    assert.equal(await withRetry('x', async (n) => { if (n < 2) throw new Error('once'); return n; }, () => ({ retry: true }), o), 2);
    assert.throws(() => resolveRetryOptions({ maxAttempts: 0 }), RangeError);
  });

  it('classifies S3 and network errors', () => {
    const svc = (name: string, status: number): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
    for (const [e, retry] of [
      [svc('SlowDown', 503), true], [svc('InternalError', 500), true], [svc('TooManyRequests', 429), true],
      [svc('RequestTimeout', 408), true], [svc('NotImplemented', 501), false], [svc('NoSuchKey', 404), false],
      [svc('AccessDenied', 403), false], [svc('InvalidArgument', 400), false],
      [Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), true],
      [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), true],
      [Object.assign(new Error('took too long'), { name: 'TimeoutError' }), true],
    ] as const) {
      assert.equal(classifyS3Error(e).retry, retry, `${e.name} ${e.message}`);
    }
    const withHeader = Object.assign(svc('SlowDown', 503), { $response: { headers: { 'retry-after': '4' } } });
    assert.deepEqual(classifyS3Error(withHeader), { retry: true, retryAfterMs: 4000 });
    assert.equal(s3ErrorInfo(new RetriesExhausted(3, withHeader)).code, 'SlowDown');
  });
});

describe('S3 error messages', () => {
  const ctx = { operation: 'PUT', key: 'repo/data/ab/ab12', endpoint: 'https://s3.us-west-004.backblazeb2.com', bucket: 'bkt', capability: 'writeFiles' };
  it('DNS failure after retries: "cannot reach <endpoint> (ENOTFOUND) after N attempts"', () => {
    const dns = Object.assign(new Error('getaddrinfo ENOTFOUND s3.us-west-004.backblazeb2.com'), { code: 'ENOTFOUND' });
    assert.equal(classifyS3Error(dns).retry, true);
    const m = mapS3Error(new RetriesExhausted(8, dns), ctx);
    assert.ok(m instanceof StoreUnavailableError);
    assert.match(m.message, /^cannot reach https:\/\/s3\.us-west-004\.backblazeb2\.com \(ENOTFOUND\) after 8 attempts during PUT repo\/data\/ab\/ab12: check the endpoint/);
  });

  it('maps not-found, missing bucket and rejected credentials, and redacts registered secrets from server text', () => {
    const svc = (name: string, status: number, message = name): Error => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
    assert.ok(mapS3Error(svc('NoSuchKey', 404), ctx) instanceof NotFoundError);
    assert.match(mapS3Error(svc('NoSuchBucket', 404), ctx).message, /^bucket "bkt" does not exist at https:\/\/s3\.us-west-004/);
    resolveCredentials({ accessKeyId: 'id', secretAccessKey: 'leaky-secret-77' }, {});
    const m = mapS3Error(svc('SignatureDoesNotMatch', 403, 'signature for leaky-secret-77 wrong'), ctx);
    assert.match(m.message, /^credentials rejected by https:\/\/s3\.us-west-004\.backblazeb2\.com for bucket bkt: SignatureDoesNotMatch on PUT/);
    assert.match(m.message, /"writeFiles" capability/);
    assert.ok(!m.message.includes('leaky-secret-77'));
  });
});

describe('S3 credentials from the environment', () => {
  it('prefers AWS_*, then B2_ACCOUNT_*, then B2_APPLICATION_KEY*, and registers the secret for redaction', () => {
    assert.deepEqual(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id1', AWS_SECRET_ACCESS_KEY: 'secret-aws-1', B2_ACCOUNT_ID: 'x', B2_ACCOUNT_KEY: 'y' }),
      { accessKeyId: 'id1', secretAccessKey: 'secret-aws-1' });
    assert.deepEqual(credentialsFromEnv({ B2_ACCOUNT_ID: '004abc', B2_ACCOUNT_KEY: 'K004-secret-b2' }),
      { accessKeyId: '004abc', secretAccessKey: 'K004-secret-b2' });
    assert.deepEqual(credentialsFromEnv({ B2_APPLICATION_KEY_ID: '005def', B2_APPLICATION_KEY: 'K005-secret-cli' }),
      { accessKeyId: '005def', secretAccessKey: 'K005-secret-cli' });
    assert.deepEqual(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id2', AWS_SECRET_ACCESS_KEY: 'secret-aws-2', AWS_SESSION_TOKEN: 'tok-123456' }),
      { accessKeyId: 'id2', secretAccessKey: 'secret-aws-2', sessionToken: 'tok-123456' });
    assert.equal(redact('failed with K004-secret-b2 in it'), 'failed with *** in it');
    assert.equal(redact('K005-secret-cli tok-123456'), '*** ***');
    resolveCredentials({ accessKeyId: 'a', secretAccessKey: 'explicit-secret-9' }, {});
    assert.equal(redact('explicit-secret-9'), '***');
  });

  it('says which variable is missing, and what to set when none is', () => {
    assert.throws(() => credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'id' }), (e: unknown) =>
      e instanceof ConfigError && /AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not/.test(e.message));
    assert.throws(() => credentialsFromEnv({ B2_ACCOUNT_KEY: 'k' }), /B2_ACCOUNT_KEY is set but B2_ACCOUNT_ID is not/);
    assert.throws(() => credentialsFromEnv({}), (e: unknown) =>
      e instanceof ConfigError && e.exitCode === 2 && /set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*B2_ACCOUNT_ID and B2_ACCOUNT_KEY/.test(e.message));
  });
});
