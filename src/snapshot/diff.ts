/** What changed between two snapshots, from the per-table hashes and per-part schema hashes. */
import type { Snapshot, TableRecord } from './manifest.js';

export interface TableDiff {
  table: string;
  change: 'added' | 'removed' | 'changed' | 'unchanged';
  rowsBefore?: number;
  rowsAfter?: number;
  bytesBefore?: number;
  bytesAfter?: number;
}

export interface SnapshotDiff {
  from: string;
  to: string;
  /** True when the schema (everything but table data) differs. */
  schemaChanged: boolean;
  tables: TableDiff[];
}

function tablesOf(s: Snapshot): Map<string, TableRecord> {
  const m = new Map<string, TableRecord>();
  for (const p of s.parts) if (p.table) m.set(p.table.qualified, p.table);
  return m;
}

function schemaHash(s: Snapshot): string {
  return s.parts.filter((p) => p.kind === 'prologue' || p.kind === 'epilogue').map((p) => p.sha256 ?? '?').join(',');
}

export function diffSnapshots(a: Snapshot, b: Snapshot): SnapshotDiff {
  const ta = tablesOf(a);
  const tb = tablesOf(b);
  const names = [...new Set([...ta.keys(), ...tb.keys()])].sort();
  const tables = names.map((table): TableDiff => {
    const x = ta.get(table);
    const y = tb.get(table);
    if (!x) return { table, change: 'added', rowsAfter: y!.rows, bytesAfter: y!.bytes };
    if (!y) return { table, change: 'removed', rowsBefore: x.rows, bytesBefore: x.bytes };
    return {
      table, change: x.sha256 === y.sha256 && x.rows === y.rows ? 'unchanged' : 'changed',
      rowsBefore: x.rows, rowsAfter: y.rows, bytesBefore: x.bytes, bytesAfter: y.bytes,
    };
  });
  return { from: a.id, to: b.id, schemaChanged: schemaHash(a) !== schemaHash(b), tables };
}
