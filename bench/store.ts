/**
 * Store throughput and latency: put then get of N objects (1 MiB by default) at several concurrency
 * levels, against FsStore (fsync on), S3Store on s3rver (separate process, plain http on 127.0.0.1), and
 * S3Store on the versioned test server with added per-request latency (default 50 ms), which is what a
 * far-away bucket looks like and shows what concurrent requests buy.
 *
 *   npx tsx bench/store.ts [--objects 48] [--size-mib 1] [--latency-ms 50] [--concurrency 1,4,8,16] [--targets fs,s3rver,latency]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FsStore } from '../src/store/fs.js';
import { S3Store } from '../src/store/s3.js';
import type { Store } from '../src/store/types.js';
import { startS3Server } from '../test/helpers/s3.js';
import { startVersionedS3Server } from '../test/helpers/versioned-s3.js';

export type StoreBenchTarget = 'fs' | 's3rver' | 'latency';

export interface StoreBenchOptions {
  /** Object size in bytes (default 1 MiB). */
  objectSize?: number;
  /** Objects per concurrency level (default 48). */
  objects?: number;
  concurrency?: number[];
  /** Latency the 'latency' target adds to every request (default 50 ms). */
  latencyMs?: number;
  targets?: StoreBenchTarget[];
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface StoreBenchResult {
  target: string;
  op: 'put' | 'get';
  concurrency: number;
  objects: number;
  bytes: number;
  seconds: number;
  mbPerSec: number;
  p50Ms: number;
  p95Ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

async function timed(names: string[], concurrency: number, fn: (name: string) => Promise<void>): Promise<{ seconds: number; lat: number[] }> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < names.length) {
      const name = names[next++] as string;
      const s = performance.now();
      await fn(name);
      lat.push(performance.now() - s);
    }
  }));
  return { seconds: (performance.now() - t0) / 1000, lat: lat.sort((a, b) => a - b) };
}

async function benchStore(target: string, store: Store, o: Required<Omit<StoreBenchOptions, 'log' | 'targets'>>, log: (l: string) => void): Promise<StoreBenchResult[]> {
  const out: StoreBenchResult[] = [];
  const body = new Uint8Array(o.objectSize);
  for (let i = 0; i < body.length; i++) body[i] = (i * 2654435761) >>> 24;
  for (const c of o.concurrency) {
    const names = Array.from({ length: o.objects }, (_, i) => `${(i % 256).toString(16).padStart(2, '0')}bench${c}x${i}`);
    for (const op of ['put', 'get'] as const) {
      const { seconds, lat } = await timed(names, c, async (name) => {
        if (op === 'put') await store.put('data', name, body);
        else if ((await store.get('data', name)).byteLength !== body.byteLength) throw new Error(`short read of ${name}`);
      });
      const bytes = o.objects * o.objectSize;
      const r: StoreBenchResult = {
        target, op, concurrency: c, objects: o.objects, bytes, seconds,
        mbPerSec: bytes / 1e6 / seconds, p50Ms: percentile(lat, 50), p95Ms: percentile(lat, 95),
      };
      out.push(r);
      log(`${target} ${op} c=${c}: ${r.mbPerSec.toFixed(1)} MB/s, p50 ${r.p50Ms.toFixed(1)} ms, p95 ${r.p95Ms.toFixed(1)} ms`);
    }
    for (const name of names) await store.delete('data', name);
  }
  return out;
}

export async function run(opts: StoreBenchOptions = {}): Promise<StoreBenchResult[]> {
  const o = {
    objectSize: opts.objectSize ?? 1024 * 1024,
    objects: opts.objects ?? 48,
    concurrency: opts.concurrency ?? [1, 4, 8, 16],
    latencyMs: opts.latencyMs ?? 50,
  };
  const targets = opts.targets ?? ['fs', 's3rver', 'latency'];
  const log = opts.log ?? ((): void => undefined);
  const results: StoreBenchResult[] = [];
  if (targets.includes('fs')) {
    const dir = await mkdtemp(join(tmpdir(), 'pgvault-bench-fs-'));
    const store = new FsStore(dir);
    try {
      results.push(...await benchStore('FsStore (fsync)', store, o, log));
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  if (targets.includes('s3rver')) {
    const srv = await startS3Server({ record: false });
    const store = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'bench', credentials: srv.credentials });
    try {
      results.push(...await benchStore('S3Store on s3rver', store, o, log));
    } finally {
      await store.close();
      await srv.stop();
    }
  }
  if (targets.includes('latency')) {
    const srv = await startVersionedS3Server({ latencyMs: o.latencyMs });
    const store = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'bench', credentials: srv.credentials });
    try {
      results.push(...await benchStore(`S3Store, +${o.latencyMs} ms/request`, store, o, log));
    } finally {
      await store.close();
      await srv.stop();
    }
  }
  return results;
}

export function toMarkdown(results: StoreBenchResult[]): string {
  const lines = ['| target | op | concurrency | MB/s | p50 ms | p95 ms |', '|---|---|---:|---:|---:|---:|'];
  for (const r of results) {
    lines.push(`| ${r.target} | ${r.op} | ${r.concurrency} | ${r.mbPerSec.toFixed(1)} | ${r.p50Ms.toFixed(1)} | ${r.p95Ms.toFixed(1)} |`);
  }
  return lines.join('\n');
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const num = (f: string): number | undefined => (argValue(args, f) === undefined ? undefined : Number(argValue(args, f)));
  const sizeMib = num('--size-mib');
  const results = await run({
    objects: num('--objects'),
    objectSize: sizeMib === undefined ? undefined : Math.round(sizeMib * 1024 * 1024),
    latencyMs: num('--latency-ms'),
    concurrency: argValue(args, '--concurrency')?.split(',').map(Number),
    targets: argValue(args, '--targets')?.split(',') as StoreBenchTarget[] | undefined,
    log: (l) => process.stderr.write(l + '\n'),
  });
  process.stdout.write(toMarkdown(results) + '\n');
}
