/**
 * The dump engine: one snapshot, pinned sessions, the schema side's plan, then the script as ordered parts
 * (prologue, one part per table's COPY data, sequence values, large objects, epilogue), with per-table statistics
 * and a digest of the whole script (its SHA-256, or the segment digest backups record: ./segments.ts). See docs/dump-engine.md.
 */
import { connect, type Connection } from '../../db/connect.js';
import { resolveConnection, type ConnectionOptions, type ResolvedConnection } from '../../db/connection.js';
import { DatabaseError, isPgvaultError, UsageError } from '../../errors.js';
import type { SchemaOptions, SchemaPlan, ScriptText, TableDataSpec } from '../plan.js';
import { copyOutSql, streamCopy, type ReadMode, type RowTally } from './copy.js';
import { DEFAULT_LO_HEADER, largeObjectContents, sequenceValues } from './data-sql.js';
import { keyRangeModes, ParallelReader, segmentModes, type Segment } from './parallel.js';
import { ByteQueue } from './queue.js';
import { beginSnapshot, exportSnapshot, importSnapshot, pinSession, type ScriptEncoding } from './session.js';
import { createHasher } from './hasher.js';
import { releaseFreedMemory } from '../../memory/garbage.js';
import type { TableStats } from './stats.js';
import { COPY_TRAILER, tocComment } from './text.js';
import type { Dump, DumpOptions, DumpPart, DumpPartKind, DumpSummary, SchemaReader } from './types.js';

const DEFAULT_CHUNK_BYTES = 4 * 1024 * 1024;
/** The committed heap above which the schema side's pages are handed back before the script streams (thousands of objects). */
const RELEASE_HEAP_ABOVE_BYTES = 64 * 1024 * 1024;
const DEFAULT_PREFETCH_BYTES = 8 * 1024 * 1024;
const MAX_JOBS = 64;

function isResolved(c: ConnectionOptions | ResolvedConnection): c is ResolvedConnection {
  return 'passwordSource' in c && 'warnings' in c;
}

export function schemaOptionsOf(o: DumpOptions): SchemaOptions {
  const s: SchemaOptions = {};
  if (o.schemas) s.schemas = o.schemas;
  if (o.excludeSchemas) s.excludeSchemas = o.excludeSchemas;
  if (o.tables) s.tables = o.tables;
  if (o.excludeTables) s.excludeTables = o.excludeTables;
  if (o.excludeTableData) s.excludeTableData = o.excludeTableData;
  if (o.noOwner !== undefined) s.noOwner = o.noOwner;
  if (o.noPrivileges !== undefined) s.noPrivileges = o.noPrivileges;
  if (o.clean !== undefined) s.clean = o.clean;
  if (o.restrictKey !== undefined) s.restrictKey = o.restrictKey;
  if (o.lockWaitTimeoutMs !== undefined) s.lockWaitTimeoutMs = o.lockWaitTimeoutMs;
  if (o.allowUnsupported !== undefined) s.allowUnsupported = o.allowUnsupported;
  if (o.skipRenderers !== undefined) s.skipRenderers = o.skipRenderers;
  return s;
}

export function readModeFor(spec: TableDataSpec, stableOrder: boolean): ReadMode {
  return stableOrder && spec.orderKey && spec.orderKey.length > 0 ? { kind: 'ordered', key: spec.orderKey } : { kind: 'heap' };
}

function validateJobs(j: number | undefined): number {
  const jobs = j ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > MAX_JOBS) throw new UsageError(`--jobs must be an integer from 1 to ${MAX_JOBS} (got ${String(j)})`);
  return jobs;
}

/** Characters of script text turned into bytes at a time (the prologue of 20 000 tables is ~28 M characters). */
export const SCRIPT_PIECE_CHARS = 1024 * 1024;

/**
 * Where to end a piece of script text that starts at `from`: after the last blank line ("\n\n", an entry boundary, so
 * psql's `\restrict` line and the blank line after it stay in one piece) within `max` characters, else after the
 * last newline, else anywhere that does not split a UTF-16 surrogate pair (which would not encode to the same bytes).
 */
export function pieceEnd(text: string, from: number, max: number): number {
  const limit = from + max;
  if (limit >= text.length) return text.length;
  const blank = text.lastIndexOf('\n\n', limit - 2);
  if (blank >= from) return blank + 2;
  const nl = text.lastIndexOf('\n', limit - 1);
  if (nl >= from) return nl + 1;
  const c = text.charCodeAt(limit - 1);
  return c >= 0xd800 && c <= 0xdbff ? limit - 1 : limit;
}

/**
 * The holder's text as a part, converted to bytes about a megabyte at a time: never a second whole copy of the
 * text (megabytes of DDL for a schema of many objects) as one buffer, and no downstream stage has to hold one either.
 * Segments (the schema side's) are grouped whole — each is a run of whole entries; one string is cut by
 * {@link pieceEnd}. The holder lets go of the text at once (the part holds it until its last piece). The bytes are
 * those of the whole text.
 */
async function* pieces(holder: { text: ScriptText }, enc: ScriptEncoding, max = SCRIPT_PIECE_CHARS): AsyncGenerator<Buffer> {
  const text = holder.text;
  holder.text = '';
  if (typeof text === 'string') {
    for (let at = 0; at < text.length;) {
      const end = pieceEnd(text, at, max);
      yield Buffer.from(text.slice(at, end), enc);
      at = end;
    }
    return;
  }
  // Each segment is let go once it is in a piece (the text can be tens of megabytes).
  const segs = [...text];
  let group: string[] = [];
  let chars = 0;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    segs[i] = '';
    if (seg.length === 0) continue;
    group.push(seg);
    chars += seg.length;
    if (chars >= max) {
      const b = Buffer.from(group.join(''), enc);
      group = [];
      chars = 0;
      yield b;
    }
  }
  if (chars > 0) yield Buffer.from(group.join(''), enc);
}

function setupError(e: unknown, what: string, ep: string): DatabaseError {
  if (isPgvaultError(e)) return e as DatabaseError;
  const msg = e instanceof Error ? e.message : String(e);
  return new DatabaseError(`${what} on PostgreSQL at ${ep} failed: ${msg}`, { cause: e });
}

/** Run a dump. Consume the parts strictly in order, each stream to its end; closing early releases everything. */
export function runDump(conn: ConnectionOptions | ResolvedConnection, opts: DumpOptions, readSchema: SchemaReader): Dump {
  let summary: DumpSummary | undefined;
  const gen = generate();
  const dump = gen as Dump;
  dump.summary = (): DumpSummary => {
    if (!summary) throw new Error('the dump summary is available only after the last part has been read');
    return summary;
  };
  return dump;

  async function* generate(): AsyncGenerator<DumpPart, DumpSummary, undefined> {
    const jobs = validateJobs(opts.jobs);
    if (opts.lockWaitTimeoutMs !== undefined && !(Number.isInteger(opts.lockWaitTimeoutMs) && opts.lockWaitTimeoutMs >= 0)) {
      throw new UsageError(`--lock-wait-timeout must be a whole number of milliseconds (got ${String(opts.lockWaitTimeoutMs)})`);
    }
    const stableOrder = opts.stableOrder === true;
    const resolved = isResolved(conn) ? conn : resolveConnection(conn);
    const startedAt = new Date();
    const digest = opts.scriptDigest ?? 'sha256';
    const hasher = createHasher({ digest, ...(opts.inlineHashing === undefined ? {} : { inline: opts.inlineHashing }) });
    let totalBytes = 0;
    const conns: Connection[] = [];
    let reader: ParallelReader | undefined;
    const tableStats: TableStats[] = [];

    /** Wrap a part's source so the script's digest sees every byte, and we can tell whether it was read to the end. */
    const track = { done: true, name: '' };
    /** `source` yields script bytes; those in `rowChunks` (COPY rows) were hashed already, with the table. */
    function part(kind: DumpPartKind, name: string, source: AsyncIterable<Buffer>, table?: TableDataSpec,
      stats?: () => TableStats, rowChunks?: WeakSet<Buffer>): DumpPart {
      const state = { done: false };
      track.done = false;
      track.name = name;
      async function* stream(): AsyncGenerator<Uint8Array> {
        for await (const c of source) {
          if (!rowChunks?.has(c)) await hasher.scriptBytes(c);
          totalBytes += c.length;
          yield c;
        }
        state.done = true;
        track.done = true;
      }
      const p: DumpPart = {
        kind, name, stream: stream(),
        stats: () => {
          if (!stats) return undefined;
          if (!state.done) throw new Error(`stats of ${name} are available only after its stream has been read to the end`);
          return stats();
        },
      };
      if (table) p.table = table;
      return p;
    }
    function assertConsumed(): void {
      if (!track.done) throw new Error(`dump parts must be consumed in order: read part "${track.name}" to the end before asking for the next one`);
    }

    try {
      const leader = await connect(resolved);
      conns.push(leader);
      const ep = leader.endpoint;
      /** Script text encoding: UTF-8, or the bytes themselves on a SQL_ASCII database (session.ts). */
      let enc: ScriptEncoding = 'utf8';
      try {
        enc = await pinSession(leader.client);
        await beginSnapshot(leader.client, { serializableDeferrable: opts.serializableDeferrable === true });
      } catch (e) {
        throw setupError(e, 'starting the dump transaction', ep);
      }
      let snapshotId: string | undefined;
      if (jobs > 1) {
        try { snapshotId = await exportSnapshot(leader.client); } catch (e) { throw setupError(e, 'exporting the snapshot for --jobs', ep); }
      }
      // Workers connect while the schema is read; they import the snapshot, which stays valid while the leader's
      // transaction is open.
      const workersP: Promise<PromiseSettledResult<Connection>[]> = Promise.allSettled(
        Array.from({ length: jobs - 1 }, async () => {
          const w = await connect(resolved);
          conns.push(w);
          try {
            await pinSession(w.client);
            await importSnapshot(w.client, snapshotId!);
          } catch (e) {
            throw setupError(e, 'importing the dump snapshot on a parallel connection', ep);
          }
          return w;
        }));
      let plan: SchemaPlan;
      const lockMs = opts.lockWaitTimeoutMs ?? 0;
      try {
        // The schema side locks the dumped tables; bound every lock wait there (pg_dump --lock-wait-timeout), then
        // lift the bound again so COPY never times out.
        if (lockMs > 0) await leader.client.query(`SET lock_timeout = ${lockMs}`);
        plan = await readSchema(leader.client, schemaOptionsOf(opts));
        if (lockMs > 0) await leader.client.query('SET lock_timeout = 0');
      } catch (e) {
        await workersP;
        if (!isPgvaultError(e) && (e as { code?: unknown }).code === '55P03') {
          throw new DatabaseError(`timed out after ${lockMs} ms waiting for a table lock while reading the schema of database "${resolved.database}" `
            + `(${e instanceof Error ? e.message : String(e)}): another session holds an ACCESS EXCLUSIVE lock on a dumped table — `
            + 'rerun when its DDL/maintenance has finished, or raise --lock-wait-timeout', { cause: e });
        }
        throw setupError(e, `reading the schema of database "${resolved.database}"`, ep);
      }
      const workerResults = await workersP;
      const failed = workerResults.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;

      // The prologue (header, DROP pass, pre-data DDL: megabytes for a schema of many objects) is not kept for the data.
      const prologue: { text: ScriptText } = { text: plan.prologue };
      plan = { ...plan, prologue: '' };
      // What the schema side built (catalog rows, object graph, census) is garbage now: hand its pages back before the
      // script streams (V8 12 keeps them resident otherwise, under everything allocated next; src/memory/garbage.ts).
      // A small schema leaves nothing worth the collections' time.
      releaseFreedMemory({ ifHeapAbove: RELEASE_HEAP_ABOVE_BYTES });
      yield part('prologue', 'prologue', pieces(prologue, enc));
      assertConsumed();

      const header = (spec: TableDataSpec): Buffer => Buffer.from(
        tocComment('Data for Name', spec.name, 'TABLE DATA', spec.schema, opts.noOwner ? null : spec.owner) + spec.copyFromLine, enc);
      const trailer = Buffer.from(COPY_TRAILER);

      // Per table: the row sources (one COPY, or the parallel reader's segments of this table, in order).
      const tallies: RowTally[] = plan.tables.map(() => ({ rows: 0 }));
      let rowSources: (spec: TableDataSpec, index: number) => AsyncIterable<Buffer>;
      if (jobs === 1) {
        rowSources = (spec, index) => streamCopy(leader.client, copyOutSql(spec, readModeFor(spec, stableOrder)),
          { kind: 'table', name: spec.qualified, endpoint: ep }, tallies[index]);
      } else {
        let blockSize = 8192;
        try {
          const r = await leader.client.query<{ bs: string }>("SELECT pg_catalog.current_setting('block_size') AS bs");
          blockSize = Number(r.rows[0]!.bs) || 8192;
        } catch (e) {
          throw setupError(e, 'reading block_size', ep);
        }
        const chunkBytes = opts.parallelChunkBytes ?? DEFAULT_CHUNK_BYTES;
        const prefetch = opts.prefetchBytes ?? DEFAULT_PREFETCH_BYTES;
        const segments: Segment[] = [];
        const byTable: number[][] = [];
        for (const [ti, spec] of plan.tables.entries()) {
          const ids: number[] = [];
          const mode0 = readModeFor(spec, stableOrder);
          let modes: ReadMode[];
          try {
            modes = await keyRangeModes(leader.client, spec, mode0, { jobs, chunkBytes })
              ?? segmentModes(spec, mode0, { jobs, serverVersionNum: leader.serverVersionNum, blockSize, chunkBytes });
          } catch (e) {
            throw setupError(e, `planning key ranges of table ${spec.qualified}`, ep);
          }
          for (const mode of modes) {
            ids.push(segments.length);
            segments.push({ table: spec, mode, queue: new ByteQueue(prefetch), tally: tallies[ti]! });
          }
          byTable.push(ids);
        }
        const r = new ParallelReader(conns, leader, segments, jobs);
        reader = r;
        r.start();
        rowSources = (_spec, index) => (async function* () {
          for (const id of byTable[index]!) yield* r.read(id);
        })();
      }

      for (let i = 0; i < plan.tables.length; i++) {
        const spec = plan.tables[i]!;
        const mode = readModeFor(spec, stableOrder);
        let bytes = 0;
        const rowChunks = new WeakSet<Buffer>();
        let stats: TableStats | undefined;
        const rows = rowSources(spec, i);
        const source = (async function* () {
          yield header(spec);
          hasher.beginTable();
          for await (const c of rows) {
            bytes += c.length;
            await hasher.tableBytes(c);
            rowChunks.add(c);
            yield c;
          }
          const sha256 = await hasher.endTable();
          stats = { schema: spec.schema, name: spec.name, qualified: spec.qualified, rows: tallies[i]!.rows, bytes, sha256,
            order: mode.kind === 'ordered' ? 'ordered' : 'heap' };
          if (mode.kind === 'ordered') stats.orderKey = mode.key;
          if (spec.filter !== undefined) stats.filter = spec.filter;
          tableStats.push(stats);
          yield trailer;
        })();
        yield part('table-data', spec.qualified, source, spec, () => stats!, rowChunks);
        assertConsumed();
      }
      if (reader) {
        await reader.settled();
        reader = undefined;
      }

      yield part('data-sql', 'sequences', sequenceValues(leader.client, plan.sequences, opts.noOwner === true, ep, enc));
      assertConsumed();
      yield part('large-objects', 'large-objects', largeObjectContents(leader.client, plan.largeObjects, plan.largeObjectsHeader ?? DEFAULT_LO_HEADER, ep));
      assertConsumed();
      yield part('epilogue', 'epilogue', pieces({ text: plan.epilogue }, enc));
      assertConsumed();

      try {
        await leader.client.query('COMMIT');
      } catch (e) {
        throw setupError(e, 'ending the dump transaction', ep);
      }
      const scriptDigest = await hasher.endScript();
      summary = {
        database: resolved.database,
        endpoint: ep,
        serverVersion: leader.serverVersion,
        serverVersionNum: leader.serverVersionNum,
        isolation: opts.serializableDeferrable ? 'serializable deferrable' : 'repeatable read',
        jobs,
        stableOrder,
        tables: tableStats,
        sequences: plan.sequences.length,
        largeObjects: plan.largeObjects.length,
        totalBytes,
        ...(digest === 'segments' ? { segments: scriptDigest } : { sha256: scriptDigest }),
        warnings: [...resolved.warnings, ...(plan.warnings ?? [])],
        unsupported: plan.unsupported ?? [],
        startedAt: startedAt.toISOString(),
        finishedAt: new Date().toISOString(),
      };
      return summary;
    } finally {
      if (reader) {
        reader.abort(new Error('the dump was stopped before all table data was read'));
      }
      await Promise.all([...conns.map((c) => c.close()), hasher.close()]);
      if (reader) await reader.settled();
    }
  }
}
