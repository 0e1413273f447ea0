/**
 * Parallel load, pg_restore -j style, into an empty database that the caller created (and drops again
 * if the load fails: `restore --into <server> --create --jobs N`):
 *
 *   1. pre-data: the prologue (types, tables, functions, ...) over one connection;
 *   2. table data: the table-data parts (byte ranges recorded in the manifest), largest first, over N
 *      connections, each reading its own range of the dump from the repository;
 *   3. sequence values and large objects over one connection;
 *   4. post-data: the epilogue is split at its table-of-contents headers (the `-- Name: …; Type: …`
 *      comments every pgvault and pg_dump script has, so v1 snapshots split the same way); indexes and
 *      non-foreign-key constraints, which depend only on their table, are built over N connections;
 *      then everything else (index attachments, foreign keys, triggers, rules, policies, ACLs, comments,
 *      event triggers, materialized view refreshes) runs in script order over one connection, which is
 *      the dependency order the dump engine wrote.
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
import { settingsOf } from './tables.js';
import { parseToc, type TocEntry } from './toc.js';

export interface ParallelLoadOptions {
  jobs: number;
  logger?: Logger;
}

/** Post-data entries that depend only on their own table (built in parallel). */
const PARALLEL_TYPES = new Set(['INDEX', 'CONSTRAINT']);
const SESSION_TAIL = /(?:^SET default_(?:tablespace|table_access_method) = .*;\n+)+$/m;

async function text(repo: Repository, s: Snapshot, p: PartRecord | undefined): Promise<string> {
  if (!p || p.length === 0) return '';
  const parts: Uint8Array[] = [];
  for await (const b of repo.readStream(s.dump.list, { start: p.offset, end: p.offset + p.length })) parts.push(b);
  return Buffer.concat(parts).toString('utf8');
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

/** Run `tasks` over the connections, each connection taking the next task when it is free; the first error stops the rest. */
async function pool<T>(conns: Connection[], tasks: T[], run: (client: pg.Client, t: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  await Promise.all(conns.map(async (c) => {
    while (failed === undefined && next < tasks.length) {
      const t = tasks[next++]!;
      try {
        await run(c.client, t);
      } catch (e) {
        failed ??= e;
      }
    }
  }));
  if (failed !== undefined) throw failed;
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
      await c.client.query(settings);
    }
    const lead = conns[0]!.client;
    // 1. Pre-data.
    try {
      const sql = stripMetaCommands(prologue);
      if (sql.trim()) await lead.query(sql);
    } catch (e) { throw loadError(e, 'the schema (pre-data) of the script', target); }
    logger.info(`schema loaded; loading ${s.parts.filter((p) => p.kind === 'table-data').length} tables over ${conns.length} connections`);

    // 2. Table data, largest first.
    const tables = s.parts.filter((p) => p.kind === 'table-data').sort((a, b) => b.length - a.length);
    let rows = 0;
    let bytes = 0;
    await pool(conns, tables, async (client, p) => {
      const cursor = new ByteCursor(repo.readStream(s.dump.list, { start: p.offset, end: p.offset + p.length }), `table ${p.name} of snapshot ${s.id.slice(0, 8)}`);
      try {
        // runTableData reads relative to the part's start: a cursor over exactly this range.
        const rel: PartRecord = { ...p, offset: 0 };
        if (p.table) rel.table = { ...p.table, dataOffset: p.table.dataOffset - p.offset };
        await runTableData(client, cursor, rel);
      } catch (e) { throw loadError(e, `the data of ${p.name}`, target); }
      rows += p.table?.rows ?? 0;
      bytes += p.table?.bytes ?? 0;
      logger.debug(`restored ${p.name}: ${p.table?.rows ?? 0} rows`);
    });

    // 3. Sequence values, large objects.
    for (const p of s.parts.filter((x) => x.kind === 'data-sql' || x.kind === 'large-objects')) {
      try {
        if (p.kind === 'large-objects') {
          const cursor = new ByteCursor(repo.readStream(s.dump.list, { start: p.offset, end: p.offset + p.length }), `large objects of snapshot ${s.id.slice(0, 8)}`);
          await lead.query('BEGIN');
          await runLargeObjects(lead, cursor, { ...p, offset: 0 });
          await lead.query('COMMIT');
        } else {
          const sql = stripMetaCommands(await text(repo, s, p));
          if (sql.trim()) await lead.query(sql);
        }
      } catch (e) { throw loadError(e, `the ${p.kind} of the script`, target); }
    }

    // 4. Post-data: indexes and constraints in parallel, then the rest in script order.
    const post = postDataEntries(await text(repo, s, part('epilogue')));
    const parallel = post.entries.filter((e) => PARALLEL_TYPES.has(e.type));
    const serial = post.entries.filter((e) => !PARALLEL_TYPES.has(e.type));
    if (post.preamble.trim()) await lead.query(post.preamble).catch((e: unknown) => { throw loadError(e, 'the post-data settings', target); });
    await pool(conns, parallel.sort((a, b) => b.sql.length - a.sql.length), async (client, e) => {
      try { await client.query(e.sql); } catch (err) { throw loadError(err, `${e.type} ${e.name}`, target); }
    });
    for (const e of serial) {
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
