/** The tables a snapshot holds, as recorded at backup time (for `pgvault ls`): no chunk is read. */
import type { Snapshot } from './manifest.js';

export interface SnapshotTable {
  schema: string;
  name: string;
  /** Quoted, qualified name as in the script. */
  qualified: string;
  rows: number;
  /** Bytes of COPY row data. */
  bytes: number;
  /** SHA-256 of the COPY row data (what `verify` and `diff` compare). */
  sha256: string;
}

/** Every table with data in the snapshot, in dump order. */
export function snapshotTables(s: Snapshot): SnapshotTable[] {
  return s.parts.flatMap((p) => (p.table
    ? [{ schema: p.table.schema, name: p.table.name, qualified: p.table.qualified, rows: p.table.rows, bytes: p.table.bytes, sha256: p.table.sha256 }]
    : []));
}
