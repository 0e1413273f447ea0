/**
 * Store round trips on the throwaway location: PUT/GET of chunk-sized objects with N in flight (rate
 * and per-request latency percentiles) and of tiny objects one at a time (pure round-trip latency).
 */
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/types.js';
import type { StageResult } from './types.js';

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
}

async function timedAll<T>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<void>): Promise<number[]> {
  const lat: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      const t = now();
      await fn(items[i]!, i);
      lat.push((now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return lat;
}

const ms = (x: number): number => Math.round(x * 10) / 10;

/**
 * Upload `bodies` (packed chunks; `plainBytes` is their plaintext total, so MB/s compare with the other
 * stages) and download them again; then tiny-object latency. Object names are random, under data/.
 */
export async function transferStages(store: Store, bodies: readonly Uint8Array[], plainBytes: number, concurrency: number): Promise<StageResult[]> {
  const tag = randomBytes(4).toString('hex');
  const names = bodies.map((_, i) => `bench${tag}${String(i).padStart(6, '0')}`);
  const wire = bodies.reduce((n, b) => n + b.length, 0);
  let t = now();
  const up = await timedAll(bodies, concurrency, async (b, i) => { await store.put('data', names[i]!, b); });
  const upSecs = now() - t;
  t = now();
  const down = await timedAll(names, concurrency, async (n) => { await store.get('data', n); });
  const downSecs = now() - t;
  const tiny = new Uint8Array(1024);
  const small: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t1 = now();
    await store.put('locks', `bench${tag}tiny${i}`, tiny);
    small.push((now() - t1) * 1000);
  }
  return [
    {
      stage: 'upload', label: `upload to the bucket, ${concurrency} in flight (rate in plaintext MB/s)`, path: 'backup', bytes: plainBytes, seconds: upSecs,
      mbPerSec: plainBytes / 1e6 / upSecs,
      detail: { objects: bodies.length, wireMBps: Number((wire / 1e6 / upSecs).toFixed(1)), p50ms: ms(pct(up, 0.5)), p95ms: ms(pct(up, 0.95)), maxms: ms(Math.max(...up)) },
    },
    {
      stage: 'download', label: `download from the bucket, ${concurrency} in flight (plaintext MB/s)`, path: 'restore', bytes: plainBytes, seconds: downSecs,
      mbPerSec: plainBytes / 1e6 / downSecs,
      detail: { objects: names.length, wireMBps: Number((wire / 1e6 / downSecs).toFixed(1)), p50ms: ms(pct(down, 0.5)), p95ms: ms(pct(down, 0.95)) },
    },
    {
      stage: 'latency', label: 'round trip of a 1 KiB PUT, one at a time', path: 'info', bytes: 0, seconds: small.reduce((a, b) => a + b, 0) / 1000,
      mbPerSec: null, detail: { p50ms: ms(pct(small, 0.5)), maxms: ms(Math.max(...small)) },
    },
  ];
}
