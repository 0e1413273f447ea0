/**
 * The one import of fastcdc-wasm, the reference implementation that src/chunker/chunker.ts reproduces: used by
 * the tests (test/chunker) and the chunker bench, not by backups. Its only export cuts ONE buffer and always ends a chunk at the
 * buffer's end: it returns the boundaries [0, c1, c2, ..., length] (length ≥ 0; [0] for an empty
 * buffer). It copies the buffer into WebAssembly memory and back (the same bytes), so the buffer
 * must not be shared with concurrent writers.
 */
import { createRequire } from 'node:module';

type GetChunks = (bytes: Uint8Array, min: number, avg: number, max: number) => Uint32Array;

const require = createRequire(import.meta.url);
/** Loaded at the first call, not at import (compiling its WebAssembly costs ~5–20 ms). */
let getChunks: GetChunks | undefined;

/** Chunk boundaries of `bytes` (see module comment). Parameters must be validated beforehand. */
export function boundaries(bytes: Uint8Array, min: number, avg: number, max: number): Uint32Array {
  getChunks ??= (require('fastcdc-wasm') as { get_chunks: GetChunks }).get_chunks;
  return getChunks(bytes, min, avg, max);
}
