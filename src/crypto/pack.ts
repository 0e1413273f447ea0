/**
 * What the repository layer calls per object: compress, then seal, with associated data naming the
 * object (`data/<id>` for chunks, `<kind>/<name>` for manifests and indexes).
 */
import { IntegrityError } from '../errors.js';
import { open, seal } from './aead.js';
import { freeNow } from '../memory/free-now.js';
import { compressParts, decompressChunk, gzipMemberOf, type ChunkCompression } from './compress.js';
import { chunkNamer, LEGACY_CHUNK_ID_SCHEME, type ChunkIdScheme } from './chunk-id.js';
import { isChunkId, type MasterKey } from './keys.js';

export interface PackedChunk {
  /** Chunk ID: the keyed hash of the plaintext under the repository's scheme (chunk-id.ts), 64 lowercase hex. */
  id: string;
  /** Bytes to store under `data/<id>`. */
  body: Uint8Array;
  /** body.length, for accounting. */
  storedBytes: number;
}

/** The associated data / label of a chunk object. */
export function chunkLabel(id: string): string {
  return `data/${id}`;
}

/**
 * Compress `plain` (unless `compress` is false: stored raw) and seal it, bound to `ad`. The header and the payload are
 * sealed as parts, so the sealed body is the only buffer of the object's size this allocates besides the compressor's
 * output (freed here once sealed).
 */
export async function packAndSeal(encryption: Uint8Array, plain: Uint8Array, ad: string,
  compression: ChunkCompression = 'gzip', compress = true): Promise<Uint8Array> {
  const { header, payload, owned } = await compressParts(plain, compression, compress);
  const body = seal(encryption, [header, payload], ad);
  if (owned) freeNow(payload);
  return body;
}

/** Hash, compress and seal one chunk. */
export async function packChunk(keys: MasterKey, plain: Uint8Array, scheme: ChunkIdScheme = LEGACY_CHUNK_ID_SCHEME): Promise<PackedChunk> {
  const id = chunkNamer(scheme, keys.chunkId)(plain);
  const body = await packAndSeal(keys.encryption, plain, chunkLabel(id));
  return { id, body, storedBytes: body.length };
}

/**
 * Open a chunk stored under `data/<id>` and verify it: authentication, decompression, and the
 * recomputed ID. Returns the plaintext and, if the chunk is stored as a gzip member, that member
 * (for `.sql.gz` restores without recompression). Throws IntegrityError naming `data/<id>`.
 */
export async function unpackChunkWithMember(keys: MasterKey, id: string, body: Uint8Array, scheme: ChunkIdScheme = LEGACY_CHUNK_ID_SCHEME):
  Promise<{ plain: Uint8Array; gzipMember: Uint8Array | null }> {
  const label = chunkLabel(id);
  if (!isChunkId(id)) throw new IntegrityError(`${label} is not a valid chunk name (64 lowercase hex expected)`, label);
  const packed = open(keys.encryption, body, label, label);
  const plain = await decompressChunk(packed, label);
  const actual = chunkNamer(scheme, keys.chunkId)(plain);
  if (actual !== id) {
    throw new IntegrityError(`chunk ${label} decrypted but its content hashes to ${actual}; the object is corrupt or ` +
      'was written by a faulty client. Do not trust it; restore from another snapshot.', label);
  }
  return { plain, gzipMember: gzipMemberOf(packed) };
}

/** Open and verify a chunk stored under `data/<id>`; returns its plaintext. */
export async function unpackChunk(keys: MasterKey, id: string, body: Uint8Array, scheme: ChunkIdScheme = LEGACY_CHUNK_ID_SCHEME): Promise<Uint8Array> {
  return (await unpackChunkWithMember(keys, id, body, scheme)).plain;
}

/** Compress and seal a non-chunk object (snapshot manifest, index), bound to `<kind>/<name>`. */
export async function sealObject(keys: MasterKey, kind: string, name: string, bytes: Uint8Array): Promise<Uint8Array> {
  return packAndSeal(keys.encryption, bytes, `${kind}/${name}`);
}

/** Open an object sealed by {@link sealObject}; IntegrityError names `<kind>/<name>` on any failure. */
export async function openObject(keys: MasterKey, kind: string, name: string, body: Uint8Array): Promise<Uint8Array> {
  const label = `${kind}/${name}`;
  return decompressChunk(open(keys.encryption, body, label, label), label);
}
