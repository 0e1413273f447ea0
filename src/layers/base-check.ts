/**
 * Before a backup writes a delta against a base, it proves that the base's chunks still exist: a delta
 * snapshot names the base's chunks without uploading or reading them (the row list is read, the rows are
 * not), so a base chunk lost since it was written would make every later delta snapshot unrestorable while
 * the backups exit 0. Same rule as for reused chunks (../repo/verify-reused.ts): an object that is absent or
 * shorter than the smallest sealed chunk counts as missing, and then the backup writes a new base instead.
 */
import { IntegrityError } from '../errors.js';
import type { ChunkRef } from '../repo/records.js';
import type { Repository } from '../repo/repository.js';
import { statMissing } from '../repo/verify-reused.js';
import type { LayerBase } from '../snapshot/manifest.js';
import { ROW_ENTRY_BYTES } from './row-list.js';

/** HEADs in flight. */
const CONCURRENCY = 8;
/** Ids checked per batch (memory stays bounded for bases of any size). */
const BATCH = 1024;
/** Stop after this many missing ids: one is enough to replace the base. */
const ENOUGH = 10;

async function missingIn(repo: Repository, ids: string[], out: string[]): Promise<void> {
  out.push(...await statMissing(repo.store, ids, CONCURRENCY));
}

/**
 * Bytes of a base's row list (the sum of its data chunks' lengths, from its chunk list) unless it is
 * exactly one entry per base row: a list of another layout (20-byte entries, before 2026-12-04) or a
 * damaged one cannot steer a delta, so the backup writes a new base instead of failing.
 */
export async function rowListMismatch(repo: Repository, base: Pick<LayerBase, 'rowList' | 'rows'>): Promise<string | null> {
  let bytes = 0;
  try {
    for await (const r of repo.refs(base.rowList, 'the chunk list of a row list')) bytes += r.length;
  } catch (e) {
    if (e instanceof IntegrityError) return `its row list cannot be read (${e.message})`;
    throw e;
  }
  const want = base.rows * ROW_ENTRY_BYTES;
  return bytes === want ? null : `its row list holds ${bytes} bytes, not ${ROW_ENTRY_BYTES} for each of its ${base.rows} rows (${want})`;
}

/** Ids of the base's data and chunk-list objects that are missing or truncated (empty: all present). */
export async function missingBaseChunks(repo: Repository, base: Pick<LayerBase, 'list' | 'rowList'>): Promise<string[]> {
  const missing: string[] = [];
  for (const list of [base.list, base.rowList] as readonly ChunkRef[][]) {
    await missingIn(repo, list.map((r) => r.id), missing);
    if (missing.length > 0) return missing;
    let batch: string[] = [];
    try {
      for await (const r of repo.refs(list, 'the chunk list of a layer base')) {
        batch.push(r.id);
        if (batch.length >= BATCH) {
          await missingIn(repo, batch, missing);
          batch = [];
          if (missing.length >= ENOUGH) return missing;
        }
      }
    } catch (e) {
      if (e instanceof IntegrityError) return [...missing, `(chunk list: ${e.message})`];
      throw e;
    }
    await missingIn(repo, batch, missing);
    if (missing.length > 0) return missing;
  }
  return missing;
}
