/**
 * Put a damaged chunk in context: which snapshot, which part of the dump (table) it belongs to.
 * Only runs after a failure, so the extra pass over the chunk list costs nothing in the normal case.
 */
import { IntegrityError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot } from '../snapshot/manifest.js';

function partsAt(s: Snapshot, start: number, end: number): string[] {
  return s.parts.filter((p) => p.offset < end && p.offset + p.length > start)
    .map((p) => (p.kind === 'table-data' ? `table ${p.name}` : p.kind));
}

/** Rewrap an IntegrityError about `data/<id>` with the snapshot and the parts that chunk holds. */
export async function inContext(repo: Repository, s: Snapshot, e: unknown): Promise<unknown> {
  if (!(e instanceof IntegrityError)) return e;
  const m = /data\/([0-9a-f]{64})/.exec(e.message);
  const where: string[] = [];
  if (m) {
    try {
      let pos = 0;
      for await (const r of repo.refs(s.dump.list)) {
        if (r.id === m[1]) where.push(...partsAt(s, pos, pos + r.length));
        pos += r.length;
      }
    } catch { /* the list itself is damaged: the original message says so */ }
  }
  const ctx = `snapshot ${s.id.slice(0, 8)} (${s.database}, ${s.time})` + (where.length ? `, ${[...new Set(where)].join(', ')}` : '');
  return new IntegrityError(`${ctx}: ${e.message}`, e.object, { cause: e });
}
