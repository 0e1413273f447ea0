/**
 * The script of a snapshot as bytes, whole or a byte range of it (offsets as recorded in the manifest).
 * For a snapshot without layered tables this is the stored dump stream; with layered tables, whose rows
 * are stored apart (docs/format.md "Layered tables"), the rows are spliced back in at their recorded
 * offsets, each table checked against its recorded SHA-256 (../layers/read.ts).
 */
import type { Repository } from '../repo/repository.js';
import { hasLayers, type PartRecord, type Snapshot, type TableRecord } from '../snapshot/manifest.js';
import { layeredRows, layeredSpanBatches } from '../layers/read.js';
import { spansOf, type Span } from '../layers/rows.js';
import { IntegrityError } from '../errors.js';
import { ByteCursor } from './cursor.js';

/** The layered tables' row ranges in script order. */
function layeredParts(s: Snapshot): PartRecord[] {
  return s.parts.filter((p) => p.table?.layer).sort((a, b) => a.offset - b.offset);
}

/** Script offset → offset in the stored dump stream (rows of layered tables before `at`, or around it, are not stored). */
function storedOffset(layered: readonly PartRecord[], at: number): number {
  let cut = 0;
  for (const p of layered) {
    const t = p.table!;
    if (t.dataOffset >= at) break;
    cut += Math.min(t.dataLength, at - t.dataOffset);
  }
  return at - cut;
}

/** `bytes` of a stream restricted to [from, to) of it (the whole stream is read: a table's check needs all of it). */
async function* slice(src: AsyncIterable<Uint8Array>, from: number, to: number): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for await (const b of src) {
    const a = Math.max(0, from - pos);
    const e = Math.min(b.length, to - pos);
    if (e > a) yield a === 0 && e === b.length ? b : b.subarray(a, e);
    pos += b.length;
  }
}

export async function* readScript(repo: Repository, s: Snapshot, range?: { start: number; end: number }): AsyncGenerator<Uint8Array> {
  if (!hasLayers(s)) {
    yield* repo.readStream(s.dump.list, range);
    return;
  }
  const layered = layeredParts(s);
  const start = range?.start ?? 0;
  const end = range?.end ?? s.dump.size;
  const label = `the dump of snapshot ${s.id.slice(0, 8)}`;
  const stored = new ByteCursor(repo.readStream(s.dump.list, { start: storedOffset(layered, start), end: storedOffset(layered, end) }), label);
  let pos = start;
  for (const p of layered) {
    const t = p.table!;
    const a = t.dataOffset;
    const b = t.dataOffset + t.dataLength;
    if (b <= pos && !(t.dataLength === 0 && a === pos)) continue;
    if (a >= end) break;
    if (pos < a) { yield* stored.take(a - pos); pos = a; }
    const to = Math.min(b, end);
    yield* slice(layeredRows(repo, s, t), pos - a, to - a);
    pos = to;
  }
  if (pos < end) yield* stored.take(end - pos);
}

/** A span of the script; `rowsOf` marks a layered table's rows, which its reader checks against the table's SHA-256. */
export interface ScriptSpan extends Span {
  rowsOf?: TableRecord;
}

/** Consecutive spans of the script; `rowsOf` as in {@link ScriptSpan}, for every span of the batch. */
export interface ScriptBatch {
  spans: Span[];
  rowsOf?: TableRecord;
}

/**
 * The whole script as spans. With `members` (for `.sql.gz` output), a stored chunk (of the dump stream, of a base,
 * of a delta's literal rows) that appears whole and uncut in the script carries its gzip member, everything else is
 * plain bytes to compress. Layered tables are checked as in readScript (an IntegrityError at the end of the table),
 * and their spans carry `rowsOf`, so the caller's check of the whole script need not hash them again
 * (./script-check.ts).
 */
export async function* readScriptSpans(repo: Repository, s: Snapshot, opts: { members: boolean } = { members: true }): AsyncGenerator<ScriptSpan> {
  for await (const batch of readScriptBatches(repo, s, opts)) {
    const t = batch.rowsOf;
    for (const span of batch.spans) yield t ? { ...span, rowsOf: t } : span;
  }
}

/**
 * readScriptSpans in batches (a layered table's rows come in the rebuild's batches: ../layers/rebuild.ts), so a
 * `.sql.gz` restore pays its awaits per batch, not per span.
 */
export async function* readScriptBatches(repo: Repository, s: Snapshot, opts: { members: boolean } = { members: true }): AsyncGenerator<ScriptBatch> {
  const layered = layeredParts(s);
  // Where each layered table's rows go, as offsets of the stored dump stream (ascending).
  const at = layered.map((p) => storedOffset(layered, p.table!.dataOffset));
  const rowsOf = async function* (t: TableRecord): AsyncGenerator<ScriptBatch> {
    for await (const spans of layeredSpanBatches(repo, s, t, opts)) yield { spans, rowsOf: t };
  };
  let k = 0;
  let pos = 0;
  const stored = opts.members ? repo.readWithMembers(s.dump.list) : spansOf(repo.readStream(s.dump.list));
  for await (const chunk of stored) {
    const len = chunk.bytes.length;
    let off = 0;
    while (k < at.length && at[k]! < pos + len) {
      const cut = at[k]! - pos;
      if (cut > off) yield { spans: [{ bytes: chunk.bytes.subarray(off, cut) }] };
      off = cut;
      yield* rowsOf(layered[k]!.table!);
      k++;
    }
    if (off === 0) yield { spans: [chunk] };
    else if (off < len) yield { spans: [{ bytes: chunk.bytes.subarray(off) }] };
    pos += len;
  }
  for (; k < at.length; k++) {
    if (at[k] !== pos) {
      throw new IntegrityError(`the dump of snapshot ${s.id.slice(0, 8)} ends at byte ${pos} of its stored stream, before table ${layered[k]!.name} at ${at[k]}`, `snapshots/${s.id}`);
    }
    yield* rowsOf(layered[k]!.table!);
  }
}
