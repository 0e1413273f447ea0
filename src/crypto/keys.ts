/**
 * Master key material and chunk IDs.
 *
 * A repository has one master key: two independent 32-byte random keys. `encryption` seals every
 * stored object (XChaCha20-Poly1305); `chunkId` keys the hash that names chunks (chunk-id.ts: HMAC-SHA-256 or keyed BLAKE2b), so object
 * names reveal nothing about their content (a plain hash would let anyone holding a guess of a chunk
 * confirm it is in the bucket).
 */
import { KeyedBlake2b } from './blake2b.js';
import { sodium } from './sodium.js';

export const KEY_BYTES = 32;
export const CHUNK_ID_BYTES = 32;

export interface MasterKey {
  /** XChaCha20-Poly1305 key for every stored object (32 bytes). */
  readonly encryption: Uint8Array;
  /** Key of the hash naming chunks, indexes and manifests (32 bytes). */
  readonly chunkId: Uint8Array;
}

/** Fresh random master key material (from libsodium's CSPRNG). */
export function generateMasterKey(): MasterKey {
  return {
    encryption: sodium.randombytes_buf(KEY_BYTES),
    chunkId: sodium.randombytes_buf(KEY_BYTES),
  };
}

/** One hasher per chunk-ID key (the key stays in libsodium's memory; src/crypto/blake2b.ts), with the key bytes it was made for. */
const idHashers = new WeakMap<Uint8Array, { key: Buffer; hasher: KeyedBlake2b }>();

/**
 * Keyed BLAKE2b-256 of `plain` as 64 lowercase hex characters: the chunk ID of format 1 and `blake2b-256-keyed`
 * repositories (chunk-id.ts picks the repository's scheme), and the local cache's MAC.
 */
export function chunkId(idKey: Uint8Array, plain: Uint8Array): string {
  if (idKey.length !== KEY_BYTES) throw new RangeError(`chunk-ID key must be ${KEY_BYTES} bytes, got ${idKey.length}`);
  let h = idHashers.get(idKey);
  if (!h || !h.key.equals(idKey)) {
    h = { key: Buffer.from(idKey), hasher: new KeyedBlake2b(idKey, CHUNK_ID_BYTES) };
    idHashers.set(idKey, h);
  }
  return h.hasher.hex(plain);
}

const CHUNK_ID_RE = /^[0-9a-f]{64}$/;

/** True if `s` has the shape of a chunk ID (64 lowercase hex characters). */
export function isChunkId(s: string): boolean {
  return CHUNK_ID_RE.test(s);
}
