/**
 * Which tables a backup layers, and how (docs/incremental.md "Shape"): a table read in key order whose
 * relation is at least `minBytes` (the catalog's estimate), or that the parent snapshot layered, gets a
 * base, or a delta against the parent's base when the parent has one for the same columns and the
 * parent's delta has not outgrown the re-base rule. Other tables are stored in the dump stream as before.
 */
import type { TableDataSpec } from '../dump/plan.js';
import type { Snapshot, TableLayer, TableRecord } from '../snapshot/manifest.js';
import type { LayerPlan } from './write.js';

/** Smallest relation (pg_relation_size) layered when the parent did not layer it. */
export const LAYER_MIN_BYTES = 4 * 1024 * 1024;
/**
 * Re-base when the parent's delta (literal rows plus op list) passed this fraction of the base's bytes.
 * (The design's second trigger, one op per 64 rows, would re-base U1 at every backup: its scattered
 * changes need one op per ~34 rows at ~2 bytes an op; the op list's bytes count instead.)
 */
export const REBASE_FRACTION = 0.25;

/** The parent snapshot's table records by qualified name. */
export function tablesOf(parent: Snapshot | undefined): Map<string, TableRecord> {
  const out = new Map<string, TableRecord>();
  for (const p of parent?.parts ?? []) if (p.table) out.set(p.table.qualified, p.table);
  return out;
}

/** Has this layer's delta grown past the re-base rule? */
export function needsRebase(l: TableLayer): boolean {
  const d = l.delta;
  if (!d) return false;
  return d.literalSize + d.opsSize > REBASE_FRACTION * l.base.size;
}

const sameColumns = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((c, i) => c === b[i]);

/** How to store `spec`'s rows: null = in the dump stream (not layered). */
export function planLayer(spec: TableDataSpec, stableOrder: boolean, parent: TableRecord | undefined, minBytes: number): LayerPlan | null {
  if (!stableOrder || !spec.orderKey?.length) return null;
  const was = parent?.layer;
  if (was && parent && sameColumns(parent.columns, spec.columns) && !needsRebase(was)) return { kind: 'delta', base: was.base };
  if (was || spec.estimatedBytes >= minBytes) return { kind: 'base' };
  return null;
}
