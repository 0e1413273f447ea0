/**
 * Parallel table data over N connections sharing one snapshot, delivered in script order with bounded memory.
 *
 * The work is a list of segments in script order: a whole table, or (for big heap-order tables) a block range of it
 * read with a TID range scan; block ranges concatenated in block order are byte-identical to a full COPY, because a
 * sequential scan (synchronize_seqscans off) returns tuples in block, then line-pointer, order. Each connection takes
 * the next segment, streams its COPY into that segment's ByteQueue (bounded: the COPY pauses when it is full), and
 * moves on. At most `window` segments beyond the one being read are dispatched, so memory is at most
 * (window + 1) × prefetchBytes whatever the table sizes. The consumer drains the queues in order.
 */
import type pg from 'pg';
import type { Connection } from '../../db/connect.js';
import type { TableDataSpec } from '../plan.js';
import { copyOutSql, streamCopy, type ReadMode, type RowTally } from './copy.js';
import { objectError } from './errors.js';
import { ByteQueue } from './queue.js';

export interface Segment {
  table: TableDataSpec;
  mode: ReadMode;
  queue: ByteQueue;
  /** Shared by the segments of one table: the server's row counts add up there. */
  tally: RowTally;
}

/** Split a heap-order table into block ranges when it is big enough to be worth it; one segment otherwise. */
export function segmentModes(spec: TableDataSpec, mode: ReadMode, o: { jobs: number; serverVersionNum: number; blockSize: number; chunkBytes: number }): ReadMode[] {
  // TID range scans exist from PostgreSQL 14; a zero-column table has nothing to select.
  // A filtered extension configuration table is read whole (they are small, and the filter is free text).
  if (mode.kind !== 'heap' || o.jobs < 2 || o.serverVersionNum < 140000 || spec.columns.length === 0 || spec.filter !== undefined) return [mode];
  const blocks = Math.ceil(spec.estimatedBytes / o.blockSize);
  const per = Math.max(1, Math.floor(o.chunkBytes / o.blockSize));
  if (blocks < 2 * per) return [mode];
  const n = Math.ceil(blocks / per);
  const out: ReadMode[] = [];
  for (let i = 0; i < n; i++) {
    // The last range is open-ended: the relation may have more blocks than the estimate said.
    out.push({ kind: 'blocks', fromBlock: i * per, toBlock: i === n - 1 ? null : (i + 1) * per });
  }
  return out;
}

/**
 * Key ranges for a big key-ordered table: cut points on the first key column taken from its ANALYZE histogram,
 * re-sorted by the server under the column's own type and collation (the `<` the ORDER BY uses), so consecutive
 * ranges `[cut_i, cut_i+1)` concatenate to exactly `ORDER BY key`. Null when not worth it or no statistics.
 */
export async function keyRangeModes(client: pg.Client, spec: TableDataSpec, mode: ReadMode,
  o: { jobs: number; chunkBytes: number }): Promise<ReadMode[] | null> {
  if (mode.kind !== 'ordered' || o.jobs < 2 || spec.estimatedBytes < 2 * o.chunkBytes || spec.filter !== undefined) return null;
  const wanted = Math.min(256, Math.ceil(spec.estimatedBytes / o.chunkBytes));
  const col = await client.query<{ type: string; coll: string | null; bounds: string | null }>(`
    SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
           (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.collname)
              FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace WHERE c.oid = a.attcollation) AS coll,
           (SELECT s.histogram_bounds::text FROM pg_catalog.pg_stats s
             WHERE s.schemaname = $2 AND s.tablename = $3 AND s.attname = a.attname AND NOT s.inherited) AS bounds
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = $1 AND pg_catalog.quote_ident(a.attname) = $4 AND a.attnum > 0 AND NOT a.attisdropped`,
  [spec.oid, spec.schema, spec.name, mode.key[0]]);
  const row = col.rows[0];
  if (!row || row.bounds === null) return null;
  const collate = row.coll ? ` COLLATE ${row.coll}` : '';
  const cuts = await client.query<{ lit: string }>(`
    SELECT pg_catalog.quote_literal(x::text) AS lit
      FROM (SELECT DISTINCT x FROM pg_catalog.unnest($1::text::${row.type}[]) AS u(x)) d
     ORDER BY x${collate}`, [row.bounds]);
  if (cuts.rows.length < 2) return null;
  // Keep about `wanted` ranges: every k-th cut of the sorted, distinct histogram bounds.
  const step = Math.max(1, Math.ceil(cuts.rows.length / wanted));
  const lits = cuts.rows.filter((_, i) => i % step === 0).map((r) => `${r.lit}::${row.type}`);
  const out: ReadMode[] = [];
  for (let i = 0; i <= lits.length; i++) {
    out.push({ kind: 'orderedRange', key: mode.key, lower: i === 0 ? null : lits[i - 1]!, upper: i === lits.length ? null : lits[i]! });
  }
  return out;
}

export class ParallelReader {
  private next = 0;
  private consumed = 0;
  private aborted: unknown = undefined;
  private waiters: (() => void)[] = [];
  private readonly loops: Promise<void>[] = [];

  constructor(
    private readonly conns: Connection[],
    /** The connection that holds the table locks already (readSchema locked them). */
    private readonly leader: Connection,
    private readonly segments: Segment[],
    private readonly window: number,
  ) {}

  start(): void {
    for (const c of this.conns) this.loops.push(this.loop(c));
  }

  /** Stop everything: every queue not yet complete fails with `err`. Idempotent. */
  abort(err: unknown): void {
    if (this.aborted !== undefined) return;
    this.aborted = err;
    for (const s of this.segments) s.queue.fail(err);
    this.wake();
  }

  /** Wait for the connection loops to stop (after the end of the data, or after abort). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.loops);
  }

  /** The rows of segment `i` (consumer side, strictly in order). */
  async *read(i: number): AsyncGenerator<Buffer, void, undefined> {
    const seg = this.segments[i]!;
    yield* seg.queue.drain();
    this.consumed = i + 1;
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async loop(conn: Connection): Promise<void> {
    const locked = new Set<number>();
    while (this.aborted === undefined) {
      const k = this.next;
      if (k >= this.segments.length) return;
      if (k > this.consumed + this.window) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      this.next++;
      const seg = this.segments[k]!;
      const ref = { kind: 'table' as const, name: seg.table.qualified, endpoint: conn.endpoint };
      try {
        if (conn !== this.leader && !locked.has(seg.table.oid)) {
          // As pg_dump's workers: NOWAIT, so an ACCESS EXCLUSIVE request queued behind the leader's lock makes us
          // fail instead of deadlocking (the leader would wait for us, we for it).
          try {
            await conn.client.query(`LOCK TABLE ${seg.table.qualified} IN ACCESS SHARE MODE NOWAIT`);
          } catch (e) {
            throw objectError(e, ref, 'locking');
          }
          locked.add(seg.table.oid);
        }
        for await (const chunk of streamCopy(conn.client, copyOutSql(seg.table, seg.mode), ref, seg.tally)) {
          await seg.queue.push(chunk);
        }
        seg.queue.end();
      } catch (e) {
        // A connection broken earlier (e.g. its backend was terminated) fails later queries with a generic
        // "not queryable" error: report what actually happened to it.
        this.abort(conn.lostError ? objectError(conn.lostError, ref, 'copying') : e);
        return;
      }
    }
  }
}
