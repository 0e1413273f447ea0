/**
 * Chunker benchmark and parameter experiment.
 *
 *   npx tsx bench/chunker.ts [--size-mb 256] [--seed 1]
 *
 * 1. Throughput of the streaming chunker (default parameters and each candidate) against raw
 *    fastcdc-wasm on the same 1 MiB buffers, on dump-like data held in memory.
 * 2. Peak RSS while streaming the generator straight through the chunker (nothing held).
 * 3. Dedup experiment: chunk version 0 and version 1 (≈1% appended rows plus scattered updates) of
 *    the data with each candidate average size; count objects and what version 1 adds.
 * `run()` returns the numbers for a bench runner; run directly, it prints Markdown tables.
 */
import { createHash } from 'node:crypto';
import { Chunker, chunkStream, DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from '../src/chunker/index.js';
import { boundaries } from '../src/chunker/fastcdc.js';
import { generateDump, generateDumpSync, type DumpOptions } from './lib/dumpdata.js';

export interface ChunkerBenchOptions {
  /** Size of the generated base data in MB (10^6 bytes). Default 256. */
  sizeMB?: number;
  seed?: number;
  /** Candidate average chunk sizes in bytes; min = avg/4, max = 4 × avg. */
  candidates?: number[];
  /** Fractions of `accounts` rows updated between version 0 and 1. */
  updateFractions?: number[];
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface ThroughputRow { what: string; mbPerSec: number }
export interface DedupRow {
  avgKiB: number;
  updateFraction: number;
  objectsV0: number;
  objectsPerGB: number;
  meanChunkKiB: number;
  newObjectsV1: number;
  newMiBV1: number;
  reusedPercent: number;
}
export interface ChunkerBenchResult {
  dataMB: number;
  generatorMBps: number;
  throughput: ThroughputRow[];
  streamingPeakRssMiB: number;
  dedup: DedupRow[];
}

const MiB = 1024 * 1024;
const paramsFor = (avg: number): ChunkerParams => ({ min: avg / 4, avg, max: avg * 4 });

function chunkAll(buffers: readonly Uint8Array[], p: ChunkerParams, onChunk: (c: Uint8Array) => void): void {
  const ch = new Chunker(p);
  for (const b of buffers) for (const c of ch.push(b)) onChunk(c);
  for (const c of ch.finish()) onChunk(c);
}

const digest = (c: Uint8Array): string => createHash('sha256').update(c).digest('base64');

export async function run(opts: ChunkerBenchOptions = {}): Promise<ChunkerBenchResult> {
  const log = opts.log ?? (() => undefined);
  const sizeMB = opts.sizeMB ?? 256;
  const seed = opts.seed ?? 1;
  const candidates = opts.candidates ?? [256 * 1024, 512 * 1024, MiB, 2 * MiB];
  const updateFractions = opts.updateFractions ?? [0.0001, 0.001];
  const base: DumpOptions = { bytes: sizeMB * 1e6, seed };

  // Streaming from the generator: nothing is held, so the peak RSS is the chunker's working set.
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);
  let streamed = 0;
  for await (const c of chunkStream(generateDump({ ...base, version: 0 }), DEFAULT_CHUNKER_PARAMS)) {
    streamed += c.length;
    peak = Math.max(peak, process.memoryUsage.rss());
  }
  clearInterval(timer);
  log(`streamed ${(streamed / 1e6).toFixed(0)} MB through the chunker; RSS ${(before / MiB).toFixed(0)} → peak ${(peak / MiB).toFixed(0)} MiB`);


  let t0 = performance.now();
  const v0 = [...generateDumpSync({ ...base, version: 0 })];
  const v0Bytes = v0.reduce((n, b) => n + b.length, 0);
  const generatorMBps = v0Bytes / 1e6 / ((performance.now() - t0) / 1000);
  log(`generated ${(v0Bytes / 1e6).toFixed(0)} MB of dump-like text at ${generatorMBps.toFixed(0)} MB/s`);

  const throughput: ThroughputRow[] = [];
  const d = DEFAULT_CHUNKER_PARAMS;
  chunkAll(v0.slice(0, 64), d, () => undefined); // warm-up: WebAssembly memory growth, JIT
  t0 = performance.now();
  for (const b of v0) boundaries(b, d.min, d.avg, d.max);
  throughput.push({ what: 'raw fastcdc-wasm, each 1 MiB buffer alone (reference)', mbPerSec: v0Bytes / 1e6 / ((performance.now() - t0) / 1000) });
  for (const avg of candidates) {
    t0 = performance.now();
    let n = 0;
    chunkAll(v0, paramsFor(avg), () => { n++; });
    const s = (performance.now() - t0) / 1000;
    throughput.push({ what: `streaming Chunker, avg ${avg / 1024} KiB (${n} chunks)`, mbPerSec: v0Bytes / 1e6 / s });
    log(`chunker avg ${avg / 1024} KiB: ${(v0Bytes / 1e6 / s).toFixed(0)} MB/s`);
  }

  const dedup: DedupRow[] = [];
  for (const updateFraction of updateFractions) {
    const v1 = [...generateDumpSync({ ...base, version: 1, updateFraction })];
    const v1Bytes = v1.reduce((n, b) => n + b.length, 0);
    for (const avg of candidates) {
      const p = paramsFor(avg);
      const known = new Set<string>();
      let objectsV0 = 0;
      chunkAll(v0, p, (c) => { known.add(digest(c)); objectsV0++; });
      let newObjects = 0;
      let newBytes = 0;
      const seen = new Set<string>();
      chunkAll(v1, p, (c) => {
        const h = digest(c);
        if (!known.has(h) && !seen.has(h)) { newObjects++; newBytes += c.length; seen.add(h); }
      });
      const row: DedupRow = {
        avgKiB: avg / 1024,
        updateFraction,
        objectsV0,
        objectsPerGB: Math.round(objectsV0 / (v0Bytes / 1e9)),
        meanChunkKiB: Math.round(v0Bytes / objectsV0 / 1024),
        newObjectsV1: newObjects,
        newMiBV1: newBytes / MiB,
        reusedPercent: 100 * (1 - newBytes / v1Bytes),
      };
      dedup.push(row);
      log(`avg ${row.avgKiB} KiB, updates ${updateFraction}: ${objectsV0} objects, v1 adds ${newObjects} (${row.newMiBV1.toFixed(1)} MiB)`);
    }
  }

  return { dataMB: v0Bytes / 1e6, generatorMBps, throughput, streamingPeakRssMiB: peak / MiB, dedup };
}

function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Markdown rendering of a result, as pasted into docs/chunking-and-crypto.md. */
export function report(r: ChunkerBenchResult): string {
  return [
    `Data: ${r.dataMB.toFixed(0)} MB of generated dump-like text (generator ${r.generatorMBps.toFixed(0)} MB/s).`,
    '',
    table(['what', 'MB/s'], r.throughput.map((t) => [t.what, t.mbPerSec.toFixed(0)])),
    '',
    `Peak RSS streaming the generator through the chunker (default parameters): ${r.streamingPeakRssMiB.toFixed(0)} MiB.`,
    '',
    table(['avg KiB', 'updated rows', 'objects v0', 'objects / GB', 'mean chunk KiB', 'new objects v1', 'new MiB v1', 'v1 reused'],
      r.dedup.map((x) => [x.avgKiB, `${(x.updateFraction * 100).toFixed(2)}%`, x.objectsV0, x.objectsPerGB, x.meanChunkKiB,
        x.newObjectsV1, x.newMiBV1.toFixed(1), `${x.reusedPercent.toFixed(1)}%`])),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  };
  const result = await run({ sizeMB: Number(get('size-mb') ?? 256), seed: Number(get('seed') ?? 1), log: (l) => console.error(l) });
  console.log(report(result));
}
