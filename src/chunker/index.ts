/** Public surface of src/chunker: streaming content-defined chunking (FastCDC, the cut points of fastcdc-rs 1.0.5). */
export { Chunker, chunkStream } from './chunker.js';
export { ChunkPool } from './pool.js';
export {
  DEFAULT_CHUNKER_PARAMS, FASTCDC_LIMITS, PGVAULT_MAX_CHUNK, validateChunkerParams, type ChunkerParams,
} from './params.js';
