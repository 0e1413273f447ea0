/**
 * Rebuild a layered table's current rows from its base rows, the delta's op list and its literal rows
 * (docs/incremental.md "Restores"): base runs are copied from the base stream (read once, front to back,
 * as whole-row slices of its buffers), literal runs from the literal stream. The counts recorded in the
 * manifest are checked, so a damaged or mismatched layer fails instead of yielding wrong rows; the
 * caller still checks the table's SHA-256.
 *
 * The ops are applied synchronously against the pieces in hand (./rows.ts SpanCursor.advance) and the spans
 * come out in batches: an await only where a piece of the base, of the literals or of the op list must be read,
 * not per op or per span (a scattered S1 delta of the 1 GB set has ~90 000 ops).
 */
import { IntegrityError } from '../errors.js';
import { decodeOpBatches } from './ops.js';
import { bytesOf, SpanCursor, spansOf, type Span } from './rows.js';

export interface RebuildSources<T = Uint8Array> {
  /** The base's COPY rows. */
  base: AsyncIterable<T>;
  baseRows: number;
  /** The delta's op list. */
  ops: AsyncIterable<Uint8Array>;
  /** The delta's literal rows. */
  literals: AsyncIterable<T>;
  literalRows: number;
  /** For messages, e.g. `table public.orders of snapshot 1a2b3c4d`. */
  what: string;
  /** Counts the rows yielded (each run yields exactly its count of whole rows, or the rebuild fails). */
  counted?: { rows: number };
}

/** Spans per batch of rebuildSpanBatches, at most (a batch also ends wherever a source piece must be read). */
export const REBUILD_BATCH = 256;

export function rebuildRows(src: RebuildSources): AsyncGenerator<Uint8Array> {
  return bytesOf(rebuildSpans({ ...src, base: spansOf(src.base), literals: spansOf(src.literals) }));
}

/** rebuildRows over spans: a stored chunk that a run copies whole keeps its gzip member. */
export async function* rebuildSpans(src: RebuildSources<Span>): AsyncGenerator<Span> {
  for await (const batch of rebuildSpanBatches(src)) yield* batch;
}

/**
 * rebuildSpans in batches of at most {@link REBUILD_BATCH} spans. A batch holds slices of the source pieces in
 * hand only: it is handed out before the next piece is read.
 */
export async function* rebuildSpanBatches(src: RebuildSources<Span>): AsyncGenerator<Span[]> {
  const base = new SpanCursor(src.base, `the base rows of ${src.what}`);
  const lit = new SpanCursor(src.literals, `the literal rows of ${src.what}`);
  let out: Span[] = [];
  for await (const ops of decodeOpBatches(src.ops, { baseRows: src.baseRows, literalRows: src.literalRows }, `the op list of ${src.what}`)) {
    for (const op of ops) {
      if (op.kind === 'base') {
        // Skip the base rows the op list drops (gone or changed), then copy the run.
        for (let gone = base.advance(op.start - base.position, null); gone > 0; gone = base.advance(gone, null)) {
          if (out.length) { yield out; out = []; }
          if (!(await base.fill())) throw base.short(gone);
        }
      }
      const from = op.kind === 'base' ? base : lit;
      for (let left = from.advance(op.count, out); left > 0; left = from.advance(left, out)) {
        if (out.length) { yield out; out = []; }
        if (!(await from.fill())) throw from.short(left);
      }
      if (src.counted) src.counted.rows += op.count;
      if (out.length >= REBUILD_BATCH) { yield out; out = []; }
    }
  }
  if (out.length) yield out;
  if (!(await lit.atEnd())) throw new IntegrityError(`the literal rows of ${src.what} hold more than the ${src.literalRows} rows its op list uses`);
}
