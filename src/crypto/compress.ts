/**
 * Per-chunk compression, applied before encryption.
 *
 * Packed layout (see docs/chunking-and-crypto.md):
 *   byte 0       method: 0x00 = stored raw, 0x01 = one complete gzip member (RFC 1952),
 *                0x02 = one zstd frame (RFC 8878; repositories created with `--compression zstd`)
 *   bytes 1..4   plaintext length, unsigned 32-bit little-endian
 *   bytes 5..    payload: the plaintext itself (0x00) or the gzip member (0x01)
 *
 * Storing each chunk as an independent gzip member means a `.sql.gz` restore is
 * decrypt-and-concatenate: concatenated gzip members are one valid gzip stream (RFC 1952 §2.2),
 * so no recompression is needed. A chunk that does not shrink is stored raw.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { ConfigError, IntegrityError } from '../errors.js';
import { freeNow } from '../memory/free-now.js';

export const METHOD_RAW = 0x00;
export const METHOD_GZIP = 0x01;
export const METHOD_ZSTD = 0x02;
export const PACK_HEADER_BYTES = 5;
/** gzip level for chunks; chosen by measurement (docs/chunking-and-crypto.md). */
export const GZIP_LEVEL = 1;
/**
 * Deflate's window for every gzip member pgvault writes: chunks stored by backups, and members made at restore time (a
 * `.sql.gz` of chunks stored raw or as zstd, a layered table's rebuilt rows): 8 KiB instead of zlib's default 32 KiB.
 * Measured on pgbench SQL at level 1 in 1 MiB pieces (Node 22's zlib, one core): the S1 script of a scale-10 set, 185
 * MiB: 10–30 % less CPU and 6 % smaller members; a scale-10 + 400 000 events `pg_dump` script, 190 MB: 356 → 441 MB
 * per CPU-second and 0.1130 → 0.1068 of the input (rows of SQL repeat their neighbours; the longer window mostly costs
 * time). Any gunzip reads it: a window below 32 KiB is plain deflate, and chunks stored before with the default
 * window concatenate with these into one valid gzip stream (docs/benchmarks.md, "Compression").
 */
export const GZIP_WINDOW_BITS = 13;
/** zstd level for chunks; chosen by measurement (docs/benchmarks.md, "Compression"). */
export const ZSTD_LEVEL = 1;
/** zlib works through its input in steps of this size; larger steps mean fewer thread-pool round trips. */
const ZLIB_CHUNK = 256 * 1024;
const MAX_PLAIN = 0xffffffff;
/** Plaintexts up to this size are decompressed into one buffer (data chunks are at most 4 MiB; docs/format.md). */
const SINGLE_BUFFER_MAX = 8 * 1024 * 1024;

/** How chunks are compressed: a repository setting, fixed at `init`. */
export type ChunkCompression = 'gzip' | 'zstd';

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

/** Node ≥ 22.15 ships zstd in zlib; @types/node 20 does not declare it, so it is looked up at run time. */
type ZstdFn = (buf: Uint8Array, opts: { params?: Record<number, number>; maxOutputLength?: number; chunkSize?: number },
  cb: (err: Error | null, out: Buffer) => void) => void;
const zstdApi = zlib as unknown as { zstdCompress?: ZstdFn; zstdDecompress?: ZstdFn; constants: { ZSTD_c_compressionLevel?: number } };

/** True when this Node.js has zstd (Node ≥ 22.15, 23.8). */
export function zstdAvailable(): boolean {
  return typeof zstdApi.zstdCompress === 'function' && typeof zstdApi.zstdDecompress === 'function' &&
    zstdApi.constants.ZSTD_c_compressionLevel !== undefined;
}

function zstdMissing(what: string): ConfigError {
  return new ConfigError(`${what} needs zstd, which this Node.js ${process.version} does not have (it came with Node.js 22.15): ` +
    'run pgvault with Node.js 22.15 or newer');
}

function zstdCall(fn: ZstdFn | undefined, buf: Uint8Array, opts: Parameters<ZstdFn>[1]): Promise<Buffer> {
  if (!fn) return Promise.reject(zstdMissing('this repository'));
  return new Promise((resolve, reject) => fn(buf, opts, (err, out) => (err ? reject(err) : resolve(out))));
}

/** Throws ConfigError if `c` cannot be used on this Node.js (call before a backup or at `init`). */
export function checkCompression(c: ChunkCompression): void {
  if (c === 'zstd' && !zstdAvailable()) throw zstdMissing('zstd compression');
}

/** The 5-byte header of a packed object. */
function packHeader(method: number, plainLength: number): Uint8Array {
  const out = new Uint8Array(PACK_HEADER_BYTES);
  out[0] = method;
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(1, plainLength, true);
  return out;
}

/**
 * A packed object as its two parts, to be sealed without joining them first (`seal` takes parts): the header, then
 * the payload. `owned`: the payload is the compressor's own buffer, which the caller may free once it is sealed;
 * otherwise it is the caller's plaintext itself.
 */
export interface PackedParts {
  header: Uint8Array;
  payload: Uint8Array;
  owned: boolean;
}

/**
 * {@link compressChunk} in parts. `compress: false` stores the chunk raw without trying to compress it: for streams
 * that are incompressible by construction (a row list is keyed hashes), where gzip would only spend CPU and memory
 * on an output larger than its input.
 */
export async function compressParts(plain: Uint8Array, method: ChunkCompression = 'gzip', compress = true): Promise<PackedParts> {
  if (plain.length > MAX_PLAIN) throw new RangeError(`cannot pack ${plain.length} bytes: at most ${MAX_PLAIN} per object`);
  if (plain.length > 0 && compress) {
    if (method === 'zstd') {
      const frame = await zstdCall(zstdApi.zstdCompress, plain, {
        params: { [zstdApi.constants.ZSTD_c_compressionLevel!]: ZSTD_LEVEL }, chunkSize: ZLIB_CHUNK,
      });
      if (frame.length < plain.length) return { header: packHeader(METHOD_ZSTD, plain.length), payload: frame, owned: true };
      freeNow(frame);
    } else {
      const member = await gzipAsync(plain, { level: GZIP_LEVEL, windowBits: GZIP_WINDOW_BITS, chunkSize: ZLIB_CHUNK });
      if (member.length < plain.length) return { header: packHeader(METHOD_GZIP, plain.length), payload: member, owned: true };
      freeNow(member);
    }
  }
  return { header: packHeader(METHOD_RAW, plain.length), payload: plain, owned: false };
}

/**
 * Compress one chunk: a gzip member (level {@link GZIP_LEVEL}, window {@link GZIP_WINDOW_BITS}) or, with `zstd`, a zstd frame (level
 * {@link ZSTD_LEVEL}), if that is smaller, else raw; header and payload in one new buffer. The work runs on libuv's
 * thread pool, so several calls in flight use several cores.
 */
export async function compressChunk(plain: Uint8Array, method: ChunkCompression = 'gzip'): Promise<Uint8Array> {
  const { header, payload, owned } = await compressParts(plain, method);
  const out = new Uint8Array(PACK_HEADER_BYTES + payload.length);
  out.set(header);
  out.set(payload, PACK_HEADER_BYTES);
  if (owned) freeNow(payload);
  return out;
}


/**
 * One complete gzip member of `plain` at level 1 with the {@link GZIP_WINDOW_BITS} window, on libuv's thread
 * pool; zlib writes it in {@link ZLIB_CHUNK} steps (its default 16 KiB costs a thread-pool round trip and a fresh
 * buffer per 16 KiB of output).
 */
export function gzipForRestore(plain: Uint8Array): Promise<Uint8Array> {
  return gzipAsync(plain, { level: 1, windowBits: GZIP_WINDOW_BITS, chunkSize: ZLIB_CHUNK });
}

function header(packed: Uint8Array, label: string): { method: number; plainLength: number; payload: Uint8Array } {
  if (packed.length < PACK_HEADER_BYTES) {
    throw new IntegrityError(`object ${label} is too short to hold a compression header (${packed.length} bytes)`, label);
  }
  return {
    method: packed[0]!,
    plainLength: new DataView(packed.buffer, packed.byteOffset, packed.byteLength).getUint32(1, true),
    payload: packed.subarray(PACK_HEADER_BYTES),
  };
}

/**
 * zlib's `chunkSize` that inflates `plainLength` bytes into one output buffer (zlib then returns that buffer itself,
 * not a concatenation of 16 KiB pieces), capped so that a damaged length never allocates gigabytes up front.
 */
export function oneBufferChunkSize(plainLength: number): number {
  return Math.max(64, Math.min(plainLength + 1, SINGLE_BUFFER_MAX));
}

/**
 * Undo {@link compressChunk}. Checks the recorded length; gzip output is capped at that length, so
 * garbage can neither hang nor exhaust memory. Throws IntegrityError naming `label` on any mismatch.
 */
export async function decompressChunk(packed: Uint8Array, label: string): Promise<Uint8Array> {
  const { method, plainLength, payload } = header(packed, label);
  if (method === METHOD_RAW) {
    if (payload.length !== plainLength) {
      throw new IntegrityError(`object ${label} holds ${payload.length} raw bytes but records ${plainLength}; it is damaged`, label);
    }
    return payload;
  }
  if (method === METHOD_GZIP || method === METHOD_ZSTD) {
    const name = method === METHOD_GZIP ? 'gzip' : 'zstd';
    if (method === METHOD_ZSTD && !zstdAvailable()) throw zstdMissing(`object ${label} (compressed with zstd)`);
    let out: Buffer;
    try {
      // One output buffer for the whole plaintext of a data chunk (no concatenation of pieces afterwards);
      // larger objects are collected in pieces, so a damaged length never allocates gigabytes up front.
      const opts = { maxOutputLength: Math.max(1, plainLength), chunkSize: oneBufferChunkSize(plainLength) };
      out = method === METHOD_GZIP ? await gunzipAsync(payload, opts) : await zstdCall(zstdApi.zstdDecompress, payload, opts);
    } catch (cause) {
      throw new IntegrityError(`object ${label}: its ${name} payload does not decompress to the recorded ` +
        `${plainLength} bytes (${(cause as Error).message}); it is damaged`, label, { cause });
    }
    if (out.length !== plainLength) {
      throw new IntegrityError(`object ${label} decompressed to ${out.length} bytes but records ${plainLength}; it is damaged`, label);
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.length);
  }
  throw new IntegrityError(`object ${label} has unknown compression method 0x${method.toString(16).padStart(2, '0')}; ` +
    'it is damaged, or was written by a newer pgvault (upgrade pgvault)', label);
}

/**
 * For `.sql.gz` restores: the chunk's gzip member if it is stored as one (concatenate these to get
 * a valid .gz stream), or null if it is stored raw (the caller gzips those bytes itself).
 * Call on a packed chunk whose ID was already verified (see unpackChunk / unpackChunkForGzip).
 */
export function gzipMemberOf(packed: Uint8Array): Uint8Array | null {
  if (packed.length < PACK_HEADER_BYTES) return null;
  return packed[0] === METHOD_GZIP ? packed.subarray(PACK_HEADER_BYTES) : null;
}
