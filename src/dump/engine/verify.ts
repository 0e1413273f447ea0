/**
 * Recompute a table's recorded statistics (rows, bytes, SHA-256 of the COPY rows) from a live database, exactly as
 * the dump computed them — for `verify` after a restore. See docs/dump-engine.md, "Statistics and hashes".
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { copyOutSql, streamCopy, type RowTally } from './copy.js';
import { pinSession } from './session.js';

export interface TableHashSpec {
  /** Quoted, qualified name as recorded (`TableStats.qualified`). */
  qualified: string;
  /** Quoted column names of the table's `COPY ... FROM stdin` line (empty for zero-column tables). */
  columns: string[];
  order: 'heap' | 'ordered';
  orderKey?: string[];
  /** An extension configuration table's recorded row filter (`TableStats.filter`). */
  filter?: string;
}

export interface TableHash {
  rows: number;
  bytes: number;
  sha256: string;
}

/**
 * Pins `client`'s session exactly as a dump connection (search_path '', DateStyle ISO, TimeZone UTC, ...; this
 * changes the session for later queries) and hashes the table's COPY output in the recorded order.
 */
export async function hashTableData(client: pg.Client, spec: TableHashSpec, endpoint = 'the server'): Promise<TableHash> {
  await pinSession(client);
  const mode = spec.order === 'ordered'
    ? { kind: 'ordered' as const, key: spec.orderKey ?? [] }
    : { kind: 'heap' as const };
  if (mode.kind === 'ordered' && mode.key.length === 0) throw new Error(`ordered table ${spec.qualified} has no orderKey`);
  const sql = copyOutSql(spec.filter !== undefined ? { qualified: spec.qualified, columns: spec.columns, filter: spec.filter }
    : { qualified: spec.qualified, columns: spec.columns }, mode);
  const h = createHash('sha256');
  const tally: RowTally = { rows: 0 };
  let bytes = 0;
  for await (const chunk of streamCopy(client, sql, { kind: 'table', name: spec.qualified, endpoint }, tally)) {
    h.update(chunk);
    bytes += chunk.length;
  }
  return { rows: tally.rows, bytes, sha256: h.digest('hex') };
}
