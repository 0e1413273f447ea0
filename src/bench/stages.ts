/**
 * The CPU stages of the backup and restore paths, each alone, over the in-memory sample: content-defined
 * chunking, chunk IDs (both keyed-hash schemes), gzip-member compression (one at a time and several in flight, as the
 * repository runs it), XChaCha20-Poly1305 sealing; and on the way back, opening and decompressing.
 */
import { Chunker, type ChunkerParams } from '../chunker/index.js';
import { open, seal } from '../crypto/aead.js';
import { compressChunk, decompressChunk } from '../crypto/compress.js';
import { CHUNK_ID_SCHEMES, chunkNamer, fasterChunkIdScheme } from '../crypto/chunk-id.js';
import { generateMasterKey } from '../crypto/keys.js';
import type { StageResult } from './types.js';

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

async function eachLimited<T>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) { const i = next++; await fn(items[i]!, i); }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function stage(stageId: string, label: string, path: StageResult['path'], bytes: number, seconds: number, detail?: StageResult['detail']): StageResult {
  const r: StageResult = { stage: stageId, label, path, bytes, seconds, mbPerSec: seconds > 0 ? bytes / 1e6 / seconds : null };
  if (detail) r.detail = detail;
  return r;
}

export interface CpuStages {
  stages: StageResult[];
  /** The sample cut into chunks (reused by the transfer measurements). */
  chunks: Uint8Array[];
  /** Packed (compressed + sealed) bodies of the chunks, as they would be uploaded. */
  bodies: Uint8Array[];
}

export async function cpuStages(sample: readonly Uint8Array[], params: ChunkerParams, concurrency: number): Promise<CpuStages> {
  const bytes = sample.reduce((n, b) => n + b.length, 0);
  const stages: StageResult[] = [];
  // Chunking
  let t = now();
  const chunker = new Chunker(params);
  const chunks: Uint8Array[] = [];
  for (const b of sample) for (const c of chunker.push(b)) chunks.push(c);
  for (const c of chunker.finish()) chunks.push(c);
  stages.push(stage('chunk', `content-defined chunking (FastCDC, avg ${(params.avg / 1024).toFixed(0)} KiB)`, 'backup', bytes, now() - t,
    { chunks: chunks.length, avgChunkKiB: Math.round(bytes / Math.max(1, chunks.length) / 1024) }));
  // Hashing
  const keys = generateMasterKey();
  // The scheme `init` would give a new repository on this machine is the backup path's; the other is shown too.
  const scheme = fasterChunkIdScheme();
  const nameChunk = chunkNamer(scheme, keys.chunkId);
  for (const other of CHUNK_ID_SCHEMES) {
    const name = chunkNamer(other, keys.chunkId);
    t = now();
    for (const c of chunks) name(c);
    if (other === scheme) stages.push(stage('hash', `chunk IDs (${other}, what init chooses here)`, 'backup', bytes, now() - t));
    else stages.push(stage(`hash-${other}`, `chunk IDs (${other}, the other scheme)`, 'info', bytes, now() - t));
  }
  // Compression: one at a time, then `concurrency` in flight (zlib runs on libuv's thread pool)
  t = now();
  let packedBytes = 0;
  for (const c of chunks.slice(0, Math.max(1, Math.ceil(chunks.length / 4)))) packedBytes += (await compressChunk(c)).length;
  const seqBytes = chunks.slice(0, Math.max(1, Math.ceil(chunks.length / 4))).reduce((n, c) => n + c.length, 0);
  stages.push(stage('compress-1', 'gzip level 1, one chunk at a time (one core)', 'info', seqBytes, now() - t, { ratio: Number((packedBytes / Math.max(1, seqBytes)).toFixed(3)) }));
  const packed: Uint8Array[] = new Array<Uint8Array>(chunks.length);
  t = now();
  await eachLimited(chunks, concurrency, async (c, i) => { packed[i] = await compressChunk(c); });
  const compressedBytes = packed.reduce((n, p) => n + p.length, 0);
  stages.push(stage('compress', `gzip level 1, ${concurrency} chunks in flight (thread pool)`, 'backup', bytes, now() - t,
    { ratio: Number((compressedBytes / Math.max(1, bytes)).toFixed(3)) }));
  // Encryption
  t = now();
  const bodies = packed.map((p, i) => seal(keys.encryption, p, `data/${i}`));
  stages.push(stage('encrypt', 'XChaCha20-Poly1305 seal', 'backup', bytes, now() - t, { encryptedMB: Number((compressedBytes / 1e6).toFixed(1)) }));
  // Restore side: open + decompress + re-hash
  t = now();
  const opened = bodies.map((b, i) => open(keys.encryption, b, `data/${i}`, `data/${i}`));
  const openSecs = now() - t;
  t = now();
  await eachLimited(opened, concurrency, async (p) => { nameChunk(await decompressChunk(p, 'bench')); });
  stages.push(stage('decrypt', 'XChaCha20-Poly1305 open', 'restore', bytes, openSecs));
  stages.push(stage('decompress', `gunzip + ID check, ${concurrency} in flight`, 'restore', bytes, now() - t));
  return { stages, chunks, bodies };
}
