/** Script checksums in tests: the segment digest of a restored script, tampered chunk lists, and restores that must fail. */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { IntegrityError } from '../../src/errors.js';
import { restoreToDirectory, restoreToStream } from '../../src/restore/to-file.js';
import { segmentDigestOf } from '../../src/dump/engine/segments.js';
import { rowRangesOf } from '../../src/restore/script-check.js';
import type { Snapshot, SnapshotManifest } from '../../src/snapshot/manifest.js';
import type { Repository } from '../../src/repo/repository.js';
import { encodeRef, type ChunkRef } from '../../src/repo/records.js';
import { collect } from '../repo/helpers.js';

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

/** A snapshot's script as `restore --stdout` writes it, plain or (with `gzip`) as `.sql.gz` bytes gunzipped again. */
export async function restoredScript(repo: Repository, s: Snapshot, gzip = false): Promise<Buffer> {
  const out = new PassThrough();
  const got = collect(out);
  await restoreToStream(repo, s, out, { gzip });
  out.end();
  return gzip ? gunzipSync(await got) : got;
}

let dirs = 0;
/** A snapshot's script as `restore --target` writes it (a `.sql.gz` file in a new folder under `parent`), gunzipped. */
export async function restoredFile(repo: Repository, s: Snapshot, parent: string): Promise<Buffer> {
  const dir = join(parent, `restored-${process.pid}-${dirs++}`);
  mkdirSync(dir);
  return gunzipSync(readFileSync(await restoreToDirectory(repo, s, dir)));
}

/** The restore's IntegrityError for a script that does not match its recorded checksum. */
export const scriptMismatch = (e: unknown): boolean =>
  e instanceof IntegrityError && /does not match the checksum recorded at backup time/.test(e.message);

/** Every restore of `s` (stream plain and gzip, file) fails with {@link scriptMismatch}, and no file is left. */
export async function assertEveryRestoreFails(repo: Repository, s: Snapshot, parent: string): Promise<void> {
  await assert.rejects(restoredScript(repo, s), scriptMismatch);
  await assert.rejects(restoredScript(repo, s, true), scriptMismatch);
  const dir = join(parent, `failed-${process.pid}-${dirs++}`);
  mkdirSync(dir);
  await assert.rejects(restoreToDirectory(repo, s, dir), scriptMismatch);
  assert.deepEqual(readdirSync(dir), [], 'no file is left');
}
