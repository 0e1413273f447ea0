/**
 * The row-level layer (src/layers, docs/incremental.md) run on two states of a table's COPY rows, to
 * report what a delta against the first would store: given the rows at the base backup and now (both
 * in key order, as backups read them), how many rows the delta carries as literals, how many ops its op
 * list needs, and how many bytes it would store. It runs the library's own row list, windowed matcher
 * and op-list encoder, and checks that base + delta rebuilds the current rows byte for byte.
 */
import { gzipSync } from 'node:zlib';
import { DeltaBuilder, RowHasher, RowListEncoder, rebuildRows, splitRows, DEFAULT_WINDOW } from '../../src/layers/index.js';

export interface RowDeltaStats {
  baseRows: number;
  rows: number;
  /** Rows found in the base (copied by reference). */
  matched: number;
  /** Base rows not found (deleted, changed, or beyond the window). */
  dropped: number;
  literalRows: number;
  literalBytes: number;
  /** gzip -1 of the literal rows: what the delta's data chunks would store. */
  literalStoredBytes: number;
  /** Copy-from-base runs plus literal runs: the delta's op list. */
  ops: number;
  /** Bytes of the op list (docs/format.md "Op lists"). */
  opBytes: number;
  /** Bytes of the base's row list (16 bytes per row), stored once per base. */
  rowListBytes: number;
}

/** A fixed hash key: the bench measures sizes, which do not depend on the key. */
const KEY = new Uint8Array(32).fill(1);

async function* one(b: Uint8Array): AsyncGenerator<Uint8Array> {
  if (b.length) yield b;
}

export async function rowDelta(base: Buffer, next: Buffer, window = DEFAULT_WINDOW, keyColumns: number[] = [0]): Promise<RowDeltaStats> {
  const hasher = new RowHasher(KEY, keyColumns);
  const baseRows = splitRows(base);
  const list = new RowListEncoder();
  const listParts: Uint8Array[] = [];
  for (const row of baseRows) {
    const b = list.add({ row: hasher.row(row), key: hasher.key(row) });
    if (b) listParts.push(b);
  }
  const tail = list.flush();
  if (tail) listParts.push(tail);
  const rowList = Buffer.concat(listParts);
  const d = new DeltaBuilder(one(rowList), baseRows.length, hasher, { window });
  const literal: Uint8Array[] = [];
  const ops: Uint8Array[] = [];
  for (const row of splitRows(next)) if (await d.add(row)) literal.push(row);
  const end = await d.finish();
  ops.push(end.ops);
  const lit = Buffer.concat(literal);
  const parts: Uint8Array[] = [];
  for await (const p of rebuildRows({ base: one(base), baseRows: baseRows.length, ops: one(Buffer.concat(ops)), literals: one(lit), literalRows: end.stats.literalRows, what: 'bench table' })) parts.push(p);
  if (!Buffer.concat(parts).equals(next)) throw new Error('row layer: base + delta did not rebuild the current rows');
  const s = end.stats;
  return {
    baseRows: s.baseRows, rows: s.rows, matched: s.matched, dropped: s.dropped, literalRows: s.literalRows, literalBytes: s.literalBytes,
    literalStoredBytes: lit.length ? gzipSync(lit, { level: 1 }).length : 0, ops: s.ops, opBytes: s.opBytes, rowListBytes: rowList.length,
  };
}
