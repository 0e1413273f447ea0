/**
 * Crypto and compression benchmark.
 *
 *   npx tsx bench/crypto.ts [--size-mb 128] [--seed 1]
 *
 * On dump-like data cut into chunks with the default chunker parameters, measures per stage:
 * the two chunk-ID schemes (keyed BLAKE2b, HMAC-SHA-256), XChaCha20-Poly1305 seal/open, compression candidates (gzip level 1/6,
 * zlib deflate level 1) sequentially and with several chunks in flight (zlib's async API runs on
 * libuv's thread pool), restore-side decompression and `.sql.gz` production (concatenating stored
 * gzip members vs recompressing), the whole packChunk/unpackChunk path in-process and through the
 * worker pool, and peak RSS. `run()` returns the numbers; run directly, it prints Markdown tables.
 */
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { deflate, gunzip, gzip, inflate, type ZlibOptions } from 'node:zlib';
import { Chunker, DEFAULT_CHUNKER_PARAMS } from '../src/chunker/index.js';
import { open, seal } from '../src/crypto/aead.js';
import { compressChunk, decompressChunk, gzipMemberOf } from '../src/crypto/compress.js';
import { chunkNamer } from '../src/crypto/chunk-id.js';
import { chunkId, generateMasterKey } from '../src/crypto/keys.js';
import { sodium } from '../src/crypto/sodium.js';
import { packChunk, unpackChunk, type PackedChunk } from '../src/crypto/pack.js';
import { createPackPool } from '../src/crypto/pool.js';
import { createKeyFile, openKeyFile } from '../src/crypto/keyfile.js';
import { generateDumpSync } from './lib/dumpdata.js';

export interface CryptoBenchOptions {
  /** Size of the generated data in MB (10^6 bytes). Default 128. */
  sizeMB?: number;
  seed?: number;
  /** Chunks in flight for the concurrent measurements. Default 4. */
  concurrency?: number;
  /** Worker-pool sizes to measure. Default [1, 2]. */
  poolSizes?: number[];
  log?: (line: string) => void;
}

export interface StageRow {
  stage: string;
  mbPerSec: number;
  /** Stored / plain bytes, for compression rows. */
  ratio?: number;
  /** Share of the wall time the main thread was busy (event-loop utilization), in percent. */
  mainBusyPercent: number;
}

export interface CryptoBenchResult {
  /** Time to open a key file created with the default Argon2id parameters (includes the KDF worker's start). */
  unlockMs: number;
  dataMB: number;
  chunks: number;
  rows: StageRow[];
  peakRssMiB: number;
}

const gzipP = promisify(gzip);
const gunzipP = promisify(gunzip);
const deflateP = promisify(deflate);
const inflateP = promisify(inflate);

/** Run `fn` over every item with at most `limit` in flight, in order of start. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (x: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export async function run(opts: CryptoBenchOptions = {}): Promise<CryptoBenchResult> {
  const log = opts.log ?? (() => undefined);
  const sizeMB = opts.sizeMB ?? 128;
  const conc = opts.concurrency ?? 4;
  const poolSizes = opts.poolSizes ?? [1, 2];
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()); }, 20);

  const ch = new Chunker(DEFAULT_CHUNKER_PARAMS);
  const chunks: Uint8Array[] = [];
  for (const b of generateDumpSync({ bytes: sizeMB * 1e6, seed: opts.seed ?? 1 })) chunks.push(...ch.push(b));
  chunks.push(...ch.finish());
  const total = chunks.reduce((n, c) => n + c.length, 0);
  log(`${(total / 1e6).toFixed(0)} MB in ${chunks.length} chunks`);

  const rows: StageRow[] = [];
  const measure = async (stage: string, fn: () => Promise<number | void> | number | void, bytes = total): Promise<void> => {
    const t0 = performance.now();
    const elu0 = performance.eventLoopUtilization();
    const stored = await fn();
    const s = (performance.now() - t0) / 1000;
    const busy = performance.eventLoopUtilization(elu0).utilization;
    const row: StageRow = { stage, mbPerSec: bytes / 1e6 / s, mainBusyPercent: 100 * busy };
    if (typeof stored === 'number') row.ratio = stored / total;
    rows.push(row);
    log(`${stage}: ${row.mbPerSec.toFixed(0)} MB/s${row.ratio ? `, ratio ${row.ratio.toFixed(3)}` : ''}`);
  };

  const keys = generateMasterKey();
  await measure('keyed BLAKE2b-256 (chunk ID of format 1 and blake2b-256-keyed repositories), main thread', () => { for (const c of chunks) chunkId(keys.chunkId, c); });
  const hmac = chunkNamer('hmac-sha256', keys.chunkId);
  await measure('HMAC-SHA-256 (chunk ID of hmac-sha256 repositories, OpenSSL), main thread', () => { for (const c of chunks) hmac(c); });
  const sealed: Uint8Array[] = [];
  // Before (libsodium's WebAssembly build, what seal/open used until the native change) and after (seal/open:
  // HChaCha20 subkey + OpenSSL's chacha20-poly1305); the bytes are identical (test/crypto/aead.test.ts).
  const ad = new Uint8Array([0x01, ...new TextEncoder().encode('data/x')]);
  const nonce = sodium.randombytes_buf(24);
  const wasmSealed: Uint8Array[] = [];
  await measure('XChaCha20-Poly1305 seal, libsodium WebAssembly (before), main thread', () => {
    for (const c of chunks) wasmSealed.push(sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(c, ad, null, nonce, keys.encryption));
  });
  await measure('XChaCha20-Poly1305 open, libsodium WebAssembly (before), main thread', () => {
    for (const s of wasmSealed) sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, s, ad, nonce, keys.encryption);
  });
  wasmSealed.length = 0;
  await measure('XChaCha20-Poly1305 seal (native: HChaCha20 + OpenSSL), main thread', () => { for (const c of chunks) sealed.push(seal(keys.encryption, c, 'data/x')); });
  await measure('XChaCha20-Poly1305 open (native: HChaCha20 + OpenSSL), main thread', () => { for (const s of sealed) open(keys.encryption, s, 'data/x', 'data/x'); });
  sealed.length = 0;

  // Compression candidates: sequential (one core) and with `conc` chunks in flight (thread pool).
  const candidates: Array<[string, (c: Uint8Array) => Promise<Buffer>, (c: Buffer) => Promise<Buffer>]> = [
    ['gzip level 1', (c) => gzipP(c, { level: 1 } satisfies ZlibOptions), (c) => gunzipP(c)],
    ['gzip level 1, zlib chunkSize 256 KiB (as compressChunk)', (c) => gzipP(c, { level: 1, chunkSize: 256 * 1024 }),
      (c) => gunzipP(c, { chunkSize: 256 * 1024 })],
    ['gzip level 6', (c) => gzipP(c, { level: 6 }), (c) => gunzipP(c)],
    ['zlib deflate level 1', (c) => deflateP(c, { level: 1 }), (c) => inflateP(c)],
  ];
  for (const [name, comp, decomp] of candidates) {
    const out: Buffer[] = new Array(chunks.length);
    let stored = 0;
    await measure(`${name}, 1 chunk at a time`, async () => {
      for (let i = 0; i < chunks.length; i++) { out[i] = await comp(chunks[i]!); stored += out[i]!.length; }
      return stored;
    });
    stored = 0;
    await measure(`${name}, ${conc} chunks in flight`, async () => {
      await eachLimited(chunks, conc, async (c, i) => { out[i] = await comp(c); stored += out[i]!.length; });
      return stored;
    });
    await measure(`${name}: decompress, ${conc} in flight`, async () => {
      await eachLimited(out, conc, async (c) => { await decomp(c); });
    });
  }

  // The whole per-chunk path as the repository runs it.
  const packed: PackedChunk[] = new Array(chunks.length);
  for (const inFlight of [conc, 2 * conc]) {
    await measure(`packChunk (id + gzip-1 member + seal), ${inFlight} in flight, main thread`, async () => {
      let stored = 0;
      await eachLimited(chunks, inFlight, async (c, i) => { packed[i] = await packChunk(keys, c); stored += packed[i]!.storedBytes; });
      return stored;
    });
  }
  for (const size of poolSizes) {
    const pool = createPackPool(keys, size);
    try {
      await measure(`packChunk through a pool of ${size} worker(s), ${2 * conc} in flight`, async () => {
        let stored = 0;
        await eachLimited(chunks, 2 * conc, async (c) => { const p = await pool.pack(c); stored += p.storedBytes; });
        return stored;
      });
    } finally {
      await pool.close();
    }
  }
  await measure(`unpackChunk (open + gunzip + id check), ${conc} in flight`, async () => {
    await eachLimited(packed, conc, async (p) => { await unpackChunk(keys, p.id, p.body); });
  });
  await measure('.sql.gz restore: open + concatenate stored gzip members', async () => {
    const { open: openFn } = await import('../src/crypto/aead.js');
    let bytes = 0;
    for (const p of packed) {
      const inner = openFn(keys.encryption, p.body, `data/${p.id}`, `data/${p.id}`);
      bytes += (gzipMemberOf(inner) ?? inner).length;
    }
    return bytes;
  });
  await measure(`.sql.gz restore alternative: unpack + gzip level 1 again, ${conc} in flight`, async () => {
    let bytes = 0;
    await eachLimited(packed, conc, async (p) => { const gz = await gzipP(await unpackChunk(keys, p.id, p.body), { level: 1 }); bytes += gz.length; });
    return bytes;
  });
  await measure(`compressChunk + decompressChunk round trip, ${conc} in flight`, async () => {
    await eachLimited(chunks, conc, async (c) => { await decompressChunk(await compressChunk(c), 'bench'); });
  });

  clearInterval(sampler);
  const keyFile = await createKeyFile(generateMasterKey(), 'bench password', { host: 'bench', username: 'bench', created: new Date().toISOString() });
  const u0 = performance.now();
  await openKeyFile(keyFile, 'bench password', 'keys/bench');
  const unlockMs = performance.now() - u0;
  return { unlockMs, dataMB: total / 1e6, chunks: chunks.length, rows, peakRssMiB: Math.max(peak, process.memoryUsage.rss()) / (1024 * 1024) };
}

export function report(r: CryptoBenchResult): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [
    `Data: ${r.dataMB.toFixed(0)} MB of dump-like text in ${r.chunks} chunks (default chunker parameters). ` +
      `MB/s are of plaintext; ratio = stored / plain.`,
    '',
    line(['stage', 'MB/s', 'ratio', 'main thread busy']),
    line(['---', '---', '---', '---']),
    ...r.rows.map((x) => line([x.stage, x.mbPerSec.toFixed(0), x.ratio === undefined ? '' : x.ratio.toFixed(3),
      `${x.mainBusyPercent.toFixed(0)}%`])),
    '',
    `Unlock with the default Argon2id parameters (3 passes, 64 MiB, in a worker): ${r.unlockMs.toFixed(0)} ms.`,
    `Peak RSS (includes the data held in memory): ${r.peakRssMiB.toFixed(0)} MiB.`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const args = process.argv.slice(2);
  const get = (name: string): string | undefined => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  };
  const result = await run({ sizeMB: Number(get('size-mb') ?? 128), seed: Number(get('seed') ?? 1), log: (l) => console.error(l) });
  console.log(report(result));
}
