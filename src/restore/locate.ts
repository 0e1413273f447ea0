/**
 * Put a damaged chunk in context: which snapshot, which part of the dump (table) it belongs to.
 * Only runs after a failure, so the extra pass over the chunk lists costs nothing in the normal case.
 */
import { IntegrityError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import { streamsOf, type PartRecord, type Snapshot } from '../snapshot/manifest.js';

/** Each part's range in the stored dump stream (layered tables' rows are stored apart, docs/format.md "Layered tables"). */
function storedRanges(s: Snapshot): { part: PartRecord; start: number; end: number }[] {
  let cut = 0;
  return [...s.parts].sort((a, b) => a.offset - b.offset).map((p) => {
    const start = p.offset - cut;
    if (p.table?.layer) cut += p.table.dataLength;
    return { part: p, start, end: p.offset + p.length - cut };
  });
}

function partsAt(s: Snapshot, start: number, end: number): string[] {
  return storedRanges(s).filter((r) => r.start < end && r.end > start)
    .map((r) => (r.part.kind === 'table-data' ? `table ${r.part.name}` : r.part.kind));
}

/** Rewrap an IntegrityError about `data/<id>` with the snapshot and the parts that chunk holds. */
export async function inContext(repo: Repository, s: Snapshot, e: unknown): Promise<unknown> {
  if (!(e instanceof IntegrityError)) return e;
  const m = /data\/([0-9a-f]{64})/.exec(e.message);
  const where: string[] = [];
  if (m) {
    for (const st of streamsOf(s)) {
      try {
        let pos = 0;
        for await (const r of repo.refs(st.list)) {
          if (r.id === m[1]) where.push(...(st.what === 'chunk list' ? partsAt(s, pos, pos + r.length) : [st.what]));
          pos += r.length;
        }
      } catch { /* the list itself is damaged: the original message says so */ }
    }
  }
  const ctx = `snapshot ${s.id.slice(0, 8)} (${s.database}, ${s.time})` + (where.length ? `, ${[...new Set(where)].join(', ')}` : '');
  return new IntegrityError(`${ctx}: ${e.message}`, e.object, { cause: e });
}
