/** The tables a snapshot holds, as recorded at backup time (for `pgvault ls`): no chunk is read. */
import type { TableStats } from '../dump/index.js';
import type { Snapshot } from './manifest.js';

/** A table's figures as recorded at backup time (the dump engine's statistics, without how it was read). */
export type SnapshotTable = Pick<TableStats, 'schema' | 'name' | 'qualified' | 'rows' | 'bytes' | 'sha256'>;

/** Every table with data in the snapshot, in dump order. */
export function snapshotTables(s: Snapshot): SnapshotTable[] {
  return s.parts.flatMap((p) => (p.table
    ? [{ schema: p.table.schema, name: p.table.name, qualified: p.table.qualified, rows: p.table.rows, bytes: p.table.bytes, sha256: p.table.sha256 }]
    : []));
}
