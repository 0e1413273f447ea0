/** Public surface of src/crypto: keys, chunk IDs, AEAD, key files, compression and chunk packing. */
export { chunkId, generateMasterKey, isChunkId, type MasterKey } from './keys.js';
export {
  CHUNK_ID_SCHEMES, chunkNamer, fasterChunkIdScheme, isChunkIdScheme, LEGACY_CHUNK_ID_SCHEME, type ChunkIdScheme, type ChunkNamer,
} from './chunk-id.js';
export { open, seal, SEAL_OVERHEAD } from './aead.js';
export {
  createKeyFile, DEFAULT_KDF_PARAMS, MAX_KDF_PARAMS, openKeyFile, parseKeyFile, type KdfParams, type KeyFileMeta,
} from './keyfile.js';
export { compressChunk, decompressChunk, gzipMemberOf, METHOD_GZIP, METHOD_RAW } from './compress.js';
export {
  chunkLabel, openObject, packChunk, sealObject, unpackChunk, unpackChunkWithMember, type PackedChunk,
} from './pack.js';
export { createPackPool, type PackPool } from './pool.js';
