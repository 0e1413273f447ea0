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
 *   3. the rest of post-data (index attachments, foreign keys, triggers, rules, policies, ACLs,
 *      comments, event triggers, materialized view refreshes) in script order over one connection,
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
import type { PartRecord, Snapshot } from '../snapshot/manifest.js';
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
export function postDataEntries(epilogue: string): { preamble: string; entries: (TocEntry & { sql: string })[] } {
  const toc = parseToc(stripMetaCommands(epilogue));
  const out: (TocEntry & { sql: string })[] = [];
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
interface Job {
  label: string;
  /** Larger first, among the jobs that are ready. */
  weight: number;
  /** The table the job writes or locks (quoted, qualified): two jobs on one table never run at once. */
  table?: string;
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
export async function runJobs(clients: readonly pg.Client[], jobs: readonly Job[]): Promise<void> {
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
      if (j.table !== undefined && busy.has(j.table)) continue;
      if (best < 0 || j.weight > ready[best]!.weight) best = i;
    }
    return best < 0 ? undefined : ready.splice(best, 1)[0];
  };
  await Promise.all(clients.map(async (client) => {
    for (;;) {
      if (failed) return;
      const j = pick();
      if (!j) {
        if (running === 0) return;
        await new Promise<void>((r) => waiting.push(r));
        continue;
      }
      running++;
      if (j.table !== undefined) busy.add(j.table);
      try {
        await j.run(client);
        for (const d of j.then) if (--d.waits === 0) ready.push(d);
      } catch (e) {
        failed ??= { e: new JobError(j.label, e) };
      } finally {
        running--;
        if (j.table !== undefined) busy.delete(j.table);
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

export async function restoreParallel(repo: Repository, s: Snapshot, conn: ConnectionOptions, opts: ParallelLoadOptions): Promise<RestoreIntoResult> {
  const logger = opts.logger ?? silentLogger;
  const started = Date.now();
  const target = describeConnection(conn);
  const part = (kind: PartRecord['kind']): PartRecord | undefined => s.parts.find((p) => p.kind === kind);
  const conns: Connection[] = [];
  try {
    const prologue = await text(repo, s, part('prologue'));
    const settings = settingsOf(parseToc(stripMetaCommands(prologue)).preamble);
    for (let i = 0; i < Math.max(1, opts.jobs); i++) {
      const c = await connect(conn, { checkVersion: false });
      conns.push(c);
      await c.client.query(settings + LOAD_SESSION);
    }
    const lead = conns[0]!.client;
    // 1. Pre-data.
    try {
      const sql = stripMetaCommands(prologue);
      if (sql.trim()) await lead.query(sql);
    } catch (e) { throw loadError(e, 'the schema (pre-data) of the script', target); }
    logger.info(`schema loaded; loading ${s.parts.filter((p) => p.kind === 'table-data').length} tables over ${conns.length} connections`);

    // 2.-4. Table data (largest first), sequence values and large objects over the N connections; each
    // table's indexes and constraints as soon as its data is in, the rest of them after all the data.
    const tables = s.parts.filter((p) => p.kind === 'table-data');
    const post = postDataEntries(await text(repo, s, part('epilogue')));
    if (post.preamble.trim()) await lead.query(post.preamble).catch((e: unknown) => { throw loadError(e, 'the post-data settings', target); });
    let rows = 0;
    let bytes = 0;
    const dataJobs = new Map<string, Job>();
    const jobs: Job[] = [];
    for (const p of tables) {
      const job: Job = {
        label: `the data of ${p.name}`, weight: p.length, waits: 0, then: [],
        run: async (client) => {
          const cursor = new ByteCursor(readScript(repo, s, { start: p.offset, end: p.offset + p.length }), `table ${p.name} of snapshot ${s.id.slice(0, 8)}`);
          // runTableData reads relative to the part's start: a cursor over exactly this range.
          const rel: PartRecord = { ...p, offset: 0 };
          if (p.table) rel.table = { ...p.table, dataOffset: p.table.dataOffset - p.offset };
          await runTableData(client, cursor, rel, { emptyTable: true });
          rows += p.table?.rows ?? 0;
          bytes += p.table?.bytes ?? 0;
          logger.debug(`restored ${p.name}: ${p.table?.rows ?? 0} rows`);
        },
      };
      if (p.table) {
        job.table = p.table.qualified;
        dataJobs.set(p.table.qualified, job);
      }
      jobs.push(job);
    }
    for (const p of s.parts.filter((x) => x.kind === 'data-sql' || x.kind === 'large-objects')) {
      jobs.push({
        label: `the ${p.kind} of the script`, weight: p.length, waits: 0, then: [],
        run: async (client) => {
          if (p.kind === 'large-objects') {
            const cursor = new ByteCursor(readScript(repo, s, { start: p.offset, end: p.offset + p.length }), `large objects of snapshot ${s.id.slice(0, 8)}`);
            await client.query('BEGIN');
            await runLargeObjects(client, cursor, { ...p, offset: 0 });
            await client.query('COMMIT');
          } else {
            const sql = stripMetaCommands(await text(repo, s, p));
            if (sql.trim()) await client.query(sql);
          }
        },
      });
    }
    const allData = [...jobs];
    const names = [...dataJobs.keys()];
    for (const e of post.entries.filter((x) => PARALLEL_TYPES.has(x.type))) {
      const table = tableOfEntry(e, names);
      const after = table === undefined ? allData : [dataJobs.get(table)!];
      const job: Job = {
        label: `${e.type} ${e.name}`, weight: after.reduce((n, j) => n + j.weight, 0) + e.sql.length, waits: after.length, then: [],
        run: async (client) => { await client.query(e.sql); },
      };
      if (table !== undefined) job.table = table;
      for (const a of after) a.then.push(job);
      jobs.push(job);
    }
    const t0 = Date.now();
    await runJobs(conns.map((c) => c.client), jobs).catch((e: unknown) => { throw e instanceof JobError ? loadError(e.cause, e.label, target) : e; });
    logger.debug(`data, indexes and constraints: ${Date.now() - t0} ms`);

    // 5. The rest of post-data, in script order.
    for (const e of post.entries.filter((x) => !PARALLEL_TYPES.has(x.type))) {
      try { if (e.sql.trim()) await lead.query(e.sql); } catch (err) { throw loadError(err, `${e.type} ${e.name}`, target); }
    }
    if (tables.length && !tables.every((p) => p.table)) throw new IntegrityError(`snapshot ${s.id.slice(0, 8)} has table data without table records`);
    return { tables: tables.length, rows, bytes, durationMs: Date.now() - started };
  } catch (e) {
    throw await inContext(repo, s, e);
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}
