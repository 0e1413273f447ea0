/**
 * Relations: tables (plain, partitioned, partitions, typed, inherited, unlogged, foreign), views,
 * materialized views and sequences, with their columns, defaults, CHECK constraints, partition
 * attachment, data specs and sequence values (pg_dump's getTables/getTableAttrs/dumpTableSchema/
 * dumpSequence/dumpAttrDef/dumpTableAttach). Dumped tables are locked right after pg_class is read.
 */
import { DatabaseError } from '../../errors.js';
import { CLASS, type Ctx } from './context.js';
import type { DumpObject, TocEntry } from './model.js';
import { doBlock, literal, type Quoter } from './quote.js';
import type { Selection } from './select.js';
import { Column, type ColumnRow } from './column.js';
import { RelRecord } from './rel-record.js';

export { Column };
export interface AttrDef { obj: DumpObject; col: Column; separate: boolean }
export interface Check { obj: DumpObject; name: string; def: string; local: boolean; validated: boolean; separate: boolean }
interface CheckRow { oid: number; name: string; def: string; local: boolean; validated: boolean; notnull: boolean }

export interface Rel {
  oid: number; relname: string; nspname: string; nspoid: number; relkind: string; persistence: string; owner: string;
  acl: string[] | null; base: string[]; reloptions: string[]; toastopts: string[] | null; checkoption: string | null;
  ispartition: boolean; partbound: string | null; partkey: string | null; oftype: string | null;
  rowsec: boolean; forcerowsec: boolean; replident: string; amname: string | null; spcname: string | null; populated: boolean;
  /** Access method explicitly set on a partitioned table (17+), inherited by new partitions. */
  partam: string | null;
  reltype: number; srvname: string | null; ftoptions: string | null;
  qual: string; cols: Column[]; checks: Check[]; parents: number[]; obj: DumpObject; dumpData: boolean;
  /** View split by loop repair (dummy view + CREATE OR REPLACE rule). */
  dummyView: boolean; postponed: boolean; ruleOid: number | null; ruleObj: DumpObject | null; viewdef: string | null;
  seq: SeqInfo | null;
  /**
   * Inheritance child whose column order differs from what `CREATE TABLE … INHERITS` would give
   * (a column added to a parent after the child existed): created with all its columns, then
   * attached with ALTER TABLE … INHERIT and its inherited flags restored, as pg_dump --binary-upgrade does.
   */
  printAll: boolean;
  /** Root table to COPY into instead of this leaf (hash partitioning on an enum), or null. */
  loadVia: string | null;
  /** Sequences: the table column owning it (pg_depend 'a', or 'i' for identity), if any. */
  owned?: OwnedBy | undefined;
  /** Populated materialized views: their REFRESH object. */
  refreshObj?: DumpObject | undefined;
}
interface OwnedBy { tbl: number; col: number; deptype: string }
interface SeqInfo { type: string; start: string; inc: string; max: string; min: string; cache: string; cycle: boolean; ownerTab: number | null; ownerCol: number | null; identity: boolean }

export const REL_KINDS = { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE', f: 'FOREIGN TABLE' } as const;

/** appendReloptionsArray: `name=value` with values quoted unless they are plain identifiers. */
export function reloptions(q: Quoter, opts: string[], prefix: string): string {
  return opts.map((o) => {
    const eq = o.indexOf('=');
    const name = eq >= 0 ? o.slice(0, eq) : o;
    const value = eq >= 0 ? o.slice(eq + 1) : '';
    return `${prefix}${q.id(name)}=${q.id(value) === value ? value : literal(value)}`;
  }).join(', ');
}

export interface RelRow extends Omit<Rel, 'qual' | 'cols' | 'checks' | 'parents' | 'obj' | 'dumpData' | 'dummyView' | 'postponed' | 'ruleOid' | 'ruleObj' | 'viewdef' | 'seq' | 'printAll' | 'loadVia' | 'refreshObj'> {}

export async function readRelationList(ctx: Ctx, sel: Selection): Promise<RelRow[]> {
  const rows = await ctx.query<RelRow>(
    `SELECT c.oid::int8::float8 AS oid, c.relname, n.nspname, n.oid::int8::float8 AS nspoid, c.relkind::text AS relkind,
            c.relpersistence::text AS persistence, pg_catalog.pg_get_userbyid(c.relowner) AS owner, c.relacl::text[] AS acl,
            pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)::text[] AS base,
            pg_catalog.array_remove(pg_catalog.array_remove(COALESCE(c.reloptions, '{}'), 'check_option=local'), 'check_option=cascaded') AS reloptions,
            CASE WHEN 'check_option=local' = ANY (c.reloptions) THEN 'LOCAL' WHEN 'check_option=cascaded' = ANY (c.reloptions) THEN 'CASCADED' END AS checkoption,
            tc.reloptions AS toastopts, c.relispartition AS ispartition, pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS partbound,
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
            CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS oftype,
            c.relrowsecurity AS rowsec, c.relforcerowsecurity AS forcerowsec, c.relreplident::text AS replident,
            CASE WHEN c.relkind IN ('r','m') THEN am.amname END AS amname, ts.spcname, c.relispopulated AS populated,
            CASE WHEN c.relkind = 'p' AND c.relam <> 0 THEN am.amname END AS partam,
            c.reltype::int8::float8 AS reltype, fs.srvname,
            (SELECT pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value)
                FROM pg_catalog.pg_options_to_table(ft.ftoptions) o ORDER BY o.option_name), E',\n    ')) AS ftoptions
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
       LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
       LEFT JOIN pg_catalog.pg_tablespace ts ON ts.oid = c.reltablespace
       LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
       LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
      WHERE c.relkind IN ('r','p','v','m','S','f') AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      ORDER BY c.oid`);
  // Owned sequences follow their table (pg_dump's getOwnedSeqs).
  const ownerOf = new Map<number, OwnedBy & { seq: number }>();
  await ctx.pages<OwnedBy & { seq: number }>(
    `SELECT d.objid::int8::float8 AS seq, d.refobjid::int8::float8 AS tbl, d.refobjsubid AS col, d.deptype::text AS deptype
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid AND s.relkind = 'S'
      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass
        AND d.deptype IN ('a','i') AND d.refobjsubid > 0`, [], (rows) => { for (const o of rows) ownerOf.set(o.seq, o); });
  const byOid = new Map(rows.map((r) => [r.oid, r]));
  const keep = (r: RelRow): boolean => {
    if (ctx.isMember(CLASS.pg_class, r.oid)) return false;
    const o = ownerOf.get(r.oid);
    let dump = sel.tableDumped(r.oid, r.nspoid);
    if (o) {
      const t = byOid.get(o.tbl);
      const tDump = t ? sel.tableDumped(t.oid, t.nspoid) && !ctx.isMember(CLASS.pg_class, t.oid) : false;
      if (o.deptype === 'i') return tDump;
      dump = dump || tDump;
    }
    return dump;
  };
  const kept = rows.filter(keep);
  for (const r of kept) {
    const o = ownerOf.get(r.oid);
    r.owned = o;
  }
  return kept;
}

/** LOCK TABLE … IN ACCESS SHARE MODE for plain/partitioned tables, in batches, with lock_timeout. */
export async function lockTables(ctx: Ctx, rels: Pick<RelRow, 'oid' | 'nspname' | 'relname' | 'relkind'>[]): Promise<void> {
  const targets = rels.filter((r) => r.relkind === 'r' || r.relkind === 'p');
  if (targets.length === 0) return;
  const { q } = ctx;
  const timeout = ctx.opts.lockWaitTimeoutMs;
  await ctx.query(`SET LOCAL lock_timeout = ${Math.max(0, Math.floor(timeout))}`);
  let batch: typeof targets = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const sql = `LOCK TABLE ${batch.map((r) => `ONLY ${q.qual(r.nspname, r.relname)}`).join(', ')} IN ACCESS SHARE MODE`;
    await ctx.query('SAVEPOINT pgvault_lock');
    try {
      await ctx.query(sql);
    } catch (e) {
      const code = (e as { code?: string }).code;
      await ctx.query('ROLLBACK TO SAVEPOINT pgvault_lock');
      let names = batch.map((r) => `${r.nspname}.${r.relname}`);
      if (code === '55P03') {
        const blocked = await ctx.query<{ oid: number }>(
          `SELECT DISTINCT l.relation::int8::float8 AS oid FROM pg_catalog.pg_locks l
            WHERE l.relation = ANY($1::oid[]) AND l.granted AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_catalog.pg_backend_pid()`,
          [batch.map((r) => r.oid)]);
        const set = new Set(blocked.map((b) => b.oid));
        const hit = batch.filter((r) => set.has(r.oid)).map((r) => `${r.nspname}.${r.relname}`);
        if (hit.length > 0) names = hit;
        throw new DatabaseError(`could not lock table ${names.slice(0, 5).map((n) => `"${n}"`).join(', ')}${names.length > 5 ? ' …' : ''} within ${timeout} ms (lock wait timeout): another session holds a conflicting lock (e.g. a running ALTER TABLE or VACUUM FULL). Retry later or raise the lock wait timeout.`, { cause: e });
      }
      if (code === '42P01') {
        throw new DatabaseError(`a table to dump was dropped while the dump was starting (${(e as Error).message}; batch: ${names.slice(0, 5).map((n) => `"${n}"`).join(', ')}${names.length > 5 ? ' …' : ''}). Nothing was written; run the dump again.`, { cause: e });
      }
      if (code === '42501') {
        throw new DatabaseError(`permission denied to lock table(s) ${names.slice(0, 5).map((n) => `"${n}"`).join(', ')}: the dump role needs SELECT on every dumped table (or exclude them with --exclude-table).`, { cause: e });
      }
      throw new DatabaseError(`could not lock table(s) ${names.slice(0, 5).map((n) => `"${n}"`).join(', ')}: ${(e as Error).message}`, { cause: e });
    }
    await ctx.query('RELEASE SAVEPOINT pgvault_lock');
    batch = [];
    size = 0;
  };
  for (const r of targets) {
    const len = r.nspname.length + r.relname.length + 12;
    if (size + len > 100_000) await flush();
    batch.push(r);
    size += len;
  }
  await flush();
  await ctx.query('SET LOCAL lock_timeout = 0');
}

/** Relations whose columns one query reads. */
const COLUMN_BATCH = 2000;

export async function readRelations(ctx: Ctx, sel: Selection, rows: RelRow[]): Promise<Map<number, Rel>> {
  const { q } = ctx;
  const oids = rows.map((r) => r.oid);
  const v14 = ctx.version >= 140000;
  const v18 = ctx.version >= 180000;
  // CHECK constraints, and (18+) NOT VALID NOT NULL constraints, which are written like NOT VALID checks.
  const checks = await ctx.query<CheckRow & { rel: number }>(
    `SELECT c.conrelid::int8::float8 AS rel, c.oid::int8::float8 AS oid, c.conname AS name, pg_catalog.pg_get_constraintdef(c.oid) AS def,
            c.conislocal AS local, c.convalidated AS validated, c.contype = 'n' AS notnull
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_constraint c ON c.conrelid = x.oid
      WHERE c.contype = 'c'${v18 ? " OR (c.contype = 'n' AND NOT c.convalidated)" : ''} ORDER BY c.conrelid, c.conname`, [oids]);
  const inh = await ctx.query<{ child: number; parent: number }>(
    `SELECT i.inhrelid::int8::float8 AS child, i.inhparent::int8::float8 AS parent
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_inherits i ON i.inhrelid = x.oid ORDER BY i.inhrelid, i.inhseqno`, [oids]);
  const seqs = await ctx.query<{ oid: number; type: string; start: string; inc: string; max: string; min: string; cache: string; cycle: boolean }>(
    `SELECT s.seqrelid::int8::float8 AS oid, pg_catalog.format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start, s.seqincrement::text AS inc,
            s.seqmax::text AS max, s.seqmin::text AS min, s.seqcache::text AS cache, s.seqcycle AS cycle
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_sequence s ON s.seqrelid = x.oid`, [oids]);
  const viewOids = rows.filter((r) => r.relkind === 'v' || r.relkind === 'm').map((r) => r.oid);
  const views = await ctx.query<{ oid: number; def: string; rule: number }>(
    `SELECT c.oid::int8::float8 AS oid, pg_catalog.pg_get_viewdef(c.oid) AS def, r.oid::int8::float8 AS rule
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_class c ON c.oid = x.oid
       JOIN pg_catalog.pg_rewrite r ON r.ev_class = c.oid AND r.rulename = '_RETURN'`, [viewOids]);

  const rels = new Map<number, Rel>();
  for (const r of rows) rels.set(r.oid, toRel(r, q.qual(r.nspname, r.relname)));
  // Columns of every relation but sequences (whose three fixed columns nothing reads), a batch of relations at a time:
  // the rows of one query are all in memory at once (100 000 of them for 20 000 tables), the columns kept are compact.
  const colOids = rows.filter((r) => r.relkind !== 'S').map((r) => r.oid);
  for (let i = 0; i < colOids.length; i += COLUMN_BATCH) {
    const cols = await ctx.query<ColumnRow & { rel: number }>(
    `SELECT a.attrelid::int8::float8 AS rel, a.attnum, a.attname AS name, a.atttypid::int8::float8 AS typid,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, a.attisdropped AS dropped,
            a.attislocal AS local, a.attidentity::text AS identity, a.attgenerated::text AS generated,
            ${ctx.version >= 170000 ? 'a.attstattarget' : 'CASE WHEN a.attstattarget >= 0 THEN a.attstattarget END'} AS stattarget,
            a.attstorage::text AS storage, t.typstorage::text AS typstorage, ${v14 ? 'a.attcompression::text' : "''"} AS compression,
            cn.nspname AS collnsp, co.collname, pg_catalog.array_to_string(a.attoptions, ', ') AS options, a.attacl::text[] AS acl,
            pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS def, d.oid::int8::float8 AS "defOid", false AS "inhNotNull",
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value)
              FROM pg_catalog.pg_options_to_table(a.attfdwoptions) o ORDER BY o.option_name), E',\n    ') AS fdwoptions,
            ${v18 ? 'nn.conname AS "nnName", nn.oid::int8::float8 AS "nnOid", nn.connoinherit AS "nnNoInherit", nn.conislocal AS "nnLocal", nn.convalidated AS "nnValid"'
    : 'NULL::name AS "nnName", NULL::float8 AS "nnOid", false AS "nnNoInherit", false AS "nnLocal", false AS "nnValid"'}
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_attribute a ON a.attrelid = x.oid
       LEFT JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
       LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       ${v18 ? "LEFT JOIN pg_catalog.pg_constraint nn ON nn.conrelid = a.attrelid AND nn.contype = 'n' AND nn.conkey = ARRAY[a.attnum]" : ''}
      WHERE a.attnum > 0 ORDER BY a.attrelid, a.attnum`, [colOids.slice(i, i + COLUMN_BATCH)]);
    for (const c of cols) {
      const rel = rels.get(c.rel);
      if (rel === undefined) continue;
      if (rel.cols === NO_COLUMNS) rel.cols = [];
      rel.cols.push(new Column(c));
      ctx.columnsHeld++;
    }
  }

  for (const i of inh) {
    const rel = rels.get(i.child);
    if (rel === undefined) continue;
    if (rel.parents === NO_OIDS) rel.parents = [];
    rel.parents.push(i.parent);
  }
  // Exact sizes: an array grown by pushes keeps room for 16 more elements.
  for (const rel of rels.values()) {
    if (rel.cols.length > 0) rel.cols = rel.cols.slice();
    if (rel.parents.length > 0) rel.parents = rel.parents.slice();
  }
  for (const v of views) { const rel = rels.get(v.oid)!; rel.viewdef = v.def.endsWith(';') ? v.def.slice(0, -1) : v.def; rel.ruleOid = v.rule; }
  for (const s of seqs) {
    const rel = rels.get(s.oid)!;
    const o = rel.owned;
    rel.seq = {
      type: s.type, start: s.start, inc: s.inc, max: s.max, min: s.min, cache: s.cache, cycle: s.cycle,
      ownerTab: o ? o.tbl : null, ownerCol: o ? o.col : null, identity: o?.deptype === 'i',
    };
    rel.owned = undefined;
  }
  // Inherited NOT NULL (flagInhAttrs): a column is NOT NULL by inheritance when a parent's same-named column is.
  for (const rel of rels.values()) {
    if (rel.parents.length === 0) continue;
    for (const c of rel.cols) {
      c.inhNotNull = rel.parents.some((p) => {
        const pr = rels.get(p);
        return pr ? pr.cols.some((pc) => pc.name === c.name && !pc.dropped && pc.notnull) : false;
      });
    }
  }

  // Hash partitioning on an enum column: the hash depends on enum OIDs, which a restore changes, so
  // leaves below such a table are loaded through their root (pg_dump 15.3+'s unsafe partitions).
  const unsafe = new Set((await ctx.query<{ oid: number }>(
    `SELECT p.partrelid::int8::float8 AS oid FROM pg_catalog.pg_partitioned_table p
      WHERE p.partstrat = 'h' AND EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
                                           WHERE a.attrelid = p.partrelid AND a.attnum = ANY (p.partattrs::int2[]) AND t.typtype = 'e')`)).map((r) => r.oid));
  if (unsafe.size > 0) {
    for (const rel of rels.values()) {
      if (!rel.ispartition) continue;
      let cur: Rel | undefined = rel;
      let root: Rel | undefined;
      let viaRoot = false;
      while (cur && cur.ispartition && cur.parents.length > 0) {
        const parent: Rel | undefined = rels.get(cur.parents[0]!);
        if (!parent) break;
        if (unsafe.has(parent.oid)) viaRoot = true;
        root = parent;
        cur = parent;
      }
      if (viaRoot && root) rel.loadVia = root.qual;
    }
  }

  // Children whose column order CREATE TABLE … INHERITS cannot reproduce.
  for (const rel of rels.values()) {
    if (rel.parents.length === 0 || rel.ispartition || !rel.parents.every((p) => rels.has(p))) continue;
    const natural: string[] = [];
    for (const p of rel.parents) for (const pc of rels.get(p)!.cols) if (!pc.dropped && !natural.includes(pc.name)) natural.push(pc.name);
    for (const c of rel.cols) if (!c.dropped && c.local && !natural.includes(c.name)) natural.push(c.name);
    const actual = rel.cols.filter((c) => !c.dropped).map((c) => c.name);
    rel.printAll = natural.join('\u0000') !== actual.join('\u0000');
  }

  // Grouped once (a filter per relation was quadratic: 20 000 tables × 20 000 checks).
  const checksOf = new Map<number, CheckRow[]>();
  for (const c of checks) {
    const list = checksOf.get(c.rel);
    if (list) list.push(c);
    else checksOf.set(c.rel, [c]);
  }
  for (const rel of rels.values()) createRelationObjects(ctx, sel, rel, rels, checksOf.get(rel.oid) ?? []);
  return rels;
}

const NO_COLUMNS: Column[] = [];
const NO_CHECKS: Check[] = [];
const NO_STRINGS: string[] = [];
const NO_PARENTS: (Rel | undefined)[] = [];
const NO_OIDS: number[] = [];

/**
 * Called once a table's own entry is rendered: what only that entry reads (columns, CHECK constraints, ACL, options)
 * is let go, so a relation's catalog records do not outlive its CREATE statement (about 1.5 KiB per table). Every
 * renderer that runs later reads what it needs from its own records, resolved when the object was built (index key
 * names, a sequence's owning column, a data spec). Views keep theirs: a dependency loop may split one into a dummy
 * view and a post-data `CREATE OR REPLACE VIEW` that prints its columns and options again.
 */
export function releaseRendered(ctx: Ctx, rel: Rel): void {
  if (rel.relkind === 'v') return;
  ctx.columnsHeld -= rel.cols.length;
  rel.cols = NO_COLUMNS;
  rel.checks = NO_CHECKS;
  rel.acl = null;
  rel.base = NO_STRINGS;
  rel.reloptions = NO_STRINGS;
  rel.toastopts = null;
}

/**
 * One class per kind (RelRecord, Column), built field by field: every relation (and every column) shares one hidden
 * class. Spreading the driver's row objects (`{ ...row }`) gave each its own, with a 0.7 KiB descriptor array: 14 MiB
 * for 2 000 tables.
 */
function toRel(r: RelRow, qual: string): Rel {
  return new RelRecord(r, qual, NO_COLUMNS, NO_CHECKS, NO_OIDS);
}

/**
 * 18+: whether the column's NOT NULL constraint goes into CREATE TABLE: valid, and defined locally (or on a
 * partition, or a child created with all its columns; pg_dump 18's print_notnull). NOT VALID ones are written
 * after the data, like NOT VALID checks.
 */
function notNullConstraint(rel: Rel, c: Column): boolean {
  return c.nnName !== null && c.nnValid && (c.nnLocal || rel.ispartition || rel.printAll);
}

/** ` NOT NULL`, named when the name is not the default `<table>_<column>_not_null` (18+), with NO INHERIT. */
function notNullClause(q: Quoter, rel: Rel, c: Column): string {
  if (c.nnName === null) return ' NOT NULL';
  const named = c.nnName !== `${rel.relname}_${c.name}_not_null` ? ` CONSTRAINT ${q.id(c.nnName)}` : '';
  return `${named} NOT NULL${c.nnNoInherit ? ' NO INHERIT' : ''}`;
}

function shouldPrintColumn(rel: Rel, c: Column): boolean {
  return !c.dropped && (c.local || rel.ispartition || rel.printAll);
}

function coll(q: Quoter, c: Column): string {
  return c.collnsp !== null && c.collname !== null ? ` COLLATE ${q.qual(c.collnsp, c.collname)}` : '';
}

/**
 * The relation's objects. Their renderers capture the records they read (never the map of every relation, which would
 * keep all of them alive until the last renderer ran).
 */
function createRelationObjects(ctx: Ctx, sel: Selection, rel: Rel, rels: Map<number, Rel>, checkRows: CheckRow[]): void {
  if (rel.relkind === 'S') {
    createSequence(ctx, rel, rels.get(rel.seq?.ownerTab ?? -1), sel.dataDumped(rel.oid));
    return;
  }
  const parents = rel.parents.length === 0 ? NO_PARENTS : rel.parents.map((p) => rels.get(p));
  const parent = rel.ispartition && rel.parents.length > 0 ? parents[0] : undefined;
  createTableObjects(ctx, sel, rel, parents, parent, checkRows);
}

function createTableObjects(ctx: Ctx, sel: Selection, rel: Rel, parents: (Rel | undefined)[], parent: Rel | undefined, checkRows: CheckRow[]): void {
  const { q } = ctx;
  const obj = ctx.add({
    type: 'table', classid: CLASS.pg_class, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'pre',
    emit: () => emitRelation(ctx, rel, parents),
  });
  rel.obj = obj;
  ctx.alias(CLASS.pg_type, rel.reltype, obj);
  // Column defaults.
  for (const c of rel.cols) {
    if (c.def === null || c.defOid === null || c.dropped) continue;
    const ad: AttrDef = { obj: undefined as unknown as DumpObject, col: c, separate: false };
    ad.separate = rel.relkind === 'v' || !shouldPrintColumn(rel, c);
    ad.obj = ctx.add({
      type: 'attrdef', classid: CLASS.pg_attrdef, oid: c.defOid, schema: rel.nspname, name: rel.relname, tie: [c.attnum], section: 'pre', inline: true,
      emit: () => {
        if (!ad.separate) return [];
        const foreign = rel.relkind === 'f' ? 'FOREIGN ' : '';
        return [{
          tag: `${rel.relname} ${c.name}`, desc: 'DEFAULT', schema: rel.nspname, owner: ctx.owner(rel.owner),
          create: `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${q.id(c.name)} SET DEFAULT ${c.def};\n`,
          drop: `ALTER ${foreign}TABLE IF EXISTS ${rel.qual} ALTER COLUMN ${q.id(c.name)} DROP DEFAULT;\n`, ownerStmt: null, pass: 1,
        }];
      },
    });
    c.attrdef = ad;
    if (ad.separate) ad.obj.deps.add(obj.id);
    else obj.deps.add(ad.obj.id);
  }
  // CHECK constraints: inline when valid, separate (post-data) when NOT VALID.
  if (checkRows.length > 0) rel.checks = [];
  for (const cr of checkRows) {
    const ch: Check = { obj: undefined as unknown as DumpObject, name: cr.name, def: cr.def, local: cr.local, validated: cr.validated, separate: !cr.validated };
    ch.obj = ctx.add({
      type: 'constraint', classid: CLASS.pg_constraint, oid: cr.oid, schema: rel.nspname, name: cr.name, tie: [rel.relname], section: ch.separate ? 'post' : 'pre',
      inline: true,
      emit: () => {
        if (!ch.separate || !ch.local) return [];
        const foreign = rel.relkind === 'f' ? 'FOREIGN ' : '';
        return [
          {
            tag: `${rel.relname} ${cr.name}`, desc: cr.notnull ? 'CONSTRAINT' : 'CHECK CONSTRAINT', schema: rel.nspname, owner: ctx.owner(rel.owner),
            create: `ALTER ${foreign}TABLE ${rel.qual}\n    ADD CONSTRAINT ${q.id(cr.name)} ${cr.def};\n`,
            drop: `ALTER ${foreign}TABLE IF EXISTS ${rel.qual} DROP CONSTRAINT IF EXISTS ${q.id(cr.name)};\n`, ownerStmt: null, pass: 1,
          },
          ...constraintComment(ctx, rel, cr.oid, cr.name),
        ];
      },
    });
    rel.checks.push(ch);
    if (!ch.separate) obj.deps.add(ch.obj.id);
    else ch.obj.deps.add(obj.id);
  }
  // Partition attach (pre-data, after both tables).
  if (parent) {
    const att = ctx.add({
      type: 'tableAttach', classid: 0, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'pre',
      emit: () => [{
        tag: rel.relname, desc: 'TABLE ATTACH', schema: rel.nspname, owner: ctx.owner(rel.owner),
        create: `ALTER TABLE ONLY ${parent.qual} ATTACH PARTITION ${rel.qual} ${rel.partbound};\n`, drop: null, ownerStmt: null, pass: 1,
      }],
    });
    att.deps.add(obj.id);
  }
  // Table data.
  if (rel.relkind === 'r' && sel.dataDumped(rel.oid)) {
    rel.dumpData = true;
    const data = ctx.add({ type: 'tableData', classid: 0, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'data', emit: null });
    data.deps.add(obj.id);
  }
  // View / matview rule (merged into CREATE VIEW unless a loop forces a split).
  if (rel.ruleOid !== null) {
    const rule = ctx.add({
      type: 'rule', classid: CLASS.pg_rewrite, oid: rel.ruleOid, schema: rel.nspname, name: '_RETURN', tie: [rel.relname], section: 'pre', inline: true,
      emit: () => (rel.dummyView ? emitSplitViewRule(ctx, rel) : []),
    });
    rel.ruleObj = rule;
    obj.deps.add(rule.id);
  }
  // Matview refresh (last pass) when populated.
  if (rel.relkind === 'm' && rel.populated) {
    const refresh = ctx.add({
      type: 'refreshMatview', classid: 0, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'post',
      emit: () => [{ tag: rel.relname, desc: 'MATERIALIZED VIEW DATA', schema: rel.nspname, owner: ctx.owner(rel.owner), create: `REFRESH MATERIALIZED VIEW ${rel.qual};\n`, drop: null, ownerStmt: null, pass: 3 }],
    });
    refresh.deps.add(obj.id);
    rel.refreshObj = refresh;
  }
}

function constraintComment(ctx: Ctx, rel: Rel, oid: number, name: string): TocEntry[] {
  const { q } = ctx;
  return ctx.commentEntry({ classid: CLASS.pg_constraint, oid, kind: 'CONSTRAINT', tagName: `${q.id(name)} ON ${q.id(rel.relname)}`, target: `${q.id(name)} ON ${rel.qual}`, schema: rel.nspname, owner: rel.owner });
}
export { constraintComment };

function dummyViewAs(ctx: Ctx, rel: Rel): string {
  const { q } = ctx;
  const cols = rel.cols.filter((c) => !c.dropped).map((c) => `\n    NULL::${c.type}${coll(q, c)} AS ${q.id(c.name)}`);
  return `SELECT${cols.join(',')}`;
}

function withOptions(ctx: Ctx, rel: Rel): string {
  return rel.reloptions.length > 0 ? ` WITH (${reloptions(ctx.q, rel.reloptions, '')})` : '';
}

function emitSplitViewRule(ctx: Ctx, rel: Rel): TocEntry[] {
  let create = `CREATE OR REPLACE VIEW ${rel.qual}${withOptions(ctx, rel)} AS\n${rel.viewdef}`;
  if (rel.checkoption) create += `\n  WITH ${rel.checkoption} CHECK OPTION`;
  create += ';\n';
  // pg_dump's pseudo-drop is a bare `CREATE OR REPLACE VIEW … AS SELECT NULL::…`, which fails on an
  // empty database (schema/type missing). pgvault runs it only when the view exists.
  const pseudo = `CREATE OR REPLACE VIEW ${rel.qual} AS\n${dummyViewAs(ctx, rel)}`;
  const drop = doBlock(`BEGIN IF pg_catalog.to_regclass(${literal(rel.qual)}) IS NOT NULL THEN EXECUTE ${literal(pseudo)}; END IF; END`);
  return [
    { tag: `${rel.relname} _RETURN`, desc: 'RULE', schema: rel.nspname, owner: ctx.owner(rel.owner), create, drop, ownerStmt: null, pass: 1 },
    ...ctx.commentEntry({ classid: CLASS.pg_rewrite, oid: rel.ruleOid!, kind: 'RULE', tagName: `${ctx.q.id('_RETURN')} ON ${ctx.q.id(rel.relname)}`, target: `${ctx.q.id('_RETURN')} ON ${rel.qual}`, schema: rel.nspname, owner: rel.owner }),
  ];
}

/** The relation's entries; its columns, checks, ACL and options are released afterwards (releaseRendered). */
function emitRelation(ctx: Ctx, rel: Rel, parents: (Rel | undefined)[]): TocEntry[] {
  const out = relationEntries(ctx, rel, parents);
  releaseRendered(ctx, rel);
  return out;
}

function relationEntries(ctx: Ctx, rel: Rel, parents: (Rel | undefined)[]): TocEntry[] {
  const { q } = ctx;
  const desc = REL_KINDS[rel.relkind as keyof typeof REL_KINDS];
  let sql: string;
  let drop: string;
  if (rel.relkind === 'v') {
    drop = `DROP VIEW IF EXISTS ${rel.qual};\n`;
    sql = `CREATE VIEW ${rel.qual}${withOptions(ctx, rel)} AS\n${rel.dummyView ? dummyViewAs(ctx, rel) : rel.viewdef}`;
    if (rel.checkoption && !rel.dummyView) sql += `\n  WITH ${rel.checkoption} CHECK OPTION`;
    sql += ';\n';
  } else {
    drop = `DROP ${desc} IF EXISTS ${rel.qual};\n`;
    sql = `CREATE ${rel.persistence === 'u' ? 'UNLOGGED ' : ''}${desc} ${rel.qual}`;
    if (rel.oftype) sql += ` OF ${rel.oftype}`;
    if (rel.relkind !== 'm') {
      let n = 0;
      for (const c of rel.cols) {
        if (!shouldPrintColumn(rel, c)) continue;
        const printDefault = c.attrdef !== null && !c.attrdef.separate;
        const printNotNull = notNullConstraint(rel, c) || (c.nnName === null && c.notnull && (!c.inhNotNull || rel.ispartition || rel.printAll));
        if (rel.oftype && !printDefault && !printNotNull) continue;
        sql += n === 0 ? ' (' : ',';
        sql += '\n    ';
        n++;
        sql += q.id(c.name);
        if (!rel.oftype) sql += ` ${c.type}`;
        if (printDefault) sql += c.generated === 's' ? ` GENERATED ALWAYS AS (${c.def}) STORED` : c.generated === 'v' ? ` GENERATED ALWAYS AS (${c.def})` : ` DEFAULT ${c.def}`;
        if (printNotNull) sql += notNullClause(q, rel, c);
        sql += coll(q, c);
      }
      for (const ch of rel.checks) {
        if (ch.separate || (!ch.local && !rel.ispartition && !rel.printAll)) continue;
        sql += n === 0 ? ' (\n    ' : ',\n    ';
        sql += `CONSTRAINT ${q.id(ch.name)} ${ch.def}`;
        n++;
      }
      if (n > 0) sql += '\n)';
      else if (!rel.oftype) sql += ' (\n)';
      if (rel.parents.length > 0 && !rel.ispartition && !rel.printAll) sql += `\nINHERITS (${parents.map((p) => p?.qual ?? '').join(', ')})`;
      if (rel.relkind === 'p') sql += `\nPARTITION BY ${rel.partkey}`;
      if (rel.relkind === 'f') sql += `\nSERVER ${q.id(rel.srvname ?? '')}`;
    }
    const toast = rel.toastopts ?? [];
    if (rel.reloptions.length > 0 || toast.length > 0) {
      const parts: string[] = [];
      if (rel.reloptions.length > 0) parts.push(reloptions(q, rel.reloptions, ''));
      if (toast.length > 0) parts.push(reloptions(q, toast, 'toast.'));
      sql += `\nWITH (${parts.join(', ')})`;
    }
    if (rel.relkind === 'f' && rel.ftoptions) sql += `\nOPTIONS (\n    ${rel.ftoptions}\n)`;
    if (rel.relkind === 'm') sql += ` AS\n${rel.viewdef}\n  WITH NO DATA;\n${ctx.dependsOnExtension(CLASS.pg_class, rel.oid, 'MATERIALIZED VIEW', rel.qual)}`;
    else sql += ';\n';
    if (rel.printAll) {
      const inherited = rel.cols.filter((c) => !c.dropped && !c.local).map((c) => literal(c.name));
      if (inherited.length > 0) {
        sql += `\n-- For inherited columns, fix up attislocal (their order cannot be reproduced with INHERITS).\n`;
        sql += `UPDATE pg_catalog.pg_attribute\nSET attislocal = false\nWHERE attname IN (${inherited.join(', ')})\n  AND attrelid = ${literal(rel.qual)}::pg_catalog.regclass;\n`;
      }
      const inhChecks = rel.checks.filter((ch) => !ch.separate && !ch.local).map((ch) => literal(ch.name));
      if (inhChecks.length > 0) {
        sql += `UPDATE pg_catalog.pg_constraint\nSET conislocal = false\nWHERE contype = 'c' AND conname IN (${inhChecks.join(', ')})\n  AND conrelid = ${literal(rel.qual)}::pg_catalog.regclass;\n`;
      }
      const inhNotNulls = rel.cols.filter((c) => !c.dropped && c.nnName !== null && c.nnValid && !c.nnLocal).map((c) => literal(c.nnName!));
      if (inhNotNulls.length > 0) {
        sql += `UPDATE pg_catalog.pg_constraint\nSET conislocal = false\nWHERE contype = 'n' AND conname IN (${inhNotNulls.join(', ')})\n  AND conrelid = ${literal(rel.qual)}::pg_catalog.regclass;\n`;
      }
      for (const p of parents) sql += `ALTER TABLE ONLY ${rel.qual} INHERIT ${p!.qual};\n`;
    }
    const foreign = rel.relkind === 'f' ? 'FOREIGN ' : '';
    for (const c of rel.cols) {
      if (c.dropped) continue;
      const col = q.id(c.name);
      if (c.nnName !== null) {
        // 18+: a NOT NULL defined on the child itself for a column it inherits (pg_dump 18's dumpTableSchema).
        if (!shouldPrintColumn(rel, c) && c.nnValid && c.nnLocal) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ADD CONSTRAINT ${q.id(c.nnName)} NOT NULL ${col};\n`;
      } else if (!shouldPrintColumn(rel, c) && c.notnull && !c.inhNotNull) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${col} SET NOT NULL;\n`;
      if (c.stattarget !== null && c.stattarget >= 0) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${col} SET STATISTICS ${c.stattarget};\n`;
      if (c.storage !== c.typstorage) {
        const st = ({ p: 'PLAIN', e: 'EXTERNAL', x: 'EXTENDED', m: 'MAIN' } as Record<string, string>)[c.storage];
        if (st) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${col} SET STORAGE ${st};\n`;
      }
      const cm = ({ p: 'pglz', l: 'lz4' } as Record<string, string>)[c.compression];
      if (cm) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${col} SET COMPRESSION ${cm};\n`;
      if (c.options) sql += `ALTER ${foreign}TABLE ONLY ${rel.qual} ALTER COLUMN ${col} SET (${c.options});\n`;
      if (rel.relkind === 'f' && c.fdwoptions) sql += `ALTER FOREIGN TABLE ${rel.qual} ALTER COLUMN ${col} OPTIONS (\n    ${c.fdwoptions}\n);\n`;
    }
  }
  if (rel.relkind === 'p' && rel.partam) sql += `ALTER TABLE ONLY ${rel.qual} SET ACCESS METHOD ${q.id(rel.partam)};\n`;
  if ((rel.relkind === 'r' || rel.relkind === 'p' || rel.relkind === 'm') && rel.replident !== 'd') {
    if (rel.replident === 'n') sql += `\nALTER TABLE ONLY ${rel.qual} REPLICA IDENTITY NOTHING;\n`;
    else if (rel.replident === 'f') sql += `\nALTER TABLE ONLY ${rel.qual} REPLICA IDENTITY FULL;\n`;
  }
  if (rel.forcerowsec) sql += `\nALTER TABLE ONLY ${rel.qual} FORCE ROW LEVEL SECURITY;\n`;
  const out: TocEntry[] = [{
    tag: rel.relname, desc, schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql, drop,
    ownerStmt: ctx.ownerStmt(rel.relkind === 'f' ? 'FOREIGN TABLE' : 'TABLE', rel.qual, rel.owner), pass: 1,
    tablespace: rel.relkind === 'r' || rel.relkind === 'p' || rel.relkind === 'm' ? (rel.spcname ?? '') : null, tableam: rel.amname,
  }];
  // Comments: table, then columns.
  const kindWord = rel.relkind === 'v' ? 'VIEW' : rel.relkind === 'm' ? 'MATERIALIZED VIEW' : rel.relkind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
  const named = { classid: CLASS.pg_class, oid: rel.oid, kind: kindWord, tagName: q.id(rel.relname), target: rel.qual, schema: rel.nspname, owner: rel.owner };
  out.push(...ctx.commentEntry({ ...named, labels: false }));
  for (const c of rel.cols) {
    if (c.dropped) continue;
    const text = ctx.comment(CLASS.pg_class, rel.oid, c.attnum);
    if (text === undefined || !ctx.noteComment(CLASS.pg_class, rel.oid, c.attnum)) continue;
    out.push({ tag: `COLUMN ${q.id(rel.relname)}.${q.id(c.name)}`, desc: 'COMMENT', schema: rel.nspname, owner: ctx.owner(rel.owner), create: `COMMENT ON COLUMN ${rel.qual}.${q.id(c.name)} IS ${literal(text)};\n`, drop: null, ownerStmt: null, pass: 1 });
  }
  // Security labels (table and columns) after the comments, before those of inline constraints (dumpTableSchema).
  out.push(...ctx.securityLabelEntry(named, rel.oid));
  for (const ch of rel.checks) if (!ch.separate && ch.local) out.push(...constraintComment(ctx, rel, ch.obj.oid, ch.name));
  for (const c of rel.cols) {
    if (!c.dropped && c.nnName !== null && c.nnOid !== null && c.nnValid && c.nnLocal) out.push(...constraintComment(ctx, rel, c.nnOid, c.nnName));
  }
  // ACLs: table, then column ACLs.
  out.push(...ctx.aclEntry({ type: 'TABLE', name: q.id(rel.relname), nspname: rel.nspname, tag: `TABLE ${q.id(rel.relname)}`, schema: rel.nspname, owner: rel.owner, acl: rel.acl, base: rel.base }));
  for (const c of rel.cols) {
    if (c.dropped || c.acl === null) continue;
    out.push(...ctx.aclEntry({ type: 'TABLE', name: q.id(rel.relname), subname: q.id(c.name), nspname: rel.nspname, tag: `COLUMN ${q.id(rel.relname)}.${q.id(c.name)}`, schema: rel.nspname, owner: rel.owner, acl: c.acl, base: [] }));
  }
  return out;
}

/**
 * A sequence; `owning` is the relation of its owning column, if dumped. The owning column is looked up now: the table
 * may be rendered (and its columns released) before the sequence.
 */
function createSequence(ctx: Ctx, rel: Rel, owning: Rel | undefined, withValue: boolean): void {
  const { q } = ctx;
  const s = rel.seq!;
  const column = owning?.cols.find((c) => c.attnum === s.ownerCol);
  const owningCol = column ? { name: column.name, identity: column.identity } : undefined;
  const obj = ctx.add({
    type: 'table', classid: CLASS.pg_class, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'pre',
    emit: () => {
      const asc = !s.inc.startsWith('-');
      const lim: Record<string, [string, string]> = { smallint: ['32767', '-32768'], integer: ['2147483647', '-2147483648'], bigint: ['9223372036854775807', '-9223372036854775808'] };
      const [tmax, tmin] = lim[s.type] ?? lim.bigint!;
      const dMin = asc ? '1' : tmin;
      const dMax = asc ? tmax : '-1';
      let body = '';
      body += `    START WITH ${s.start}\n    INCREMENT BY ${s.inc}\n`;
      body += s.min === dMin ? '    NO MINVALUE\n' : `    MINVALUE ${s.min}\n`;
      body += s.max === dMax ? '    NO MAXVALUE\n' : `    MAXVALUE ${s.max}\n`;
      body += `    CACHE ${s.cache}${s.cycle ? '\n    CYCLE' : ''}`;
      const out: TocEntry[] = [];
      if (s.identity && owning && owningCol) {
        const how = owningCol.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT';
        const create = `ALTER TABLE ${owning.qual} ALTER COLUMN ${q.id(owningCol.name)} ADD GENERATED ${how} AS IDENTITY (\n    SEQUENCE NAME ${rel.qual}\n${body}\n);\n`;
        out.push({ tag: rel.relname, desc: 'SEQUENCE', schema: rel.nspname, owner: ctx.owner(rel.owner), create, drop: null, ownerStmt: null, pass: 1 });
      } else {
        const create = `CREATE ${rel.persistence === 'u' ? 'UNLOGGED ' : ''}SEQUENCE ${rel.qual}\n${s.type !== 'bigint' ? `    AS ${s.type}\n` : ''}${body};\n`;
        out.push({ tag: rel.relname, desc: 'SEQUENCE', schema: rel.nspname, owner: ctx.owner(rel.owner), create, drop: `DROP SEQUENCE IF EXISTS ${rel.qual};\n`, ownerStmt: ctx.ownerStmt('TABLE', rel.qual, rel.owner), pass: 1 });
        if (owning && owningCol && owning.obj) {
          out.push({ tag: rel.relname, desc: 'SEQUENCE OWNED BY', schema: rel.nspname, owner: ctx.owner(rel.owner), create: `ALTER SEQUENCE ${rel.qual} OWNED BY ${owning.qual}.${q.id(owningCol.name)};\n`, drop: null, ownerStmt: null, pass: 1 });
        }
      }
      out.push(...ctx.commentEntry({ classid: CLASS.pg_class, oid: rel.oid, kind: 'SEQUENCE', tagName: q.id(rel.relname), target: rel.qual, schema: rel.nspname, owner: rel.owner }));
      out.push(...ctx.aclEntry({ type: 'SEQUENCE', name: q.id(rel.relname), nspname: rel.nspname, tag: `SEQUENCE ${q.id(rel.relname)}`, schema: rel.nspname, owner: rel.owner, acl: rel.acl, base: rel.base }));
      return out;
    },
  });
  rel.obj = obj;
  if (!withValue) return;
  const set = ctx.add({ type: 'sequenceSet', classid: 0, oid: rel.oid, schema: rel.nspname, name: rel.relname, section: 'data', emit: null });
  set.deps.add(obj.id);
}
