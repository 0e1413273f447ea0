/** Script checksums in tests: the segment digest of a restored script, and tampered chunk lists. */
import { segmentDigestOf } from '../../src/dump/engine/segments.js';
import { rowRangesOf } from '../../src/restore/script-check.js';
import type { SnapshotManifest } from '../../src/snapshot/manifest.js';
import type { Repository } from '../../src/repo/repository.js';
import { encodeRef, type ChunkRef } from '../../src/repo/records.js';

/** The segment digest of a restored script (docs/format.md "Segment digest"), to compare with a manifest's `dump.segments`. */
export function segmentsOf(script: Uint8Array | string, m: Pick<SnapshotManifest, 'parts'>): string | null {
  return segmentDigestOf(typeof script === 'string' ? Buffer.from(script, 'utf8') : script, rowRangesOf(m));
}

/**
 * The refs for a manifest's `dump.list` whose chunk-list stream names `refs` (the data chunks of a stream of the
 * encoded refs, as a backup's writer makes them): for tampered manifests that are sealed like real ones.
 */
export async function listOf(repo: Repository, refs: readonly ChunkRef[]): Promise<ChunkRef[]> {
  const w = repo.writer();
  await w.write(Buffer.concat(refs.map(encodeRef)));
  const saved = await w.finish();
  const out: ChunkRef[] = [];
  for await (const ref of repo.refs(saved.list)) out.push(ref);
  return out;
}
