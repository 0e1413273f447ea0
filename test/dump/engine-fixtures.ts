/**
 * Test fixtures for the dump engine: a minimal schema reader (tables, sequences, large objects of a database, with
 * locks) standing in for src/dump/schema so the engine's data path is tested on its own, plus helpers to run a
 * dump into a Buffer and to hash a table the way a verifier would.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Dump, DumpSummary, SchemaReader } from '../../src/dump/index.js';
import type { SchemaOptions, SchemaPlan, ScriptText, TableDataSpec } from '../../src/dump/plan.js';
import { sessionSetupSql } from '../../src/dump/index.js';

export const HEADER = [
  'SET statement_timeout = 0;', 'SET lock_timeout = 0;', 'SET idle_in_transaction_session_timeout = 0;',
  "SET client_encoding = 'UTF8';", 'SET standard_conforming_strings = on;',
  "SELECT pg_catalog.set_config('search_path', '', false);", 'SET check_function_bodies = false;',
  'SET xmloption = content;', 'SET client_min_messages = warning;', 'SET row_security = off;', '', '',
].join('\n');

/** Reads user tables (schema public and others, not pg_*), sorted by schema then name, locking each. */
export function handPlanner(extra: { prologue?: ScriptText; epilogue?: ScriptText; noLock?: string[] } = {}): SchemaReader {
  return async (client: pg.Client, opts: SchemaOptions): Promise<SchemaPlan> => {
    const v = await client.query<{ num: string; ver: string }>("SELECT current_setting('server_version_num') num, current_setting('server_version') ver");
    const rels = await client.query<{ oid: number; nspname: string; relname: string; q: string; relkind: string; owner: string; bytes: string }>(`
      SELECT c.oid::int AS oid, n.nspname, c.relname, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS q, c.relkind::text AS relkind,
             pg_get_userbyid(c.relowner) AS owner, pg_relation_size(c.oid)::text AS bytes
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'S') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
       ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C"`);
    const excluded = new Set(opts.excludeTables ?? []);
    const tables: TableDataSpec[] = [];
    for (const r of rels.rows.filter((r) => r.relkind === 'r' && !excluded.has(r.q))) {
      if (!extra.noLock?.includes(r.q)) await client.query(`LOCK TABLE ${r.q} IN ACCESS SHARE MODE`);
      const cols = await client.query<{ c: string }>(`SELECT quote_ident(attname) AS c FROM pg_attribute WHERE attrelid = $1 AND attnum > 0
        AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`, [r.oid]);
      const pk = await client.query<{ c: string }>(`SELECT quote_ident(a.attname) AS c FROM pg_index i
        JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
        WHERE i.indrelid = $1 AND i.indisprimary ORDER BY k.ord`, [r.oid]);
      const columns = cols.rows.map((x) => x.c);
      tables.push({
        oid: r.oid, schema: r.nspname, name: r.relname, qualified: r.q, columns,
        copyFromLine: copyFromLine(r.q, columns),
        orderKey: pk.rows.length ? pk.rows.map((x) => x.c) : null,
        estimatedBytes: Number(r.bytes),
        owner: r.owner,
      });
    }
    const seqs = rels.rows.filter((r) => r.relkind === 'S').map((r) => ({ oid: r.oid, qualified: r.q, schema: r.nspname, name: r.relname, owner: r.owner }));
    const los = await client.query<{ oid: number }>('SELECT oid::int AS oid FROM pg_largeobject_metadata ORDER BY oid');
    return {
      serverVersionNum: Number(v.rows[0]!.num), serverVersion: v.rows[0]!.ver,
      prologue: extra.prologue ?? HEADER, tables, sequences: seqs, largeObjects: los.rows.map((r) => r.oid),
      largeObjectsHeader: '--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\n',
      epilogue: extra.epilogue ?? '',
      warnings: [],
    };
  };
}

/** pg_dump writes `COPY t (a) FROM stdin;` and, for zero columns, `COPY t  FROM stdin;` (two spaces). */
export function copyFromLine(q: string, columns: string[]): string {
  return columns.length ? `COPY ${q} (${columns.join(', ')}) FROM stdin;\n` : `COPY ${q}  FROM stdin;\n`;
}

export interface Collected {
  script: Buffer;
  summary: DumpSummary;
  parts: { kind: string; name: string; bytes: number }[];
}

export async function collect(dump: Dump): Promise<Collected> {
  const bufs: Buffer[] = [];
  const parts: Collected['parts'] = [];
  for await (const p of dump) {
    let bytes = 0;
    for await (const c of p.stream) { bufs.push(Buffer.from(c)); bytes += c.length; }
    parts.push({ kind: p.kind, name: p.name, bytes });
  }
  return { script: Buffer.concat(bufs), summary: dump.summary(), parts };
}

/** What a verifier does: a pinned session, COPY the table (optionally ordered), sha256 + newline count. */
export async function verifierHash(client: pg.Client, sql: string): Promise<{ rows: number; bytes: number; sha256: string }> {
  await client.query(sessionSetupSql());
  const h = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  for await (const c of client.query(copyTo(sql))) {
    const b = c as Buffer;
    h.update(b);
    bytes += b.length;
    for (const x of b) if (x === 10) rows++;
  }
  return { rows, bytes, sha256: h.digest('hex') };
}

/** The COPY blocks (`COPY ... FROM stdin;` up to and including `\.`) of a script, keyed by their COPY line. */
export function copyBlocks(script: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^(COPY [^\n]* FROM stdin;)\n([\s\S]*?)^\\\.$/gm;
  for (const m of script.matchAll(re)) out.set(m[1]!, m[2]!);
  return out;
}
