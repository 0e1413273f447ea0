/**
 * Which objects are dumped, with pg_dump's rules (selectDumpableNamespace / selectDumpableTable /
 * selectDumpableObject): --table turns off everything but the matched relations (and what hangs
 * off them); --schema keeps only the matched schemas; --exclude-* always win over includes except
 * that --table overrides --exclude-schema. Patterns without a schema part match relations visible
 * in the database's default search_path, as pg_dump does (it RESETs search_path to expand them).
 */
import type { Ctx } from './context.js';
import { parseSchemaPattern, parseTablePattern, type NamePattern } from './filter.js';

export class Selection {
  constructor(
    readonly includeEverything: boolean,
    private readonly nsContains: Map<number, boolean>,
    private readonly tableInclude: Set<number> | null,
    private readonly tableExclude: Set<number>,
    private readonly dataExclude: Set<number>,
  ) {}

  /** The namespace's own definition (CREATE SCHEMA …) is dumped. */
  namespaceDumped(oid: number): boolean {
    if (this.tableInclude) return false;
    return this.nsContains.get(oid) ?? false;
  }

  /** Non-relation objects in this namespace are dumped. */
  contains(nspOid: number): boolean {
    if (this.tableInclude) return false;
    return this.nsContains.get(nspOid) ?? false;
  }

  tableDumped(oid: number, nspOid: number): boolean {
    let dump = this.tableInclude ? this.tableInclude.has(oid) : (this.nsContains.get(nspOid) ?? false);
    if (dump && this.tableExclude.has(oid)) dump = false;
    return dump;
  }

  dataDumped(oid: number): boolean {
    return !this.dataExclude.has(oid);
  }

  get hasTableInclude(): boolean {
    return this.tableInclude !== null;
  }
}

interface NsRow { oid: number; nspname: string }
interface RelRow { oid: number; relname: string; nspname: string; visible: boolean }

async function visibleRelations(ctx: Ctx): Promise<Set<number>> {
  // pg_dump expands unqualified -t patterns with the database's default search_path.
  const saved = await ctx.query<{ p: string }>("SELECT pg_catalog.current_setting('search_path') AS p");
  await ctx.query("SELECT pg_catalog.set_config('search_path', s.reset_val, false) FROM pg_catalog.pg_settings s WHERE s.name = 'search_path'");
  try {
    const rows = await ctx.query<{ oid: number }>(
      "SELECT c.oid::int8::float8 AS oid FROM pg_catalog.pg_class c WHERE c.relkind IN ('r','S','v','m','f','p') AND pg_catalog.pg_table_is_visible(c.oid)");
    return new Set(rows.map((r) => r.oid));
  } finally {
    await ctx.query("SELECT pg_catalog.set_config('search_path', $1, false)", [saved[0]!.p]);
  }
}

function matchTable(p: NamePattern, r: RelRow, visible: Set<number> | null): boolean {
  if (!p.name.test(r.relname)) return false;
  if (p.schema) return p.schema.test(r.nspname);
  return visible !== null && visible.has(r.oid);
}

export async function buildSelection(ctx: Ctx): Promise<Selection> {
  const o = ctx.raw;
  const schemaInc = (o.schemas ?? []).map(parseSchemaPattern);
  const schemaExc = (o.excludeSchemas ?? []).map(parseSchemaPattern);
  const tableInc = (o.tables ?? []).map(parseTablePattern);
  const tableExc = (o.excludeTables ?? []).map(parseTablePattern);
  const dataExc = (o.excludeTableData ?? []).map(parseTablePattern);
  const nss = await ctx.query<NsRow>('SELECT oid::int8::float8 AS oid, nspname FROM pg_catalog.pg_namespace');
  const nsContains = new Map<number, boolean>();
  for (const n of nss) {
    let dump: boolean;
    if (schemaInc.length > 0) dump = schemaInc.some((re) => re.test(n.nspname));
    else dump = !(n.nspname.startsWith('pg_') || n.nspname === 'information_schema');
    if (dump && schemaExc.some((re) => re.test(n.nspname))) dump = false;
    nsContains.set(n.oid, dump);
  }
  const needRels = tableInc.length + tableExc.length + dataExc.length > 0;
  let rels: RelRow[] = [];
  let visible: Set<number> | null = null;
  if (needRels) {
    rels = await ctx.query<RelRow>(
      `SELECT c.oid::int8::float8 AS oid, c.relname, n.nspname, false AS visible
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r','S','v','m','f','p')`);
    if ([...tableInc, ...tableExc, ...dataExc].some((p) => p.schema === null)) visible = await visibleRelations(ctx);
  }
  const match = (ps: NamePattern[]): Set<number> => new Set(rels.filter((r) => ps.some((p) => matchTable(p, r, visible))).map((r) => r.oid));
  const include = tableInc.length > 0 ? match(tableInc) : null;
  const includeEverything = schemaInc.length === 0 && tableInc.length === 0;
  return new Selection(includeEverything, nsContains, include, match(tableExc), match(dataExc));
}
