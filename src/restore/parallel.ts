/**
 * Parallel load, pg_restore -j style, into an empty database that the caller created (and drops again
 * if the load fails: `restore --into <server> --create --jobs N`):
 *
 *   1. pre-data: the prologue (types, tables, functions, ...) over one connection;
 *   2. then N connections take jobs, the heaviest ready one first, never two on one table at once:
 *      - table data: each table-data part (a byte range recorded in the manifest) read from the
 *        repository by the connection that loads it, in a transaction that starts with TRUNCATE (no
 *        WAL for the rows with wal_level = minimal, as pg_restore -j) and loads with COPY FREEZE (no
 *        second write of the table for hint bits: runTableData);
 *      - sequence values and large objects;
 *      - indexes and non-foreign-key constraints, which depend only on their table: each is ready as
 *        soon as its table's data is loaded (so the indexes of the big tables are built while other
 *        tables are still loading), or after all the data when its statement names no single table;
 *      - foreign keys between two plain tables, once both are loaded and the referenced table's keys
 *        are built (planLoad);
 *   3. the rest of post-data (index attachments, keys of partitioned tables, triggers, rules, policies,
 *      ACLs, comments, event triggers, materialized view refreshes) in script order over one connection,
 *      which is the dependency order the dump engine wrote.
 * The post-data part is split at its table-of-contents headers (the `-- Name: …; Type: …` comments every
 * pgvault and pg_dump script has, so v1 snapshots split the same way).
 *
 * There is no single transaction (N connections): the all-or-nothing guarantee comes from loading into
 * a database this restore created and drops on failure.
 */
import type pg from 'pg';
import { connect, type Connection } from '../db/connect.js';
import { describeConnection, type ConnectionOptions } from '../db/connection.js';
import { DatabaseError, IntegrityError, isPgvaultError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import { hasLayers, type PartRecord, type Snapshot } from '../snapshot/manifest.js';
import { ByteCursor } from './cursor.js';
import { runLargeObjects, runTableData, stripMetaCommands, type RestoreIntoResult } from './into-db.js';
import { inContext } from './locate.js';
import { readScript } from './script.js';
import { settingsOf } from './tables.js';
import { parseToc, type TocEntry } from './toc.js';
import { scriptText } from './text.js';

export interface ParallelLoadOptions {
  jobs: number;
  logger?: Logger;
}

/**
 * Settings of the load sessions. synchronous_commit = off: the load commits once per table and once per
 * post-data statement, and none of those commits needs to wait for its WAL flush (on a server with fsync
 * that is a disk flush each). It costs no durability: restoreCreate's last step (the database's owner and
 * properties) commits synchronously, which flushes all WAL written before it, so the restore reports
 * success only once everything is on disk; a server crash before that fails the restore anyway.
 */
const LOAD_SESSION = 'SET synchronous_commit = off;\n';

/** Post-data entries that depend only on their own table (built in parallel). */
const PARALLEL_TYPES = new Set(['INDEX', 'CONSTRAINT']);
const SESSION_TAIL = /(?:^SET default_(?:tablespace|table_access_method) = .*;\n+)+$/m;

async function text(repo: Repository, s: Snapshot, p: PartRecord | undefined): Promise<string> {
  if (!p || p.length === 0) return '';
  const parts: Uint8Array[] = [];
  for await (const b of readScript(repo, s, { start: p.offset, end: p.offset + p.length })) parts.push(b);
  return scriptText(Buffer.concat(parts), `the ${p.kind} of the script`);
}

/**
 * The epilogue as statements to run: `SET default_tablespace` / `default_table_access_method` lines that
 * the script writes before an entry's header end up at the end of the previous entry; move them to the
 * entry they belong to, and give every parallel entry an explicit default tablespace.
 */
export function postDataEntries(epilogue: string): { preamble: string; entries: PostEntry[] } {
  const toc = parseToc(stripMetaCommands(epilogue));
  const out: PostEntry[] = [];
  let carry = '';
  for (const e of toc.entries) {
    const tail = SESSION_TAIL.exec(e.text);
    const body = tail ? e.text.slice(0, tail.index) : e.text;
    let sql = carry + body;
    if (PARALLEL_TYPES.has(e.type) && !/^SET default_tablespace = /m.test(carry)) sql = `SET default_tablespace = '';\n${sql}`;
    out.push({ ...e, sql });
    carry = tail ? tail[0] : '';
  }
  return { preamble: toc.preamble + carry, entries: out };
}

function loadError(e: unknown, what: string, target: string): unknown {
  if (isPgvaultError(e)) return e;
  return new DatabaseError(`restoring ${what} into ${target} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** One unit of work of the parallel load. */
export interface Job {
  label: string;
  /** Larger first, among the jobs that are ready. */
  weight: number;
  /** The tables the job writes or locks (quoted, qualified): two jobs on one table never run at once. */
  tables: readonly string[];
  /** Jobs this one still waits for. */
  waits: number;
  /** Jobs that wait for this one. */
  then: Job[];
  run(client: pg.Client): Promise<void>;
}

/** A job failed: what it was, and why. */
export class JobError extends Error {
  readonly label: string;
  constructor(label: string, cause: unknown) {
    super(`${label}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.label = label;
  }
}

/**
 * Run `jobs` over the connections, pg_restore -j style: each connection takes the heaviest ready job
 * whose table no other connection is working on; a job becomes ready when the jobs it waits for are
 * done (an index when its table's data is loaded). The first error stops the rest.
 */
export async function runJobs(clients: readonly pg.Client[], jobs: readonly Job[], onJob?: (connection: number, job: Job, phase: 'start' | 'end') => void): Promise<void> {
  const ready = jobs.filter((j) => j.waits === 0);
  const busy = new Set<string>();
  let running = 0;
  let failed: { e: unknown } | undefined;
  let waiting: (() => void)[] = [];
  const wakeAll = (): void => { const w = waiting; waiting = []; for (const f of w) f(); };
  const pick = (): Job | undefined => {
    let best = -1;
    for (let i = 0; i < ready.length; i++) {
      const j = ready[i]!;
      if (j.tables.some((t) => busy.has(t))) continue;
      if (best < 0 || j.weight > ready[best]!.weight) best = i;
    }
    return best < 0 ? undefined : ready.splice(best, 1)[0];
  };
  await Promise.all(clients.map(async (client, connection) => {
    for (;;) {
      if (failed) return;
      const j = pick();
      if (!j) {
        if (running === 0) return;
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      running++;
      for (const t of j.tables) busy.add(t);
      try {
        onJob?.(connection, j, 'start');
        await j.run(client);
        onJob?.(connection, j, 'end');
        for (const d of j.then) if (--d.waits === 0) ready.push(d);
      } catch (e) {
        failed ??= { e: new JobError(j.label, e) };
      } finally {
        running--;
        for (const t of j.tables) busy.delete(t);
        wakeAll();
      }
    }
  }));
  if (failed) throw failed.e;
}

/**
 * The table-data part a post-data entry (an index or a constraint) acts on, when its statement names
 * exactly one of them: `CREATE [UNIQUE] INDEX … ON <table> USING`, `ALTER TABLE ONLY <table> ADD
 * CONSTRAINT`. Such an entry can run as soon as that table's data is loaded; anything else waits for
 * all the data.
 */
export function tableOfEntry(e: { type: string; sql: string }, tables: readonly string[]): string | undefined {
  const needle = (t: string): string => (e.type === 'INDEX' ? ` ON ${t} USING ` : `ALTER TABLE ONLY ${t}\n    ADD CONSTRAINT `);
  const hits = tables.filter((t) => e.sql.includes(needle(t)));
  return hits.length === 1 ? hits[0] : undefined;
}

/** A post-data statement of the script (postDataEntries). */
export type PostEntry = TocEntry & { sql: string };

/**
 * The two tables of a foreign key (`ALTER TABLE ONLY <table> ADD CONSTRAINT … FOREIGN KEY (…) REFERENCES
 * <references>(…)`), when both are plain tables with data of their own in the snapshot; otherwise (a
 * partitioned table on either side, a name not found exactly once) undefined: such a key is added in script
 * order after everything else.
 */
export function tablesOfForeignKey(e: { type: string; sql: string }, tables: readonly string[]): { table: string; references: string } | undefined {
  if (e.type !== 'FK CONSTRAINT') return undefined;
  const from = tables.filter((t) => e.sql.includes(`ALTER TABLE ONLY ${t}\n    ADD CONSTRAINT `));
  const to = tables.filter((t) => e.sql.includes(` REFERENCES ${t}(`));
  return from.length === 1 && to.length === 1 ? { table: from[0]!, references: to[0]! } : undefined;
}

/** What the jobs of a plan do; restoreParallel reads the repository and runs statements, tests record. */
export interface LoadRunners {
  /** Load one part of the script: table data, sequence values (data-sql), large objects. */
  part(client: pg.Client, p: PartRecord): Promise<void>;
  /** Run one post-data statement. */
  entry(client: pg.Client, e: PostEntry): Promise<void>;
}

/**
 * The jobs of a parallel load, pg_restore -j style, and the post-data entries left to run afterwards in
 * script order over one connection:
 *   - one job per table-data, data-sql and large-objects part, weighted by its bytes;
 *   - an index or a non-foreign-key constraint (PARALLEL_TYPES) waits for the data of the one table its
 *     statement names (tableOfEntry), or for all the data when it names no single table;
 *   - a foreign key between two plain tables (tablesOfForeignKey) waits for the data of both, for every
 *     index and constraint of the referenced table (the unique key it needs is one of them) and for those
 *     that name no single table; it locks both tables, so it never runs next to another job on either
 *     (ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE locks on both, CREATE INDEX a SHARE lock). Triggers and
 *     rules, which come before foreign keys in script order, do not fire while a key validates its rows;
 *   - everything else (index attachments, keys of partitioned tables, triggers, rules, policies, ACLs,
 *     comments, event triggers, materialized view refreshes) is `serial`, in script order.
 */
export function planLoad(parts: readonly PartRecord[], entries: readonly PostEntry[], run: LoadRunners): { jobs: Job[]; serial: PostEntry[] } {
  const dataJobs = new Map<string, Job>();
  const jobs: Job[] = [];
  for (const p of parts) {
    if (p.kind !== 'table-data' && p.kind !== 'data-sql' && p.kind !== 'large-objects') continue;
    const label = p.kind === 'table-data' ? `the data of ${p.name}` : `the ${p.kind} of the script`;
    const job: Job = { label, weight: p.length, tables: [], waits: 0, then: [], run: (client) => run.part(client, p) };
    if (p.kind === 'table-data' && p.table) {
      job.tables = [p.table.qualified];
      dataJobs.set(p.table.qualified, job);
    }
    jobs.push(job);
  }
  const allData = [...jobs];
  const names = [...dataJobs.keys()];
  const after = (job: Job, before: Iterable<Job>): Job => {
    for (const b of new Set(before)) { b.then.push(job); job.waits++; }
    jobs.push(job);
    return job;
  };
  const byTable = new Map<string, Job[]>();
  const untabled: Job[] = [];
  const parallel = new Set<PostEntry>();
  for (const e of entries) {
    if (!PARALLEL_TYPES.has(e.type)) continue;
    const table = tableOfEntry(e, names);
    const before = table === undefined ? allData : [dataJobs.get(table)!];
    const job = after({
      label: `${e.type} ${e.name}`, weight: before.reduce((n, j) => n + j.weight, 0) + e.sql.length, tables: table === undefined ? [] : [table],
      waits: 0, then: [], run: (client) => run.entry(client, e),
    }, before);
    if (table === undefined) untabled.push(job);
    else byTable.set(table, [...(byTable.get(table) ?? []), job]);
    parallel.add(e);
  }
  for (const e of entries) {
    const fk = tablesOfForeignKey(e, names);
    if (!fk) continue;
    const data = dataJobs.get(fk.table)!;
    after({
      label: `${e.type} ${e.name}`, weight: data.weight + e.sql.length, tables: [...new Set([fk.table, fk.references])],
      waits: 0, then: [], run: (client) => run.entry(client, e),
    }, [data, dataJobs.get(fk.references)!, ...(byTable.get(fk.references) ?? []), ...untabled]);
    parallel.add(e);
  }
  return { jobs, serial: entries.filter((e) => !parallel.has(e)) };
}

export async function restoreParallel(repo: Repository, s: Snapshot, conn: ConnectionOptions, opts: ParallelLoadOptions): Promise<RestoreIntoResult> {
  const logger = opts.logger ?? silentLogger;
  const started = Date.now();
  const target = describeConnection(conn);
  const part = (kind: PartRecord['kind']): PartRecord | undefined => s.parts.find((p) => p.kind === kind);
  const conns: Connection[] = [];
  // The timeline at debug level (-v): what each connection does when (bench/restore-timeline.ts reads it).
  const mark = (connection: number, phase: 'starts' | 'ends', what: string): void => {
    logger.debug(`parallel load: connection ${connection + 1} ${phase} ${what} at ${Date.now() - started} ms`);
  };
  try {
    mark(0, 'starts', 'reading the schema');
    const prologue = await text(repo, s, part('prologue'));
    const settings = settingsOf(parseToc(stripMetaCommands(prologue)).preamble);
    mark(0, 'ends', 'reading the schema');
    mark(0, 'starts', 'connecting');
    for (let i = 0; i < Math.max(1, opts.jobs); i++) {
      const c = await connect(conn, { checkVersion: false });
      conns.push(c);
      await c.client.query(settings + LOAD_SESSION);
      const pid = await c.client.query<{ pid: number }>('SELECT pg_catalog.pg_backend_pid() AS pid');
      logger.debug(`parallel load: connection ${i + 1} is backend ${pid.rows[0]?.pid ?? '?'}`);
    }
    mark(0, 'ends', 'connecting');
    const lead = conns[0]!.client;
    // 1. Pre-data.
    mark(0, 'starts', 'the schema (pre-data)');
    try {
      const sql = stripMetaCommands(prologue);
      if (sql.trim()) await lead.query(sql);
    } catch (e) { throw loadError(e, 'the schema (pre-data) of the script', target); }
    mark(0, 'ends', 'the schema (pre-data)');
    logger.info(`schema loaded; loading ${s.parts.filter((p) => p.kind === 'table-data').length} tables over ${conns.length} connections`);

    // 2.-4. Table data (largest first), sequence values and large objects over the N connections; each
    // table's indexes and constraints as soon as its data is in, the rest of them after all the data.
    const tables = s.parts.filter((p) => p.kind === 'table-data');
    mark(0, 'starts', 'reading post-data');
    const post = postDataEntries(await text(repo, s, part('epilogue')));
    mark(0, 'ends', 'reading post-data');
    // Its settings on every connection: indexes, constraints and foreign keys run on all of them.
    if (post.preamble.trim()) {
      await Promise.all(conns.map((c) => c.client.query(post.preamble))).catch((e: unknown) => { throw loadError(e, 'the post-data settings', target); });
    }
    let rows = 0;
    let bytes = 0;
    const plan = planLoad(s.parts, post.entries, {
      part: async (client, p) => {
        if (p.kind === 'table-data') {
          // Its buffers are this cursor's alone (without layers: ./script.ts), so runTableData frees each once sent.
          const cursor = new ByteCursor(readScript(repo, s, { start: p.offset, end: p.offset + p.length }), `table ${p.name} of snapshot ${s.id.slice(0, 8)}`,
            { owned: !hasLayers(s) });
          // runTableData reads relative to the part's start: a cursor over exactly this range.
          const rel: PartRecord = { ...p, offset: 0 };
          if (p.table) rel.table = { ...p.table, dataOffset: p.table.dataOffset - p.offset };
          await runTableData(client, cursor, rel, { emptyTable: true });
          rows += p.table?.rows ?? 0;
          bytes += p.table?.bytes ?? 0;
          logger.debug(`restored ${p.name}: ${p.table?.rows ?? 0} rows`);
        } else if (p.kind === 'large-objects') {
          const cursor = new ByteCursor(readScript(repo, s, { start: p.offset, end: p.offset + p.length }), `large objects of snapshot ${s.id.slice(0, 8)}`);
          await client.query('BEGIN');
          await runLargeObjects(client, cursor, { ...p, offset: 0 });
          await client.query('COMMIT');
        } else {
          const sql = stripMetaCommands(await text(repo, s, p));
          if (sql.trim()) await client.query(sql);
        }
      },
      entry: async (client, e) => { await client.query(e.sql); },
    });
    const t0 = Date.now();
    await runJobs(conns.map((c) => c.client), plan.jobs, (c, j, phase) => { mark(c, phase === 'start' ? 'starts' : 'ends', j.label); }).catch((e: unknown) => { throw e instanceof JobError ? loadError(e.cause, e.label, target) : e; });
    logger.debug(`data, indexes and constraints: ${Date.now() - t0} ms`);

    // 5. The rest of post-data, in script order.
    mark(0, 'starts', 'the rest of post-data');
    for (const e of plan.serial) {
      try { if (e.sql.trim()) await lead.query(e.sql); } catch (err) { throw loadError(err, `${e.type} ${e.name}`, target); }
    }
    mark(0, 'ends', 'the rest of post-data');
    if (tables.length && !tables.every((p) => p.table)) throw new IntegrityError(`snapshot ${s.id.slice(0, 8)} has table data without table records`);
    return { tables: tables.length, rows, bytes, durationMs: Date.now() - started };
  } catch (e) {
    throw await inContext(repo, s, e);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}
