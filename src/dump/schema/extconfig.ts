/**
 * Data of extension configuration tables (pg_dump's processExtensionTables): a table or sequence an extension
 * registered with `pg_extension_config_dump(rel, filter)` is an extension member, so CREATE EXTENSION recreates it
 * with the extension's own rows — but the rows a user added (those the filter selects; all rows without a filter)
 * and a configuration sequence's value belong to the database and are written in the data section: `COPY t (…) FROM
 * stdin;` read with `COPY (SELECT … FROM ONLY t <filter>) TO STDOUT`, and `SELECT pg_catalog.setval(…)`.
 *
 * As pg_dump: only for extensions the dump creates (no --schema/--table filter), unless the table, its schema or its
 * data is excluded; plain tables and sequences only (pg_dump skips views, partitioned and foreign tables); the data
 * of a configuration table waits for the data of the configuration tables it references by foreign key.
 */
import { CLASS, type Ctx } from './context.js';
import type { DumpObject } from './model.js';
import type { Selection } from './select.js';

export interface ConfigRel {
  oid: number;
  ext: number;
  nspname: string;
  nspoid: number;
  relname: string;
  relkind: 'r' | 'S';
  owner: string;
  /** The registered filter (`WHERE …`), null when it is empty (every row). */
  filter: string | null;
  /** Column names in COPY order (no dropped or generated columns). */
  columns: string[];
  qual: string;
  obj: DumpObject | null;
}

/** The configuration tables and sequences whose data this dump writes (read before the locks are taken). */
export async function readExtensionConfig(ctx: Ctx, sel: Selection): Promise<Map<number, ConfigRel>> {
  const out = new Map<number, ConfigRel>();
  if (!sel.includeEverything) return out;
  const rows = await ctx.query<Omit<ConfigRel, 'qual' | 'obj' | 'columns'>>(
    `SELECT c.oid::int8::float8 AS oid, e.oid::int8::float8 AS ext, n.nspname, n.oid::int8::float8 AS nspoid, c.relname,
            c.relkind::text AS relkind, pg_catalog.pg_get_userbyid(c.relowner) AS owner, NULLIF(e.extcondition[cfg.i], '') AS filter
       FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) WITH ORDINALITY cfg(relid, i)
       JOIN pg_catalog.pg_class c ON c.oid = cfg.relid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE e.oid >= 16384 AND c.relkind IN ('r', 'S')
      ORDER BY c.oid`);
  const kept = rows.filter((r) => sel.tableDumped(r.oid, r.nspoid) && sel.dataDumped(r.oid));
  const cols = await ctx.query<{ rel: number; name: string }>(
    `SELECT a.attrelid::int8::float8 AS rel, a.attname AS name
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_attribute a ON a.attrelid = x.oid
      WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attrelid, a.attnum`,
  [kept.filter((r) => r.relkind === 'r').map((r) => r.oid)]);
  for (const r of kept) out.set(r.oid, { ...r, columns: [], qual: ctx.q.qual(r.nspname, r.relname), obj: null });
  for (const c of cols) out.get(c.rel)?.columns.push(c.name);
  return out;
}

/** The data objects (TABLE DATA / SEQUENCE SET) of the configuration relations, after the extensions were read. */
export async function addExtensionConfigData(ctx: Ctx, config: Map<number, ConfigRel>): Promise<void> {
  for (const r of config.values()) {
    const ext = ctx.find(CLASS.pg_extension, r.ext);
    if (!ext) continue;
    r.obj = ctx.add({
      type: r.relkind === 'r' ? 'tableData' : 'sequenceSet', classid: 0, oid: r.oid, schema: r.nspname, name: r.relname, section: 'data', emit: null,
    });
    r.obj.deps.add(ext.id);
  }
  if (config.size === 0) return;
  // pg_dump: "check their FK dependencies and register them to try and dump the data out in an order that they can
  // be restored in" (user tables get their foreign keys after the data; configuration tables have them already).
  const fks = await ctx.query<{ tbl: number; ref: number }>(
    `SELECT c.conrelid::int8::float8 AS tbl, c.confrelid::int8::float8 AS ref
       FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_depend d ON d.objid = c.confrelid
      WHERE c.contype = 'f' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass`);
  for (const fk of fks) {
    const from = config.get(fk.tbl)?.obj;
    const to = config.get(fk.ref)?.obj;
    if (from && to && from !== to) from.deps.add(to.id);
  }
}
