/**
 * Load a snapshot straight into a database over `pg`, no psql needed: SQL parts run as simple-protocol
 * queries, table data goes through `COPY ... FROM STDIN` (pg-copy-streams) with backpressure, large
 * objects statement by statement. Everything runs in ONE transaction: a failed restore leaves the
 * target exactly as it was.
 */
import { counted } from '../progress/count.js';
import type { OnProgress } from '../progress/types.js';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { connect } from '../db/connect.js';
import { describeConnection, type ConnectionOptions } from '../db/connection.js';
import { DatabaseError, IntegrityError, isPgvaultError, UsageError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import { hasLayers, type PartRecord, type Snapshot } from '../snapshot/manifest.js';
import { ByteCursor } from './cursor.js';
import { copyInSink } from './copy-in.js';
import { inContext } from './locate.js';
import { readScript } from './script.js';
import { scriptText } from './text.js';

export interface RestoreIntoOptions {
  /** Allow a target that already holds objects (the script's DROP ... IF EXISTS pass replaces them). */
  clean?: boolean;
  logger?: Logger;
  /** Progress: dump bytes loaded of the snapshot's size; current table. `operation` defaults to restore (verify passes its own). */
  onProgress?: OnProgress;
  progressOperation?: 'restore' | 'verify';
}

export interface RestoreIntoResult {
  tables: number;
  rows: number;
  bytes: number;
  durationMs: number;
}

const RESTRICT_LINE = /^\\(?:un)?restrict [A-Za-z0-9]+$/gm;

/** SQL of a script part without psql's `\restrict` / `\unrestrict` lines (the only meta-commands pgvault writes). */
export function stripMetaCommands(sql: string): string {
  return sql.replace(RESTRICT_LINE, '');
}

/** Objects a user created in the current database (relations, schemas, functions, types outside the system). */
export async function userObjectCount(client: pg.Client): Promise<number> {
  const r = await client.query<{ n: string }>(`
    SELECT (SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%')
         + (SELECT count(*) FROM pg_catalog.pg_namespace n
             WHERE n.nspname NOT IN ('public', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%')
         + (SELECT count(*) FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
               AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass
                                AND d.objid = p.oid AND d.deptype = 'e')) AS n`);
  return Number(r.rows[0]!.n);
}

function partError(e: unknown, part: PartRecord, target: string): unknown {
  if (isPgvaultError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new DatabaseError(`restoring ${part.kind === 'table-data' ? `the data of ${part.name}` : `the ${part.kind} of the script`} into ${target} failed: ${msg}` +
    '; nothing was changed (the restore runs in one transaction)', { cause: e });
}

async function* lines(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let carry = '';
  const dec = new TextDecoder();
  for await (const b of source) {
    const text = carry + dec.decode(b, { stream: true });
    const parts = text.split('\n');
    carry = parts.pop()!;
    yield* parts;
  }
  carry += dec.decode();
  if (carry) yield carry;
}

/**
 * Load one table-data part through COPY FROM STDIN. `emptyTable`: the table was created by this restore
 * and is empty, and nothing else reads it yet; load it in a transaction of its own that starts with
 * TRUNCATE (as pg_restore -j does), so a server with wal_level = minimal writes no WAL for the rows (the
 * new file is synced at commit), and with COPY ... FREEZE: the rows are stored already frozen, so the
 * index builds that follow (and the first reads, and the first VACUUM) do not set hint bits on every row
 * and write the whole table a second time (a 4-million-row table: 200-440 MB less written and a quarter
 * less CPU for its primary key; docs/benchmarks.md). Neither when the rows go through the partition
 * root (another table than the part's).
 */
export async function runTableData(client: pg.Client, cursor: ByteCursor, part: PartRecord, opts: { emptyTable?: boolean } = {}): Promise<void> {
  const t = part.table;
  if (!t) throw new IntegrityError(`snapshot part ${part.name} has no table record`);
  const header = scriptText(await cursor.takeAll(t.dataOffset - part.offset), `the COPY line of ${part.name}`);
  const copyLine = header.split('\n').find((l) => /^COPY .* FROM stdin;$/.test(l));
  if (!copyLine) throw new IntegrityError(`snapshot part ${part.name} does not start with a COPY ... FROM stdin line`);
  const own = opts.emptyTable === true && copyLine.startsWith(`COPY ${t.qualified} `);
  if (own) await client.query(`BEGIN; TRUNCATE TABLE ONLY ${t.qualified}`);
  const sink = client.query(copyInSink(own ? `${copyLine.slice(0, -1)} WITH (FREEZE)` : copyLine.slice(0, -1), (p) => cursor.giveBack(p)));
  await pipeline(Readable.from(cursor.lend(t.dataLength), { objectMode: false }), sink);
  if (own) await client.query('COMMIT');
  await cursor.skip(part.offset + part.length - t.dataOffset - t.dataLength);
}

export async function runLargeObjects(client: pg.Client, cursor: ByteCursor, part: PartRecord): Promise<void> {
  for await (const line of lines(cursor.take(part.length))) {
    const stmt = line.trim();
    // The outer transaction replaces the block's own BEGIN/COMMIT.
    if (stmt === '' || stmt.startsWith('--') || stmt === 'BEGIN;' || stmt === 'COMMIT;') continue;
    await client.query(stmt);
  }
}

/** Restore `s` into the database at `conn`. */
export async function restoreInto(repo: Repository, s: Snapshot, conn: ConnectionOptions, opts: RestoreIntoOptions = {}): Promise<RestoreIntoResult> {
  const logger = opts.logger ?? silentLogger;
  const started = Date.now();
  const c = await connect(conn, { checkVersion: false });
  const target = describeConnection(conn);
  const client = c.client;
  let rows = 0;
  let bytes = 0;
  let tables = 0;
  try {
    if (!opts.clean) {
      const n = await userObjectCount(client);
      if (n > 0) {
        throw new UsageError(`the target database ${target} is not empty (${n} user objects); restore into an empty database, ` +
          'or pass --clean to drop and replace the objects the snapshot contains');
      }
    }
    const cursor = new ByteCursor(counted(readScript(repo, s), opts.onProgress,
      { operation: opts.progressOperation ?? 'restore', database: s.database, total: s.dump.size }, { parts: s.parts }), `the dump of snapshot ${s.id.slice(0, 8)}`,
      { owned: !hasLayers(s) });
    await client.query('BEGIN');
    for (const part of s.parts) {
      if (cursor.position !== part.offset) throw new IntegrityError(`snapshot ${s.id.slice(0, 8)} parts are not contiguous at ${part.name}`);
      try {
        if (part.kind === 'table-data') {
          await runTableData(client, cursor, part);
          tables++;
          rows += part.table?.rows ?? 0;
          bytes += part.table?.bytes ?? 0;
          logger.info(`restored ${part.name}: ${part.table?.rows ?? 0} rows`);
        } else if (part.kind === 'large-objects') {
          await runLargeObjects(client, cursor, part);
        } else {
          const sql = stripMetaCommands(scriptText(await cursor.takeAll(part.length), `the ${part.kind} of the script`));
          if (sql.trim()) await client.query(sql);
        }
      } catch (e) {
        throw partError(e, part, target);
      }
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw await inContext(repo, s, e);
  } finally {
    await c.close();
  }
  return { tables, rows, bytes, durationMs: Date.now() - started };
}
