/**
 * COPY ... TO STDOUT as an async iterable of raw bytes, with true backpressure: CopyOutStream stops reading the pg
 * socket while its Readable buffer is full, and the Readable is only read when our consumer asks for more.
 */
import type pg from 'pg';
import { CopyOutStream } from './copy-out.js';
import type { TableDataSpec } from '../plan.js';
import { objectError, type ObjectRef } from './errors.js';

/** How the rows of one table (or one block range of it) are read. */
export type ReadMode =
  | { kind: 'heap' }
  | { kind: 'ordered'; key: string[] }
  /** Blocks [fromBlock, toBlock) in heap order; toBlock null = to the end of the relation. */
  | { kind: 'blocks'; fromBlock: number; toBlock: number | null }
  /**
   * Key order, restricted to `lower <= key[0] < upper` (SQL expressions, e.g. `'42'::integer`; null = unbounded):
   * consecutive ranges concatenate to exactly the `ordered` output.
   */
  | { kind: 'orderedRange'; key: string[]; lower: string | null; upper: string | null };

/** The server-side COPY statement for a table (or block range), producing exactly the rows of `spec.copyFromLine`. */
export function copyOutSql(spec: Pick<TableDataSpec, 'qualified' | 'columns' | 'filter'>, mode: ReadMode): string {
  const cols = spec.columns.join(', ');
  // An extension configuration table's filter (pg_dump: `COPY (SELECT cols FROM t <filter>) TO stdout;`). The
  // parallel reader never splits such a table into ranges (src/dump/engine/parallel.ts), so only these two modes see one.
  const filter = spec.filter !== undefined ? ` ${spec.filter}` : '';
  if (filter !== '' && mode.kind !== 'heap' && mode.kind !== 'ordered') throw new Error(`internal error: a filtered table (${spec.qualified}) is read whole`);
  switch (mode.kind) {
    case 'heap':
      if (filter !== '') return `COPY (SELECT ${cols} FROM ONLY ${spec.qualified}${filter}) TO STDOUT`;
      // pg_dump: `COPY nsp.t (c1, c2) TO stdout;` (zero-column tables: no list).
      return spec.columns.length > 0 ? `COPY ${spec.qualified} (${cols}) TO STDOUT` : `COPY ${spec.qualified} TO STDOUT`;
    case 'ordered':
      // ONLY: COPY t TO never includes inheritance children, a SELECT would.
      return `COPY (SELECT ${cols} FROM ONLY ${spec.qualified}${filter} ORDER BY ${mode.key.join(', ')}) TO STDOUT`;
    case 'orderedRange': {
      const conds: string[] = [];
      if (mode.lower !== null) conds.push(`${mode.key[0]} >= ${mode.lower}`);
      if (mode.upper !== null) conds.push(`${mode.key[0]} < ${mode.upper}`);
      const where = conds.length ? ` WHERE ${conds.join(' AND ')}` : '';
      return `COPY (SELECT ${cols} FROM ONLY ${spec.qualified}${where} ORDER BY ${mode.key.join(', ')}) TO STDOUT`;
    }
    case 'blocks': {
      const lower = `ctid >= '(${mode.fromBlock},0)'::pg_catalog.tid`;
      const upper = mode.toBlock === null ? '' : ` AND ctid < '(${mode.toBlock},0)'::pg_catalog.tid`;
      return `COPY (SELECT ${cols} FROM ONLY ${spec.qualified} WHERE ${lower}${upper}) TO STDOUT`;
    }
  }
}

/** Readable high-water mark of the COPY stream: how much is buffered before the socket is left unread. */
const COPY_HIGH_WATER_MARK = 512 * 1024;

/** Rows reported by the server for one table (summed over its block ranges). */
export interface RowTally {
  rows: number;
}

/**
 * Stream one COPY. The generator ends only after the server has confirmed the COPY (CommandComplete + ReadyForQuery),
 * and adds the row count of the server's `COPY n` tag to `tally`. Errors (permission, dropped table, lost connection,
 * backend terminated — also one arriving after the last row) are rethrown as a DatabaseError naming the table. If
 * the caller stops early, the stream is destroyed, which closes the connection (it is mid-COPY).
 */
export async function* streamCopy(client: pg.Client, sql: string, ref: ObjectRef, tally?: RowTally): AsyncGenerator<Buffer, void, undefined> {
  const stream = new CopyOutStream(sql, COPY_HIGH_WATER_MARK);
  let finished = false;
  try {
    client.query(stream as unknown as pg.Submittable);
    for await (const chunk of stream) yield chunk as Buffer;
    const rows = await stream.completion;
    if (tally) tally.rows += rows;
    finished = true;
  } catch (e) {
    throw objectError(e, ref, 'copying');
  } finally {
    if (!finished) stream.destroy();
  }
}
