/**
 * S3Store: a repository in an S3 bucket under a prefix, tuned for Backblaze B2's S3-compatible API
 * and correct on other S3 services. B2 quirks handled here (sources in docs/store.md and
 * ../shared/docs/b2-and-peers.md §1):
 * - checksums: `requestChecksumCalculation`/`responseChecksumValidation` = WHEN_REQUIRED, because since
 *   @aws-sdk/client-s3 3.729 the SDK adds x-amz-checksum-crc32 / x-amz-checksum-mode headers that B2 has
 *   rejected (aws-sdk-js-v3 #6810, pingvin-share #798). We send Content-MD5 on every PUT instead; B2 checks it.
 * - DeleteObjects: never used. Even with WHEN_REQUIRED the SDK sends x-amz-checksum-crc32 on it
 *   (aws-sdk-js-v3 #6819), which B2 may reject. We delete with single DeleteObject calls (B2 API calls are free),
 *   a few in parallel; a test asserts no checksum header is sent on any request.
 * - versions: every B2 bucket keeps versions and a plain DeleteObject only hides. `deleteMode: 'all-versions'`
 *   (default) lists the key's versions and delete markers and deletes each by VersionId so the bytes stop being
 *   billed; servers without ListObjectVersions (s3rver) fall back to a plain DeleteObject, remembered per instance
 *   (as a promise: deletes running at the same time share the first one's answer).
 *   `deleteMode: 'hide'` only hides (for keys without the deleteFiles capability).
 * - bodies are Uint8Array (never streams) so every retry resends the whole body; no multipart; no conditional writes.
 * - retries are ours (./retry.ts: backoff + full jitter, Retry-After honoured); the SDK's are off (maxAttempts 1).
 *   Every retry is counted (`counters`: retries, stalls) and reported to `observeRetries` (the Repository logs it).
 */
import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError } from '../errors.js';
import { redact } from '../redact.js';
import { resolveCredentials, type Env, type S3Credentials } from './credentials.js';
import { dataFolder, isValidName, objectKey } from './keys.js';
import { ownedBody } from './owned.js';
import { resolveRetryOptions, withRetry, type ResolvedRetryOptions, type RetryOptions } from './retry.js';
import { classifyS3Error, isNotFound, isUnsupportedOperation, mapS3Error, s3ErrorInfo } from './s3-errors.js';
import type { ListOptions, ObjectInfo, ObjectKind, RetryEvent, Store, StoreCounters } from './types.js';

export type DeleteMode = 'all-versions' | 'hide';

export interface S3StoreOptions {
  /** Service endpoint, e.g. https://s3.us-west-004.backblazeb2.com (http only for local test servers). */
  endpoint: string;
  bucket: string;
  /** Key prefix of the repository inside the bucket ("" = bucket root); slashes at the ends are ignored. */
  prefix?: string;
  /** Signing region; for B2 it must equal the region in the endpoint. Default us-east-1. */
  region?: string;
  /** Path-style addressing (https://endpoint/bucket/key). Default true: works with B2, MinIO, s3rver. */
  forcePathStyle?: boolean;
  /** Explicit credentials; otherwise read from `env` (see ./credentials.ts). */
  credentials?: S3Credentials;
  /** Environment to read credentials from (default process.env). */
  env?: Env;
  /** 'all-versions' (default): delete removes every version; 'hide': a plain DeleteObject (B2 hides). */
  deleteMode?: DeleteMode;
  retry?: RetryOptions;
  /** Keep-alive sockets per endpoint (default 64; callers bound their own concurrency below this). */
  maxSockets?: number;
  /** TCP connect timeout in ms (default 10 000). */
  connectTimeoutMs?: number;
  /** Whole request + response time limit in ms (default 300 000), then a retryable TimeoutError. */
  requestTimeoutMs?: number;
  /** Socket idle limit in ms (default 60 000): a server that stops sending is given up on sooner. */
  socketTimeoutMs?: number;
  /** Warnings from the SDK's HTTP layer (socket exhaustion…); the library never prints them itself. */
  onWarning?: (message: string) => void;
  /** Version deletions in flight per deleted key (default 4). */
  versionDeleteConcurrency?: number;
}

interface VersionRef {
  versionId: string;
}

export class S3Store implements Store {
  readonly location: string;
  readonly endpoint: string;
  readonly bucket: string;
  /** "" or "some/prefix/" (always ending in "/"). */
  readonly prefix: string;
  readonly deleteMode: DeleteMode;
  /** `get` collects each body into a new buffer. */
  readonly ownedReads = true;
  readonly #client: S3Client;
  readonly #retry: ResolvedRetryOptions;
  readonly #agents: { http: HttpAgent; https: HttpsAgent };
  readonly #versionDeleteConcurrency: number;
  /** Retried attempts and stalls since this store was opened (run metrics export them). */
  readonly counters: StoreCounters = { retries: 0, stalls: 0 };
  #retryListener: ((e: RetryEvent) => void) | undefined;
  /**
   * Whether the server has ListObjectVersions: settled by the first all-versions delete, and shared as a
   * promise so that deletes running at the same time wait for that answer instead of each finding out
   * (and all but the first failing). Reset when the probe fails for another reason (network…).
   */
  #versionsProbe: Promise<boolean> | undefined;
  /** Set once a listing proved the bucket exists (a HEAD 404 cannot tell a missing key from a missing bucket). */
  #bucketSeen = false;

  constructor(o: S3StoreOptions) {
    const url = new URL(o.endpoint);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new RangeError(`S3 endpoint must be http(s), got ${o.endpoint}`);
    this.endpoint = redact(`${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`);
    this.bucket = o.bucket;
    this.prefix = normalizePrefix(o.prefix ?? '');
    this.location = `s3:${this.endpoint}/${this.bucket}${this.prefix ? '/' + this.prefix.slice(0, -1) : ''}`;
    this.deleteMode = o.deleteMode ?? 'all-versions';
    const retry = resolveRetryOptions(o.retry);
    this.#retry = {
      ...retry,
      onRetry: (info) => {
        const err = s3ErrorInfo(info.error);
        const stall = err.code === 'TimeoutError' || /timed out|no activity/i.test(err.message);
        this.counters.retries++;
        if (stall) this.counters.stalls++;
        retry.onRetry?.(info);
        this.#retryListener?.({
          operation: info.operation, attempt: info.attempt, maxAttempts: retry.maxAttempts, delayMs: info.delayMs, stall,
          reason: stall ? redact(err.message) : `${err.code}${err.status !== undefined ? ` (HTTP ${err.status})` : ''}`,
        });
      },
    };
    this.#versionDeleteConcurrency = o.versionDeleteConcurrency ?? 4;
    const maxSockets = o.maxSockets ?? 64;
    this.#agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets }),
      https: new HttpsAgent({ keepAlive: true, maxSockets }),
    };
    const warn = o.onWarning;
    const logger = {
      debug: (): void => undefined,
      info: (): void => undefined,
      warn: (...args: unknown[]): void => { warn?.(args.map(String).join(' ')); },
      error: (...args: unknown[]): void => { warn?.(args.map(String).join(' ')); },
    };
    this.#client = new S3Client({
      logger,
      endpoint: o.endpoint,
      region: o.region ?? 'us-east-1',
      forcePathStyle: o.forcePathStyle ?? true,
      credentials: resolveCredentials(o.credentials, o.env ?? process.env),
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 1,
      requestHandler: {
        httpAgent: this.#agents.http,
        httpsAgent: this.#agents.https,
        connectionTimeout: o.connectTimeoutMs ?? 10_000,
        requestTimeout: o.requestTimeoutMs ?? 300_000,
        throwOnRequestTimeout: true,
        socketTimeout: o.socketTimeoutMs ?? 60_000,
        logger,
      },
    });
  }

  observeRetries(listener: (e: RetryEvent) => void): void {
    this.#retryListener = listener;
  }

  #key(kind: ObjectKind, name: string): string {
    return this.prefix + objectKey(kind, name);
  }

  /** Run one S3 call under our retry policy; failures become pgvault errors. */
  async #call<T>(operation: string, key: string, capability: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withRetry(`${operation} ${key}`, fn, classifyS3Error, this.#retry);
    } catch (e) {
      throw mapS3Error(e, { operation, key, endpoint: this.endpoint, bucket: this.bucket, capability });
    }
  }

  async put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> {
    const key = this.#key(kind, name);
    const md5 = createHash('md5').update(body).digest('base64');
    await this.#call('PUT', key, 'writeFiles', () => this.#client.send(new PutObjectCommand({
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.byteLength,
      ContentMD5: md5,
      ContentType: 'application/octet-stream',
    })));
  }

  async get(kind: ObjectKind, name: string): Promise<Uint8Array> {
    const key = this.#key(kind, name);
    return this.#call('GET', key, 'readFiles', async () => {
      const res = await this.#client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!res.Body) throw new TruncatedBodyError(key, res.ContentLength ?? -1, 0);
      const bytes = await res.Body.transformToByteArray();
      if (res.ContentLength !== undefined && bytes.byteLength !== res.ContentLength) {
        throw new TruncatedBodyError(key, res.ContentLength, bytes.byteLength);
      }
      return ownedBody(bytes);
    });
  }

  async stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const key = this.#key(kind, name);
    try {
      const res = await this.#call('HEAD', key, 'readFiles',
        () => this.#client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return { name, size: res.ContentLength ?? 0 };
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
    if (!this.#bucketSeen) {
      // HEAD answers a bare 404 for a missing bucket too: one listing tells "no such object" from "no such bucket"
      // (NoSuchBucket → StoreUnavailableError), so a typo in the bucket name is not reported as "no repository".
      await this.#call('LIST', this.prefix, 'listFiles', () => this.#client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: this.prefix, MaxKeys: 1,
      })));
      this.#bucketSeen = true;
    }
    return null;
  }

  async *list(kind: ObjectKind, opts: ListOptions = {}): AsyncIterable<ObjectInfo> {
    const listPrefix = kind === 'config' ? this.prefix + 'config' : `${this.prefix}${kind}/`;
    let token: string | undefined;
    do {
      const page = await this.#call('LIST', listPrefix, 'listFiles', () => this.#client.send(new ListObjectsV2Command({
        Bucket: this.bucket, Prefix: listPrefix, ContinuationToken: token,
      })));
      for (const obj of page.Contents ?? []) {
        if (obj.Key === undefined) continue;
        const name = this.#nameOf(kind, obj.Key);
        if (name === undefined) continue;
        yield opts.modified === true && obj.LastModified ? { name, size: obj.Size ?? 0, modified: obj.LastModified } : { name, size: obj.Size ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** The object name for a listed key, or undefined for keys that are not ours (foreign files, other layouts). */
  #nameOf(kind: ObjectKind, key: string): string | undefined {
    const rel = key.slice(this.prefix.length).split('/');
    if (kind === 'config') return rel.length === 1 && rel[0] === 'config' ? 'config' : undefined;
    if (kind === 'data') {
      const [, folder, name] = rel;
      if (rel.length !== 3 || name === undefined || !isValidName('data', name) || dataFolder(name) !== folder) return undefined;
      return name;
    }
    const name = rel[1];
    return rel.length === 2 && name !== undefined && isValidName(kind, name) ? name : undefined;
  }

  async delete(kind: ObjectKind, name: string): Promise<void> {
    const key = this.#key(kind, name);
    if (this.deleteMode === 'hide') {
      await this.#deletePlain(key, 'writeFiles');
      return;
    }
    const versions = await this.#versionsOf(key);
    if (versions === null) {
      await this.#deletePlain(key, 'deleteFiles');
      return;
    }
    await eachLimit(versions, this.#versionDeleteConcurrency, async (v) => {
      try {
        await this.#call('DELETE-VERSION', `${key} (version ${v.versionId})`, 'deleteFiles',
          () => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: v.versionId })));
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e; // already gone: someone (or our lost earlier attempt) deleted it
      }
    });
  }

  /**
   * The versions of `key` to delete, or null when the server has no ListObjectVersions (s3rver answers
   * 405): then a plain DeleteObject is all there is. The first caller probes; concurrent callers await
   * its answer (a memoised promise), so the fallback holds for every delete, not only the first.
   */
  async #versionsOf(key: string): Promise<VersionRef[] | null> {
    const mapped = (e: unknown): unknown => mapS3Error(e, { operation: 'LIST-VERSIONS', key, endpoint: this.endpoint, bucket: this.bucket, capability: 'listFiles' });
    for (;;) {
      const known = this.#versionsProbe;
      if (known === undefined) {
        const mine = this.#listVersions(key);
        const probe = mine.then(() => true, (e: unknown) => {
          if (isUnsupportedOperation(e)) return false;
          throw e;
        });
        this.#versionsProbe = probe;
        // A probe that failed for another reason (network, credentials) decides nothing: the next delete probes again.
        probe.catch(() => { if (this.#versionsProbe === probe) this.#versionsProbe = undefined; });
        try {
          return await mine;
        } catch (e) {
          if (isUnsupportedOperation(e)) return null;
          throw mapped(e);
        }
      }
      let supported: boolean;
      try {
        supported = await known;
      } catch {
        continue; // that probe failed for its own reason: probe again with our key
      }
      if (!supported) return null;
      try {
        return await this.#listVersions(key);
      } catch (e) {
        throw mapped(e);
      }
    }
  }

  /** Every version and delete marker of exactly `key` (raw SDK errors escape for the caller to classify). */
  async #listVersions(key: string): Promise<VersionRef[]> {
    const out: VersionRef[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    for (;;) {
      const page = await withRetry(`LIST-VERSIONS ${key}`, () => this.#client.send(new ListObjectVersionsCommand({
        Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker,
      })), classifyS3Error, this.#retry);
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (v.Key === key && v.VersionId !== undefined) out.push({ versionId: v.VersionId });
      }
      if (!page.IsTruncated) return out;
      keyMarker = page.NextKeyMarker;
      versionIdMarker = page.NextVersionIdMarker;
      if (keyMarker === undefined || keyMarker > key) return out; // the rest belongs to longer keys
    }
  }

  async #deletePlain(key: string, capability: string): Promise<void> {
    try {
      await this.#call('DELETE', key, capability,
        () => this.#client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
    } catch (e) {
      if (e instanceof NotFoundError || isNotFound(e)) return; // a retried delete whose first attempt succeeded
      throw e;
    }
  }

  async close(): Promise<void> {
    this.#client.destroy();
    this.#agents.http.destroy();
    this.#agents.https.destroy();
  }
}

/** A GET whose body ended early: retried like a network error. */
class TruncatedBodyError extends Error {
  constructor(key: string, expected: number, got: number) {
    super(`body of ${key} truncated: expected ${expected} bytes, got ${got}`);
    this.name = 'TruncatedBodyError';
  }
}

export function normalizePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+|\/+$/g, '');
  return p === '' ? '' : `${p}/`;
}

async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
