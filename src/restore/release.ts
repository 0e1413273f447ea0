/**
 * Freeing a restore's buffers once written (issue 14: peak RSS ≤ 150 MiB; docs/benchmarks.md, "Ninth pass").
 *
 * A restore to a file or to standard output streams every chunk through buffers that die as soon as the output has
 * taken them: the plaintext of each chunk (1 MiB on average), and for `.sql.gz` each chunk's gzip member and the
 * plaintext inflated from it for the checksum. Left to the collector, those that were in flight during a
 * young-generation collection are promoted and wait for a full one, and glibc's heap keeps their pages meanwhile
 * (the sixth and seventh passes found the same for backups and for loads into a database). The restore knows when
 * each buffer is dead, so it frees it then (src/memory/free-now.ts).
 *
 * A buffer written to a stream is dead once the stream's write callback has run only if the stream keeps nothing of
 * it afterwards: true of Node's own file and socket streams (the bytes are then in the kernel), false of a
 * PassThrough or any Transform, which hands the very buffer to its reader. So it is done only for the streams
 * {@link releasesWritten} knows.
 */
import { WriteStream } from 'node:fs';
import { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { freeNow } from '../memory/free-now.js';

/**
 * Whether `out` holds nothing of a buffer once its write callback has run: the process's standard output and error
 * (a file, a pipe or a terminal: written synchronously or through a socket), a file stream, a socket.
 */
export function releasesWritten(out: Writable): boolean {
  return out === process.stdout || out === process.stderr || out instanceof WriteStream || out instanceof Socket;
}

/**
 * A function that frees `view` (freeNow) at its `holders`-th call: one call per party that held the buffer, each
 * made once that party is done with it. Further calls do nothing.
 */
export function freeWhenReleased(view: Uint8Array, holders: number): () => void {
  if (!Number.isInteger(holders) || holders < 1) throw new RangeError(`holders must be a positive integer, got ${holders}`);
  let left = holders;
  return () => {
    if (left === 0) return;
    left--;
    if (left === 0) freeNow(view);
  };
}
