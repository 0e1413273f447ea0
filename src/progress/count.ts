/** Helpers that turn a byte stream into progress reports. */
import type { PartRecord } from '../snapshot/manifest.js';
import type { OnProgress, Progress } from './types.js';

/** The part (table, prologue, …) a byte offset of the dump falls in, as a label for progress. */
export function partAt(parts: readonly PartRecord[], offset: number): string | undefined {
  let lo = 0;
  let hi = parts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const p = parts[mid]!;
    if (offset < p.offset) hi = mid - 1;
    else if (offset >= p.offset + p.length) lo = mid + 1;
    else return p.name;
  }
  return undefined;
}

/**
 * Pass `source` through, reporting after each piece: `done` grows by the piece's `length` (the bytes of a buffer, the
 * plaintext bytes of a gzip member: ../repo/chunk-store.ts GzipMember), `item` is the dump part at that offset. With
 * no `onProgress` the source is returned as is.
 */
export function counted<T extends { readonly length: number }>(source: AsyncIterable<T>, onProgress: OnProgress | undefined,
  base: Omit<Progress, 'done'>, o: { parts?: readonly PartRecord[] } = {}): AsyncIterable<T> {
  if (!onProgress) return source;
  return (async function* () {
    let done = 0;
    onProgress({ ...base, done, ...(o.parts ? { item: partAt(o.parts, 0) } : {}) });
    for await (const piece of source) {
      done += piece.length;
      const item = o.parts ? partAt(o.parts, Math.max(0, done - 1)) : undefined;
      onProgress({ ...base, done, ...(item ? { item } : {}) });
      yield piece;
    }
  })();
}
