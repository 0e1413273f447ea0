/**
 * Compression candidates for chunks, on one core, in CPU seconds (so a loaded, shared machine inflates
 * the figures less than wall time would): the decision table of docs/benchmarks.md ("Compression").
 *
 *   npx tsx bench/compression.ts [--file dump.sql] [--size-mb 96] [--seed 1] [--repeat 3]
 *
 * The input (a real `pg_dump` script with --file, else the generator's dump-like text) is cut into
 * 1 MiB pieces (the default average chunk size). For every candidate: compress each piece, then
 * decompress each; best of `--repeat` runs. Also the two ways a `.sql.gz` restore can be produced:
 * gunzip-checking concatenated gzip members (gzip repositories today) and decompress + gzip level 1
 * again (what a zstd repository needs). zstd rows appear only on a Node.js that has zstd (≥ 22.15).
 */
import { readFileSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { generateDumpSync } from './lib/dumpdata.js';

type Fn = (b: Uint8Array) => Uint8Array;
interface ZstdSync {
  zstdCompressSync?: (b: Uint8Array, o: { params: Record<number, number> }) => Buffer;
  zstdDecompressSync?: (b: Uint8Array) => Buffer;
  constants: { ZSTD_c_compressionLevel?: number };
}
const z = zlib as unknown as ZstdSync;

export interface CompressionRow { candidate: string; compressMBps: number; decompressMBps: number; ratio: number }

function cpuSeconds(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const u = process.cpuUsage(t);
  return (u.user + u.system) / 1e6;
}

export function run(opts: { data: Uint8Array; repeat: number }): { rows: CompressionRow[]; sqlGz: { how: string; mbps: number }[] } {
  const { data, repeat } = opts;
  const pieces: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += 1 << 20) pieces.push(data.subarray(i, i + (1 << 20)));
  const mb = data.length / 1e6;
  const candidates: [string, Fn, Fn][] = [];
  const gz = (o: zlib.ZlibOptions): Fn => (b) => zlib.gzipSync(b, o);
  const gunz: Fn = (b) => zlib.gunzipSync(b);
  candidates.push(['gzip level 1 (default)', gz({ level: 1 }), gunz]);
  candidates.push(['gzip level 1, 16 KiB window', gz({ level: 1, windowBits: 14 }), gunz]);
  candidates.push(['gzip level 1, 8 KiB window', gz({ level: 1, windowBits: 13 }), gunz]);
  candidates.push(['gzip level 1, 4 KiB window', gz({ level: 1, windowBits: 12 }), gunz]);
  candidates.push(['gzip level 1, memLevel 9', gz({ level: 1, memLevel: 9 }), gunz]);
  candidates.push(['gzip level 1, Z_FILTERED', gz({ level: 1, strategy: zlib.constants.Z_FILTERED }), gunz]);
  candidates.push(['gzip level 1, Z_RLE', gz({ level: 1, strategy: zlib.constants.Z_RLE }), gunz]);
  candidates.push(['gzip level 2', gz({ level: 2 }), gunz]);
  candidates.push(['gzip level 3', gz({ level: 3 }), gunz]);
  candidates.push(['gzip level 6', gz({ level: 6 }), gunz]);
  const lvl = z.constants.ZSTD_c_compressionLevel;
  const zc = z.zstdCompressSync;
  const zd = z.zstdDecompressSync;
  if (zc && zd && lvl !== undefined) {
    for (const level of [1, 2, 3, 6]) {
      candidates.push([`zstd level ${level}${level === 1 ? ' (--compression zstd)' : ''}`, (b) => zc(b, { params: { [lvl]: level } }), (b) => zd(b)]);
    }
  }
  // Round-robin over the candidates (not one candidate's repeats in a row), so warm-up and load swings
  // spread over all of them; one unmeasured warm-up pass first.
  for (const [, comp] of candidates) comp(pieces[0]!);
  const best = candidates.map(() => ({ c: Infinity, d: Infinity, stored: 0 }));
  for (let r = 0; r < repeat; r++) {
    candidates.forEach(([, comp, decomp], i) => {
      const outs: Uint8Array[] = [];
      const b = best[i]!;
      b.c = Math.min(b.c, cpuSeconds(() => { for (const p of pieces) outs.push(comp(p)); }));
      b.stored = outs.reduce((n, o) => n + o.length, 0);
      b.d = Math.min(b.d, cpuSeconds(() => { for (const o of outs) decomp(o); }));
    });
  }
  const rows: CompressionRow[] = candidates.map(([candidate], i) =>
    ({ candidate, compressMBps: mb / best[i]!.c, decompressMBps: mb / best[i]!.d, ratio: best[i]!.stored / data.length }));
  const sqlGz: { how: string; mbps: number }[] = [];
  const members = pieces.map((p) => zlib.gzipSync(p, { level: 1 }));
  let fastest = Infinity;
  for (let r = 0; r < repeat; r++) fastest = Math.min(fastest, cpuSeconds(() => { for (const m of members) zlib.gunzipSync(m); }));
  sqlGz.push({ how: 'gzip repository: concatenate stored members, gunzip to check', mbps: mb / fastest });
  if (zc && zd && lvl !== undefined) {
    const frames = pieces.map((p) => zc(p, { params: { [lvl]: 1 } }));
    fastest = Infinity;
    for (let r = 0; r < repeat; r++) fastest = Math.min(fastest, cpuSeconds(() => { for (const f of frames) zlib.gzipSync(zd(f), { level: 1 }); }));
    sqlGz.push({ how: 'zstd repository: zstd-decompress + gzip level 1 each chunk', mbps: mb / fastest });
  }
  return { rows, sqlGz };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : undefined; };
  const file = get('file');
  let data: Uint8Array;
  if (file) data = readFileSync(file);
  else {
    const parts: Uint8Array[] = [];
    for (const b of generateDumpSync({ bytes: Number(get('size-mb') ?? 96) * 1e6, seed: Number(get('seed') ?? 1) })) parts.push(b.slice());
    data = Buffer.concat(parts);
  }
  const { rows, sqlGz } = run({ data, repeat: Number(get('repeat') ?? 3) });
  const load = (await import('node:os')).loadavg()[0]!.toFixed(1);
  console.log(`${(data.length / 1e6).toFixed(0)} MB (${file ? 'file' : 'generated'}), 1 MiB pieces, Node.js ${process.version}, ` +
    `1-minute load ${load}; MB per CPU-second, best of ${get('repeat') ?? 3}\n`);
  console.log('| candidate | compress MB/CPU-s | decompress MB/CPU-s | stored / plain |\n|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.candidate} | ${r.compressMBps.toFixed(0)} | ${r.decompressMBps.toFixed(0)} | ${r.ratio.toFixed(4)} |`);
  console.log('\n| `.sql.gz` restore path | MB/CPU-s |\n|---|---:|');
  for (const s of sqlGz) console.log(`| ${s.how} | ${s.mbps.toFixed(0)} |`);
}
