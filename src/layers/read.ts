/**
 * Read a layered table's current rows from the repository: the base's rows, or base + delta rebuilt
 * (./rebuild.ts). Every read is checked against what the backup recorded for the table (rows, bytes,
 * SHA-256 of the COPY rows): a mismatch is an IntegrityError at the end of the table, so no restore
 * path can deliver wrong rows quietly.
 */
import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import type { ChunkRef } from '../repo/records.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot, TableRecord } from '../snapshot/manifest.js';
import { rebuildSpanBatches } from './rebuild.js';
import { bytesOf, spansOf, type Span } from './rows.js';

/** The COPY rows of table `t` of snapshot `s` (t.layer must be set), checked against `t`'s rows, bytes and SHA-256. */
export function layeredRows(repo: Repository, s: Snapshot, t: TableRecord): AsyncGenerator<Uint8Array> {
  return bytesOf(layeredSpans(repo, s, t, { members: false }));
}

/**
 * layeredRows as spans; with `members`, a stored chunk of the base (or of the literal rows) that appears
 * whole in the table's rows keeps its gzip member, for `.sql.gz` restores.
 */
export async function* layeredSpans(repo: Repository, s: Snapshot, t: TableRecord, opts: { members: boolean }): AsyncGenerator<Span> {
  for await (const batch of layeredSpanBatches(repo, s, t, opts)) yield* batch;
}

/** One-span batches of a stream. */
async function* alone(source: AsyncIterable<Span>): AsyncGenerator<Span[]> {
  for await (const span of source) yield [span];
}

/** layeredSpans in batches (../layers/rebuild.ts rebuildSpanBatches): each batch is hashed before it is handed out. */
export async function* layeredSpanBatches(repo: Repository, s: Snapshot, t: TableRecord, opts: { members: boolean }): AsyncGenerator<Span[]> {
  const layer = t.layer;
  const what = `table ${t.qualified} of snapshot ${s.id.slice(0, 8)} (${s.database}, ${s.time})`;
  if (!layer) throw new IntegrityError(`${what} has no layer record`, `snapshots/${s.id}`);
  const read = (list: readonly ChunkRef[]): AsyncIterable<Span> => opts.members ? repo.readWithMembers(list) : spansOf(repo.readStream(list));
  // A rebuild counts its rows as its row cursors delimit them; a base alone is counted here.
  const counted = { rows: 0 };
  const source = layer.delta
    ? rebuildSpanBatches({
      base: read(layer.base.list), baseRows: layer.base.rows,
      ops: repo.readStream(layer.delta.ops), literals: read(layer.delta.literals), literalRows: layer.delta.literalRows, what, counted,
    })
    : alone(read(layer.base.list));
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  reading: for await (const batch of source) {
    for (let i = 0; i < batch.length; i++) {
      const b = batch[i]!.bytes;
      hash.update(b);
      bytes += b.length;
      if (!layer.delta) for (let at = b.indexOf(0x0a); at >= 0; at = b.indexOf(0x0a, at + 1)) newlines++;
      if (bytes > t.bytes) {
        if (i > 0) yield batch.slice(0, i);
        break reading;
      }
    }
    yield batch;
  }
  const rows = layer.delta ? counted.rows : newlines;
  const sha256 = hash.digest('hex');
  if (bytes !== t.bytes || rows !== t.rows || sha256 !== t.sha256) {
    throw new IntegrityError(`the rows of ${what}, rebuilt from its ${layer.delta ? 'base and delta' : 'base'}, do not match what the backup recorded ` +
      `(${rows} rows, ${bytes} bytes, sha256 ${sha256.slice(0, 16)}… instead of ${t.rows} rows, ${t.bytes} bytes, ${t.sha256.slice(0, 16)}…); ` +
      `nothing restored from it can be trusted: run "pgvault check --read-data" and restore an older snapshot`, `snapshots/${s.id}`);
  }
}
