/**
 * A small S3-protocol server for tests that keeps versions the way Backblaze B2 does, because s3rver
 * has no versioning. node:http on 127.0.0.1, path-style only, in memory. It implements just what
 * S3Store uses: PUT/GET/HEAD/DELETE object (DELETE without versionId writes a delete marker = B2 "hide";
 * with versionId it removes that version for good), ListObjectsV2 and ListObjectVersions, with pagination.
 *
 * Like B2 it verifies SigV4 signatures (403 InvalidAccessKeyId / SignatureDoesNotMatch), checks Content-MD5,
 * rejects the SDK's x-amz-checksum-* / x-amz-sdk-checksum-* headers with 400 "Unsupported header" and
 * conditional writes with 501, and answers DeleteObjects (POST ?delete) with 501 so any use shows up.
 *
 * Tests can add latency, inject failures (HTTP errors with Retry-After, connections dropped before or
 * after the operation took effect, requests that hang) and inspect every stored version.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { RecordedRequest } from './s3.js';

export interface VersionedS3Options {
  bucket?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Largest page for ListObjectsV2 / ListObjectVersions (default 1000, like S3 and B2). */
  pageSize?: number;
  /** Added before every response (default 0). */
  latencyMs?: number;
}

export interface RequestSummary {
  method: string;
  /** Object key (without bucket), or "" for bucket-level requests. */
  key: string;
  query: URLSearchParams;
}

export type Fault =
  | { kind: 'status'; status: number; code: string; retryAfter?: string }
  /** Close the connection without answering, before the operation takes effect. */
  | { kind: 'drop-before' }
  /** Perform the operation, then close the connection without answering (a lost response). */
  | { kind: 'drop-after' }
  /** Never answer (until the server stops). */
  | { kind: 'hang' };

export interface StoredVersion {
  versionId: string;
  deleteMarker: boolean;
  size: number;
}

export interface VersionedS3Server {
  endpoint: string;
  bucket: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  location(prefix: string): string;
  requests: RecordedRequest[];
  latencyMs: number;
  /** The next `times` requests matching `match` get `fault`. */
  injectFault(fault: Fault, opts?: { times?: number; match?: (r: RequestSummary) => boolean }): void;
  clearFaults(): void;
  /** Versions of `key`, oldest first (delete markers included). */
  versions(key: string): StoredVersion[];
  /** Every key that has at least one version or marker. */
  keysWithVersions(): string[];
  /** Bytes held by all versions of all keys: what B2 would bill. */
  storedBytes(): number;
  stop(): Promise<void>;
}

interface Version {
  versionId: string;
  deleteMarker: boolean;
  body: Buffer;
  etag: string;
  lastModified: Date;
}

interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function errorReply(status: number, code: string, message: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...extra },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message><RequestId>${randomBytes(8).toString('hex')}</RequestId></Error>`,
  };
}

function xmlReply(body: string): Reply {
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}` };
}

/** RFC 3986 encoding as SigV4 wants it. */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Check an AWS SigV4 Authorization header; returns an error reply or undefined when the signature is right. */
function verifySigV4(req: IncomingMessage, rawPath: string, rawQuery: string, body: Buffer,
  creds: { accessKeyId: string; secretAccessKey: string }): Reply | undefined {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return errorReply(403, 'AccessDenied', 'missing or malformed Authorization header');
  const [, keyId, date, region, service, signedHeaders, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId) return errorReply(403, 'InvalidAccessKeyId', 'The key ID you provided does not exist in our records.');
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(body).digest('hex')) {
    return errorReply(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const query = rawQuery === '' ? [] : rawQuery.split('&').map((p) => {
    const i = p.indexOf('=');
    const k = decodeURIComponent(i < 0 ? p : p.slice(0, i));
    const v = i < 0 ? '' : decodeURIComponent(p.slice(i + 1));
    return [uriEncode(k), uriEncode(v)] as const;
  }).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  const headerNames = (signedHeaders ?? '').split(';');
  const canonicalHeaders = headerNames.map((h) => {
    const v = req.headers[h];
    return `${h}:${(Array.isArray(v) ? v.join(',') : v ?? '').trim().replace(/\s+/g, ' ')}\n`;
  }).join('');
  const canonicalRequest = [req.method, rawPath, query.map(([k, v]) => `${k}=${v}`).join('&'), canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const kDate = hmac('AWS4' + creds.secretAccessKey, date ?? '');
  const kSigning = hmac(hmac(hmac(kDate, region ?? ''), service ?? ''), 'aws4_request');
  const expected = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  if (expected !== signature) {
    return errorReply(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
  }
  return undefined;
}

export async function startVersionedS3Server(o: VersionedS3Options = {}): Promise<VersionedS3Server> {
  const bucket = o.bucket ?? 'pgvault-versioned';
  const credentials = o.credentials ?? { accessKeyId: 'test-key-id', secretAccessKey: 'test-application-key-secret' };
  const pageSize = o.pageSize ?? 1000;
  const objects = new Map<string, Version[]>();
  const requests: RecordedRequest[] = [];
  const faults: { fault: Fault; remaining: number; match: (r: RequestSummary) => boolean }[] = [];
  const sockets = new Set<Socket>();
  let versionCounter = 0;
  let latencyMs = o.latencyMs ?? 0;

  const newVersionId = (): string => `4_z${(++versionCounter).toString(16).padStart(12, '0')}_${randomBytes(6).toString('hex')}`;
  const latest = (key: string): Version | undefined => objects.get(key)?.at(-1);
  const sortedKeys = (prefix: string): string[] => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();

  function handle(req: IncomingMessage, key: string, q: URLSearchParams, body: Buffer): Reply {
    const method = req.method ?? '';
    for (const h of Object.keys(req.headers)) {
      if (h.startsWith('x-amz-checksum-') || h.startsWith('x-amz-sdk-checksum-')) {
        return errorReply(400, 'InvalidArgument', `Unsupported header '${h}' received for this API call.`);
      }
    }
    if (key === '') {
      if (method === 'GET' && q.has('versions')) return listVersions(q);
      if (method === 'GET' && q.get('list-type') === '2') return listV2(q);
      if (method === 'POST' && q.has('delete')) return errorReply(501, 'NotImplemented', 'DeleteObjects is not implemented by this test server.');
      return errorReply(501, 'NotImplemented', `${method} on the bucket is not implemented by this test server.`);
    }
    switch (method) {
      case 'PUT': {
        if (req.headers['if-none-match'] !== undefined || req.headers['if-match'] !== undefined) {
          return errorReply(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented');
        }
        if (String(req.headers['content-encoding'] ?? '').includes('aws-chunked')) {
          return errorReply(400, 'InvalidArgument', 'aws-chunked encoding is not supported');
        }
        const md5 = req.headers['content-md5'];
        if (md5 !== undefined && md5 !== createHash('md5').update(body).digest('base64')) {
          return errorReply(400, 'BadDigest', 'The Content-MD5 you specified did not match what was received.');
        }
        const v: Version = {
          versionId: newVersionId(), deleteMarker: false, body,
          etag: `"${createHash('md5').update(body).digest('hex')}"`, lastModified: new Date(),
        };
        const list = objects.get(key) ?? [];
        list.push(v);
        objects.set(key, list);
        return { status: 200, headers: { etag: v.etag, 'x-amz-version-id': v.versionId } };
      }
      case 'GET':
      case 'HEAD': {
        const vid = q.get('versionId');
        const v = vid ? objects.get(key)?.find((x) => x.versionId === vid) : latest(key);
        if (!v || v.deleteMarker) return errorReply(404, 'NoSuchKey', 'The specified key does not exist.');
        return {
          status: 200,
          headers: {
            etag: v.etag, 'content-length': String(v.body.length), 'content-type': 'application/octet-stream',
            'last-modified': v.lastModified.toUTCString(), 'x-amz-version-id': v.versionId,
          },
          body: method === 'GET' ? v.body : undefined,
        };
      }
      case 'DELETE': {
        const vid = q.get('versionId');
        if (vid === null) {
          const marker: Version = { versionId: newVersionId(), deleteMarker: true, body: Buffer.alloc(0), etag: '', lastModified: new Date() };
          const list = objects.get(key) ?? [];
          list.push(marker);
          objects.set(key, list);
          return { status: 204, headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } };
        }
        const list = objects.get(key);
        const i = list?.findIndex((x) => x.versionId === vid) ?? -1;
        if (!list || i < 0) return errorReply(404, 'NoSuchVersion', 'The specified version does not exist.');
        list.splice(i, 1);
        if (list.length === 0) objects.delete(key);
        return { status: 204, headers: { 'x-amz-version-id': vid } };
      }
      default:
        return errorReply(405, 'MethodNotAllowed', `${method} is not allowed on an object.`);
    }
  }

  function listV2(q: URLSearchParams): Reply {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(pageSize, Number(q.get('max-keys') ?? pageSize));
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
    const visible = sortedKeys(prefix).filter((k) => k > after && latest(k)?.deleteMarker === false);
    const page = visible.slice(0, max);
    const truncated = visible.length > page.length;
    const contents = page.map((k) => {
      const v = latest(k) as Version;
      return `<Contents><Key>${esc(k)}</Key><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${esc(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    }).join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1) as string).toString('base64url')}</NextContinuationToken>` : '';
    return xmlReply(`<ListBucketResult xmlns="${XMLNS}"><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`);
  }

  function listVersions(q: URLSearchParams): Reply {
    const prefix = q.get('prefix') ?? '';
    const max = Math.min(pageSize, Number(q.get('max-keys') ?? pageSize));
    const keyMarker = q.get('key-marker') ?? '';
    const versionIdMarker = q.get('version-id-marker') ?? '';
    // Entries in S3 order: keys ascending, newest version first.
    const all = sortedKeys(prefix).flatMap((k) => [...(objects.get(k) ?? [])].reverse().map((v, i) => ({ key: k, v, isLatest: i === 0 })));
    let start = 0;
    if (keyMarker !== '') {
      const at = versionIdMarker !== '' ? all.findIndex((e) => e.key === keyMarker && e.v.versionId === versionIdMarker) : -1;
      start = at >= 0 ? at + 1 : all.findIndex((e) => e.key > keyMarker);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + max);
    const truncated = start + page.length < all.length;
    const last = page.at(-1);
    const entries = page.map(({ key, v, isLatest }) => v.deleteMarker
      ? `<DeleteMarker><Key>${esc(key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${isLatest}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified></DeleteMarker>`
      : `<Version><Key>${esc(key)}</Key><VersionId>${v.versionId}</VersionId><IsLatest>${isLatest}</IsLatest><LastModified>${v.lastModified.toISOString()}</LastModified><ETag>${esc(v.etag)}</ETag><Size>${v.body.length}</Size><StorageClass>STANDARD</StorageClass></Version>`).join('');
    const next = truncated && last ? `<NextKeyMarker>${esc(last.key)}</NextKeyMarker><NextVersionIdMarker>${last.v.versionId}</NextVersionIdMarker>` : '';
    return xmlReply(`<ListVersionsResult xmlns="${XMLNS}"><Name>${bucket}</Name><Prefix>${esc(prefix)}</Prefix><KeyMarker>${esc(keyMarker)}</KeyMarker><VersionIdMarker>${esc(versionIdMarker)}</VersionIdMarker><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${entries}</ListVersionsResult>`);
  }

  function send(req: IncomingMessage, res: ServerResponse, r: Reply): void {
    const body = req.method === 'HEAD' || r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body);
    const headers: Record<string, string> = { 'x-amz-request-id': randomBytes(8).toString('hex'), ...r.headers };
    if (req.method !== 'HEAD' || headers['content-length'] === undefined) headers['content-length'] = String(body?.length ?? 0);
    res.writeHead(r.status, headers);
    res.end(body);
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
        const body = Buffer.concat(chunks);
        const url = req.url ?? '/';
        const qi = url.indexOf('?');
        const rawPath = qi < 0 ? url : url.slice(0, qi);
        const rawQuery = qi < 0 ? '' : url.slice(qi + 1);
        const q = new URLSearchParams(rawQuery);
        const segments = rawPath.split('/');
        const reqBucket = decodeURIComponent(segments[1] ?? '');
        const key = segments.slice(2).map(decodeURIComponent).join('/');
        if (latencyMs > 0) await new Promise((r) => setTimeout(r, latencyMs));
        const authError = verifySigV4(req, rawPath, rawQuery, body, credentials);
        if (authError) return send(req, res, authError);
        if (reqBucket !== bucket) return send(req, res, errorReply(404, 'NoSuchBucket', 'The specified bucket does not exist'));
        const summary: RequestSummary = { method: req.method ?? '', key, query: q };
        const rule = faults.find((f) => f.remaining > 0 && f.match(summary));
        if (rule) {
          rule.remaining--;
          const f = rule.fault;
          if (f.kind === 'hang') return;
          if (f.kind === 'drop-before') { req.socket.destroy(); return; }
          if (f.kind === 'drop-after') { handle(req, key, q, body); req.socket.destroy(); return; }
          return send(req, res, errorReply(f.status, f.code, `injected ${f.code}`, f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {}));
        }
        send(req, res, handle(req, key, q, body));
      })();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    bucket,
    credentials,
    location: (prefix) => `s3:${endpoint}/${bucket}${prefix ? '/' + prefix : ''}`,
    requests,
    get latencyMs() { return latencyMs; },
    set latencyMs(v: number) { latencyMs = v; },
    injectFault(fault, opts = {}) {
      faults.push({ fault, remaining: opts.times ?? 1, match: opts.match ?? (() => true) });
    },
    clearFaults() { faults.length = 0; },
    versions: (key) => (objects.get(key) ?? []).map((v) => ({ versionId: v.versionId, deleteMarker: v.deleteMarker, size: v.body.length })),
    keysWithVersions: () => [...objects.keys()].sort(),
    storedBytes: () => [...objects.values()].reduce((n, l) => n + l.reduce((m, v) => m + v.body.length, 0), 0),
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
