/** Indexes, index-backed constraints (PK/UNIQUE/EXCLUDE), foreign keys and partition index attachment (pg_dump's getIndexes/getConstraints/dumpIndex/dumpConstraint/dumpIndexAttach). */
import { CLASS, type Ctx } from './context.js';
import type { DumpObject, TocEntry } from './model.js';
import { constraintComment, reloptions, type Rel } from './relations.js';

interface IndexRow {
  rel: number; oid: number; name: string; indexdef: string; clustered: boolean; contype: string | null; conname: string | null;
  deferrable: boolean | null; deferred: boolean | null; conoid: number | null; condef: string | null; spcname: string | null;
  relopts: string[] | null; replident: boolean; parentidx: number | null; nkey: number; natts: number; keys: number[];
  statcols: number[] | null; statvals: number[] | null; nullsnotdistinct: boolean; valid: boolean;
  /** 18+: a temporal PRIMARY KEY / UNIQUE (the last key column `WITHOUT OVERLAPS`). */
  period: boolean;
}

export async function readIndexes(ctx: Ctx, rels: Map<number, Rel>): Promise<void> {
  const { q } = ctx;
  const tables = [...rels.values()].filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm');
  const oids = tables.map((r) => r.oid);
  const stat = ctx.version >= 170000 ? 'attstattarget IS NOT NULL' : 'attstattarget >= 0';
  const rows = await ctx.query<IndexRow>(
    `SELECT i.indrelid::int8::float8 AS rel, t.oid::int8::float8 AS oid, t.relname AS name, pg_catalog.pg_get_indexdef(i.indexrelid) AS indexdef,
            i.indisclustered AS clustered, c.contype::text AS contype, c.conname, c.condeferrable AS deferrable, c.condeferred AS deferred,
            c.oid::int8::float8 AS conoid, CASE WHEN c.contype = 'x' THEN pg_catalog.pg_get_constraintdef(c.oid, false) END AS condef,
            s.spcname, t.reloptions AS relopts, i.indisreplident AS replident, inh.inhparent::int8::float8 AS parentidx,
            i.indnkeyatts AS nkey, i.indnatts AS natts, i.indkey::int2[] AS keys,
            (SELECT pg_catalog.array_agg(attnum ORDER BY attnum) FROM pg_catalog.pg_attribute WHERE attrelid = i.indexrelid AND ${stat}) AS statcols,
            (SELECT pg_catalog.array_agg(attstattarget ORDER BY attnum) FROM pg_catalog.pg_attribute WHERE attrelid = i.indexrelid AND ${stat}) AS statvals,
            ${ctx.version >= 150000 ? 'i.indnullsnotdistinct' : 'false'} AS nullsnotdistinct, i.indisvalid AS valid,
            ${ctx.version >= 180000 ? 'coalesce(c.conperiod, false)' : 'false'} AS period
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_index i ON i.indrelid = x.oid
       JOIN pg_catalog.pg_class t ON t.oid = i.indexrelid JOIN pg_catalog.pg_class t2 ON t2.oid = i.indrelid
       LEFT JOIN pg_catalog.pg_constraint c ON i.indrelid = c.conrelid AND i.indexrelid = c.conindid AND c.contype IN ('p','u','x')
       LEFT JOIN pg_catalog.pg_inherits inh ON inh.inhrelid = i.indexrelid
       LEFT JOIN pg_catalog.pg_tablespace s ON s.oid = t.reltablespace
      WHERE (i.indisvalid OR t2.relkind = 'p') AND i.indislive
      ORDER BY i.indrelid, t.relname`, [oids]);
  const byIndex = new Map<number, DumpObject>();
  const parentOf = new Map<number, number>();
  // By index OID, first row wins as with a search from the start (a search per partition index was quadratic).
  const rowOf = new Map<number, IndexRow>();
  for (const r of rows) if (!rowOf.has(r.oid)) rowOf.set(r.oid, r);
  // EXCLUDE constraints on partitioned tables (17+): an exclusion index cannot be attached with
  // ALTER INDEX … ATTACH PARTITION, so the parent's constraint is added without ONLY after the
  // partitions are attached (the server creates the partitions' constraints), and the partitions'
  // inherited exclusion constraints are not written.
  const exclParents = new Set(rows.filter((r) => r.contype === 'x' && rels.get(r.rel)?.relkind === 'p').map((r) => r.oid));
  const inheritedExclusion = (r: IndexRow): boolean => {
    for (let p = r.parentidx; p !== null;) {
      if (exclParents.has(p)) return true;
      const pr = rowOf.get(p);
      p = pr ? pr.parentidx : null;
    }
    return false;
  };
  for (const r of rows) {
    const rel = rels.get(r.rel)!;
    if (r.contype === 'x' && inheritedExclusion(r)) continue;
    byIndex.set(r.oid, r.contype !== null && r.conoid !== null && r.conname !== null ? constraintObject(ctx, rel, r, r.conoid, r.conname) : indexObject(ctx, rel, r));
    if (r.parentidx !== null) parentOf.set(r.oid, r.parentidx);
  }
  // ALTER INDEX parent ATTACH PARTITION child, when both are dumped.
  for (const [child, parent] of parentOf) {
    const c = byIndex.get(child);
    const p = byIndex.get(parent);
    const row = rowOf.get(child)!;
    const prow = rowOf.get(parent);
    if (!c || !p || !prow) continue;
    const rel = rels.get(row.rel)!;
    const prel = rels.get(prow.rel)!;
    const att = indexAttachObject(ctx, rel, row.name, prel, prow.name, child);
    att.deps.add(c.id);
    att.deps.add(p.id);
  }
  // Foreign keys (inherited copies on partitions are skipped: conparentid <> 0).
  const fks = await ctx.query<{ rel: number; oid: number; name: string; def: string }>(
    `SELECT c.conrelid::int8::float8 AS rel, c.oid::int8::float8 AS oid, c.conname AS name, pg_catalog.pg_get_constraintdef(c.oid) AS def
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_constraint c ON c.conrelid = x.oid
      WHERE c.contype = 'f' AND c.conparentid = 0 ORDER BY c.conrelid, c.conname`, [[...rels.values()].filter((r) => r.relkind === 'r' || r.relkind === 'p').map((r) => r.oid)]);
  for (const f of fks) fkObject(ctx, rels.get(f.rel)!, f);
}

/** The columns named by index keys (`attnum`s; 0, an expression, names nothing). */
function keyNames(rel: Rel, keys: number[]): string[] {
  return keys.map((k) => rel.cols.find((c) => c.attnum === k)?.name ?? '');
}

/**
 * The renderers below are built in functions of their own: each captures its row and relation only. Closures made in
 * readIndexes' loop shared its context, which holds every index row and the map of every relation until the last of
 * them was rendered.
 */
function constraintObject(ctx: Ctx, rel: Rel, r: IndexRow, conoid: number, conname: string): DumpObject {
  const { q } = ctx;
  const attachedToParent = r.parentidx !== null;
  const partitionedExcl = r.contype === 'x' && rel.relkind === 'p';
  const only = partitionedExcl ? '' : 'ONLY ';
  // Only the fields the renderer reads are captured (not the whole row, nor the index definition it does not print).
  const { name, condef, contype, nullsnotdistinct, period, relopts, deferrable, deferred, clustered, replident, spcname } = r;
  // Resolved now: the table's columns are released once its CREATE TABLE is rendered, before its constraints.
  const keys = condef === null ? keyNames(rel, r.keys.slice(0, r.nkey)) : NO_NAMES;
  const include = condef === null && r.nkey < r.natts ? keyNames(rel, r.keys.slice(r.nkey, r.natts)) : null;
  const emit = (): TocEntry[] => {
    let sql = `ALTER TABLE ${only}${rel.qual}\n    ADD CONSTRAINT ${q.id(conname)} `;
    if (condef !== null) sql += `${condef};\n`;
    else {
      sql += contype === 'p' ? 'PRIMARY KEY' : 'UNIQUE';
      if (nullsnotdistinct) sql += ' NULLS NOT DISTINCT';
      sql += ` (${keys.map((k) => q.id(k)).join(', ')}${period ? ' WITHOUT OVERLAPS' : ''}`;
      if (include !== null) sql += `) INCLUDE (${include.map((k) => q.id(k)).join(', ')}`;
      sql += ')';
      if (relopts && relopts.length > 0) sql += ` WITH (${reloptions(q, relopts, '')})`;
      if (deferrable) sql += ` DEFERRABLE${deferred ? ' INITIALLY DEFERRED' : ''}`;
      sql += ';\n';
    }
    if (clustered) sql += `\nALTER TABLE ${rel.qual} CLUSTER ON ${q.id(name)};\n`;
    if (replident) sql += `\nALTER TABLE ONLY ${rel.qual} REPLICA IDENTITY USING INDEX ${q.id(name)};\n`;
    return [
      {
        tag: `${rel.relname} ${conname}`, desc: 'CONSTRAINT', schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql,
        // pgvault: a partition's constraint attached to its parent's has no drop statement (pg_dump's fails
        // with "cannot drop inherited constraint" on a second restore); dropping the table removes it.
        drop: attachedToParent ? null : `ALTER TABLE IF EXISTS ${only}${rel.qual} DROP CONSTRAINT IF EXISTS ${q.id(conname)};\n`,
        ownerStmt: null, pass: 1, tablespace: spcname ?? '',
      },
      ...constraintComment(ctx, rel, conoid, conname),
    ];
  };
  const obj = ctx.add({ type: 'constraint', classid: CLASS.pg_constraint, oid: conoid, schema: rel.nspname, name: conname, tie: [rel.relname], section: 'post', emit });
  ctx.alias(CLASS.pg_class, r.oid, obj);
  obj.deps.add(rel.obj.id);
  // The constraint's index keeps its own place (INDEX priority) for its comment, as in pg_dump.
  if (ctx.comment(CLASS.pg_class, r.oid) !== undefined) {
    const oid = r.oid;
    const idx = ctx.add({
      type: 'index', classid: 0, oid, schema: rel.nspname, name, section: 'post',
      emit: () => ctx.commentEntry({ classid: CLASS.pg_class, oid, kind: 'INDEX', tagName: q.id(name), target: q.qual(rel.nspname, name), schema: rel.nspname, owner: rel.owner }),
    });
    idx.deps.add(obj.id);
  }
  return obj;
}

function indexObject(ctx: Ctx, rel: Rel, r: IndexRow): DumpObject {
  const { q } = ctx;
  const { oid, name, indexdef, clustered, statcols, statvals, replident, parentidx, spcname } = r;
  const emit = (): TocEntry[] => {
    const qi = q.qual(rel.nspname, name);
    let sql = `${indexdef};\n`;
    if (clustered) sql += `\nALTER TABLE ${rel.qual} CLUSTER ON ${q.id(name)};\n`;
    (statcols ?? []).forEach((col, i) => { sql += `ALTER INDEX ${qi} ALTER COLUMN ${col} SET STATISTICS ${statvals![i]};\n`; });
    sql += ctx.dependsOnExtension(CLASS.pg_class, oid, 'INDEX', qi);
    if (replident) sql += `\nALTER TABLE ONLY ${rel.qual} REPLICA IDENTITY USING INDEX ${q.id(name)};\n`;
    return [
      { tag: name, desc: 'INDEX', schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql, drop: parentidx !== null ? null : `DROP INDEX IF EXISTS ${qi};\n`, ownerStmt: null, pass: 1, tablespace: spcname ?? '' },
      ...ctx.commentEntry({ classid: CLASS.pg_class, oid, kind: 'INDEX', tagName: q.id(name), target: qi, schema: rel.nspname, owner: rel.owner }),
    ];
  };
  const obj = ctx.add({ type: 'index', classid: CLASS.pg_class, oid, schema: rel.nspname, name, section: 'post', emit });
  obj.deps.add(rel.obj.id);
  return obj;
}

function indexAttachObject(ctx: Ctx, rel: Rel, name: string, prel: Rel, pname: string, child: number): DumpObject {
  const { q } = ctx;
  return ctx.add({
    type: 'indexAttach', classid: 0, oid: child, schema: rel.nspname, name, section: 'post',
    emit: () => [{
      tag: name, desc: 'INDEX ATTACH', schema: rel.nspname, owner: ctx.owner(prel.owner),
      create: `ALTER INDEX ${q.qual(prel.nspname, pname)} ATTACH PARTITION ${q.qual(rel.nspname, name)};\n`, drop: null, ownerStmt: null, pass: 1,
    }],
  });
}

function fkObject(ctx: Ctx, rel: Rel, f: { oid: number; name: string; def: string }): void {
  const { q } = ctx;
  const only = rel.relkind === 'p' ? '' : 'ONLY ';
  const obj = ctx.add({
    type: 'fkConstraint', classid: CLASS.pg_constraint, oid: f.oid, schema: rel.nspname, name: f.name, tie: [rel.relname], section: 'post',
    emit: () => [
      {
        tag: `${rel.relname} ${f.name}`, desc: 'FK CONSTRAINT', schema: rel.nspname, owner: ctx.owner(rel.owner),
        create: `ALTER TABLE ${only}${rel.qual}\n    ADD CONSTRAINT ${q.id(f.name)} ${f.def};\n`,
        drop: `ALTER TABLE IF EXISTS ${only}${rel.qual} DROP CONSTRAINT IF EXISTS ${q.id(f.name)};\n`, ownerStmt: null, pass: 1,
      },
      ...constraintComment(ctx, rel, f.oid, f.name),
    ],
  });
  obj.deps.add(rel.obj.id);
}

const NO_NAMES: string[] = [];
