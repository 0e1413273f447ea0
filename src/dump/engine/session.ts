/**
 * Session pinning and the snapshot transaction. Every connection of a dump (leader and parallel workers) runs the
 * same settings before reading anything, so the bytes of the script never depend on the source's per-database or
 * per-role defaults (ALTER DATABASE ... SET DateStyle = 'SQL, DMY', search_path = 'evil, public', ...).
 * See docs/dump-engine.md for why each one is there.
 */
import type pg from 'pg';
import { useByteStrings } from '../../db/byte-strings.js';

/**
 * Settings applied with SET (session scope) on every dump connection, in this order. Values that PostgreSQL
 * accepts on every supported major (13–18). Version-dependent ones are applied via pg_settings below.
 */
export const PINNED_SETTINGS: readonly (readonly [string, string])[] = [
  ['client_encoding', "'UTF8'"],
  ['standard_conforming_strings', 'on'],
  ['DateStyle', 'ISO'],
  ['IntervalStyle', 'postgres'],
  ['extra_float_digits', '3'],
  ['TimeZone', "'UTC'"],
  ['bytea_output', "'hex'"],
  ['synchronize_seqscans', 'off'],
  ['statement_timeout', '0'],
  ['lock_timeout', '0'],
  ['idle_in_transaction_session_timeout', '0'],
  ['row_security', 'off'],
  ['quote_all_identifiers', 'off'],
  ['xmloption', 'content'],
  // Row order must not depend on the planner: no Gather (which interleaves worker rows) under COPY (SELECT ...),
  // and block-range chunks of big tables must be read with TID range scans, not filtered sequential scans.
  ['max_parallel_workers_per_gather', '0'],
  ['enable_tidscan', 'on'],
];

/** Settings that exist only on some versions: set if pg_settings knows them (transaction_timeout: 17+; CVE-2024-7348 guard: 15.8+/16.4+/17+). */
export const OPTIONAL_SETTINGS: readonly (readonly [string, string])[] = [
  ['transaction_timeout', '0'],
  ['restrict_nonsystem_relation_kind', 'view, foreign-table'],
];

/** One simple-protocol round trip that pins the whole session. search_path first, as libpq/pg_dump do. */
export function sessionSetupSql(): string {
  const lines = ["SELECT pg_catalog.set_config('search_path', '', false);"];
  for (const [k, v] of PINNED_SETTINGS) lines.push(`SET ${k} = ${v};`);
  const opt = OPTIONAL_SETTINGS.map(([k, v]) => `('${k}', '${v}')`).join(', ');
  lines.push(`SELECT pg_catalog.set_config(s.name, o.v, false) FROM pg_catalog.pg_settings s JOIN (VALUES ${opt}) AS o(n, v) ON s.name = o.n;`);
  return lines.join('\n');
}

/** How the script's text is turned into bytes: UTF-8, or one byte per character on a byte-string session. */
export type ScriptEncoding = 'utf8' | 'latin1';

/**
 * Pin the session (sessionSetupSql). In a SQL_ASCII database the session then switches to `client_encoding =
 * SQL_ASCII` and byte strings (src/db/byte-strings.ts), as pg_dump uses the database encoding: such a database may
 * hold bytes that are not UTF-8 (in names, comments, definitions and data), which a UTF8 session refuses ("invalid byte
 * sequence") and the driver would decode lossily. Returns how script text must be encoded.
 */
export async function pinSession(client: pg.Client): Promise<ScriptEncoding> {
  await client.query(sessionSetupSql());
  const r = await client.query<{ e: string }>("SELECT pg_catalog.current_setting('server_encoding') AS e");
  if (r.rows[0]?.e !== 'SQL_ASCII') return 'utf8';
  await client.query("SET client_encoding = 'SQL_ASCII'");
  useByteStrings(client);
  return 'latin1';
}

export interface SnapshotOptions {
  /** SERIALIZABLE READ ONLY DEFERRABLE instead of REPEATABLE READ READ ONLY (waits for a safe snapshot). */
  serializableDeferrable?: boolean;
}

/** Open the dump transaction on the leader. */
export async function beginSnapshot(client: pg.Client, opts: SnapshotOptions = {}): Promise<void> {
  await client.query(opts.serializableDeferrable
    ? 'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE'
    : 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
}

export async function exportSnapshot(client: pg.Client): Promise<string> {
  const r = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
  return r.rows[0]!.id;
}

/**
 * Open a worker transaction on the leader's exported snapshot. Workers always use REPEATABLE READ READ ONLY, as
 * pg_dump's do, also under --serializable-deferrable: the imported snapshot (which the leader obtained as a safe
 * SERIALIZABLE DEFERRABLE snapshot) is what makes their data consistent with the leader's.
 */
export async function importSnapshot(client: pg.Client, snapshotId: string): Promise<void> {
  if (!/^[0-9A-Fa-f-]+$/.test(snapshotId)) throw new Error(`unexpected snapshot id ${JSON.stringify(snapshotId)}`);
  await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '${snapshotId}'`);
}
