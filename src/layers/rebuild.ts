/**
 * Rebuild a layered table's current rows from its base rows, the delta's op list and its literal rows
 * (docs/incremental.md "Restores"): base runs are copied from the base stream (read once, front to back,
 * as whole-row slices of its buffers), literal runs from the literal stream. The counts recorded in the
 * manifest are checked, so a damaged or mismatched layer fails instead of yielding wrong rows; the
 * caller still checks the table's SHA-256.
 */
import { IntegrityError } from '../errors.js';
import { decodeOps } from './ops.js';
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

export function rebuildRows(src: RebuildSources): AsyncGenerator<Uint8Array> {
  return bytesOf(rebuildSpans({ ...src, base: spansOf(src.base), literals: spansOf(src.literals) }));
}

/** rebuildRows over spans: a stored chunk that a run copies whole keeps its gzip member. */
export async function* rebuildSpans(src: RebuildSources<Span>): AsyncGenerator<Span> {
  const base = new SpanCursor(src.base, `the base rows of ${src.what}`);
  const lit = new SpanCursor(src.literals, `the literal rows of ${src.what}`);
  for await (const op of decodeOps(src.ops, { baseRows: src.baseRows, literalRows: src.literalRows }, `the op list of ${src.what}`)) {
    if (op.kind === 'literal') {
      yield* lit.take(op.count);
    } else {
      await base.skip(op.start - base.position);
      yield* base.take(op.count);
    }
    if (src.counted) src.counted.rows += op.count;
  }
  if (!(await lit.atEnd())) throw new IntegrityError(`the literal rows of ${src.what} hold more than the ${src.literalRows} rows its op list uses`);
}
