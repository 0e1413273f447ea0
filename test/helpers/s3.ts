/**
 * A real S3-protocol server for tests: s3rver 3.7.1 on 127.0.0.1 (random port, temp directory, silent,
 * one bucket), behind a tiny recording proxy so tests can see exactly which headers the AWS SDK sends
 * (independent of SDK middleware). Stop it in an `after` hook.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, Agent, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface RecordedRequest {
  method: string;
  /** Path and query as sent, e.g. /bucket/prefix/data/ab/ab12?x-id=PutObject */
  url: string;
  headers: IncomingHttpHeaders;
}

export interface S3TestServer {
  /** http://127.0.0.1:<port> (the recording proxy). */
  endpoint: string;
  bucket: string;
  /** s3rver checks SigV4 against this fixed account. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** A repository location for openStore(): s3:<endpoint>/<bucket>/<prefix>. */
  location(prefix: string): string;
  /** Every request that went through, in arrival order. */
  requests: RecordedRequest[];
  stop(): Promise<void>;
}

/** Forward every request to `target` port on 127.0.0.1 unchanged, recording method, url and headers. */
export async function startRecordingProxy(targetPort: number, requests: RecordedRequest[]): Promise<{ port: number; server: Server; agent: Agent }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers } });
    const up = request({ host: '127.0.0.1', port: targetPort, method: req.method, path: req.url, headers: req.headers, agent }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(e));
    });
    req.pipe(up);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server, agent };
}

/**
 * s3rver runs in a child Node process started with --openssl-legacy-provider: its ListObjectsV2
 * continuation tokens are DES-encrypted, and OpenSSL 3 offers DES only through the legacy provider
 * (without it every truncated listing is a 500). It also keeps s3rver's CPU off the test process.
 */
export async function startS3Server(opts: { bucket?: string; /** false: no recording proxy (benchmarks) */ record?: boolean } = {}): Promise<S3TestServer> {
  const bucket = opts.bucket ?? 'pgvault-test';
  const directory = await mkdtemp(join(tmpdir(), 'pgvault-s3rver-'));
  const script = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', script, JSON.stringify({ directory, bucket })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const s3Port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      const msg = JSON.parse(buf.slice(0, nl)) as { port?: number; error?: string };
      if (msg.port) resolve(msg.port); else reject(new Error(`s3rver failed to start: ${msg.error}`));
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`s3rver process exited with ${code} before listening`)));
  });
  const requests: RecordedRequest[] = [];
  const proxy = opts.record === false ? undefined : await startRecordingProxy(s3Port, requests);
  const endpoint = `http://127.0.0.1:${proxy?.port ?? s3Port}`;
  return {
    endpoint,
    bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    location: (prefix) => `s3:${endpoint}/${bucket}${prefix ? '/' + prefix : ''}`,
    requests,
    async stop() {
      if (proxy) {
        proxy.server.closeAllConnections();
        await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
        proxy.agent.destroy();
      }
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      if (child.exitCode === null) {
        child.stdin.end(); // the child exits when its stdin closes (also if we die)
        await exited;
      }
      await rm(directory, { recursive: true, force: true });
    },
  };
}

/** Every key under `prefix` ("" = whole bucket), read with a plain SDK client, for layout assertions. */
export async function listRawKeys(endpoint: string, bucket: string, prefix: string,
  credentials: { accessKeyId: string; secretAccessKey: string }): Promise<string[]> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const p = prefix === '' ? '' : prefix.replace(/\/*$/, '/');
  const keys: string[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: p, ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key.slice(p.length));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return keys;
}

/** Names of request headers that carry SDK checksums (what B2 has rejected). */
export function checksumHeaders(r: RecordedRequest): string[] {
  return Object.keys(r.headers).filter((h) => h.startsWith('x-amz-checksum-') || h.startsWith('x-amz-sdk-checksum-'));
}
