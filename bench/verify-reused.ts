/**
 * What proving reused chunks costs (issue 10 item 3, src/repo/verify-reused.ts): requests and seconds
 * to prove R reused chunks of a repository of N data objects, with HEADs only, with one listing only,
 * and with the automatic choice, against the versioned S3 test server (pages of 1000 keys like S3 and
 * B2) with an added per-request latency (default 50 ms, a far-away bucket).
 *
 *   npx tsx bench/verify-reused.ts [--objects 5000] [--reused 50,5000] [--latency-ms 50]
 */
import { pathToFileURL } from 'node:url';
import { silentLogger } from '../src/log.js';
import { ReusedChunkVerifier } from '../src/repo/verify-reused.js';
import { S3Store } from '../src/store/s3.js';
import { startVersionedS3Server } from '../test/helpers/versioned-s3.js';

export interface VerifyBenchResult {
  objects: number;
  reused: number;
  mode: 'auto' | 'HEAD only' | 'LIST only';
  heads: number;
  listRequests: number;
  seconds: number;
}

function idOf(i: number): string {
  return i.toString(16).padStart(8, '0').repeat(8);
}

export async function run(o: { objects?: number; reused?: number[]; latencyMs?: number; log?: (l: string) => void } = {}): Promise<VerifyBenchResult[]> {
  const objects = o.objects ?? 5000;
  const reusedCounts = o.reused ?? [50, objects];
  const log = o.log ?? ((): void => undefined);
  const srv = await startVersionedS3Server({ latencyMs: 0 });
  const store = new S3Store({ endpoint: srv.endpoint, bucket: srv.bucket, prefix: 'bench', credentials: srv.credentials });
  const out: VerifyBenchResult[] = [];
  try {
    const body = new Uint8Array(200);
    let next = 0;
    await Promise.all(Array.from({ length: 32 }, async () => {
      while (next < objects) await store.put('data', idOf(next++), body);
    }));
    log(`${objects} data objects written`);
    srv.latencyMs = o.latencyMs ?? 50;
    for (const reused of reusedCounts) {
      for (const mode of ['auto', 'HEAD only', 'LIST only'] as const) {
        const estimated = mode === 'HEAD only' ? Number.MAX_SAFE_INTEGER : mode === 'LIST only' ? 0 : objects;
        const v = new ReusedChunkVerifier({
          store, logger: silentLogger, estimatedObjects: () => estimated,
          reupload: () => Promise.reject(new Error('every object exists: nothing may be missing')),
        });
        const from = srv.requests.length;
        const t0 = performance.now();
        for (let i = 0; i < reused; i++) await v.reuse(idOf(i), body);
        await v.drain();
        const seconds = (performance.now() - t0) / 1000;
        const traffic = srv.requests.slice(from);
        const r: VerifyBenchResult = {
          objects, reused, mode, seconds,
          heads: traffic.filter((q) => q.method === 'HEAD').length,
          listRequests: traffic.filter((q) => q.method === 'GET' && q.url.includes('list-type=2')).length,
        };
        out.push(r);
        log(`${objects} objects, ${reused} reused, ${mode}: ${r.heads} HEAD + ${r.listRequests} LIST in ${seconds.toFixed(2)} s`);
      }
    }
  } finally {
    await store.close();
    await srv.stop();
  }
  return out;
}

export function toMarkdown(results: VerifyBenchResult[], latencyMs: number): string {
  const lines = [`Per-request latency ${latencyMs} ms; HEADs 8 in flight; LIST pages of 1000 keys.`, '',
    '| data objects | reused chunks | mode | HEAD | LIST | requests | seconds |', '|---:|---:|---|---:|---:|---:|---:|'];
  for (const r of results) {
    lines.push(`| ${r.objects} | ${r.reused} | ${r.mode} | ${r.heads} | ${r.listRequests} | ${r.heads + r.listRequests} | ${r.seconds.toFixed(2)} |`);
  }
  return lines.join('\n');
}

function argValue(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const latencyMs = Number(argValue(args, '--latency-ms') ?? 50);
  const results = await run({
    objects: argValue(args, '--objects') === undefined ? undefined : Number(argValue(args, '--objects')),
    reused: argValue(args, '--reused')?.split(',').map(Number),
    latencyMs,
    log: (l) => process.stderr.write(l + '\n'),
  });
  process.stdout.write(toMarkdown(results, latencyMs) + '\n');
}
