/**
 * Dependency edges (pg_depend plus pg_dump's own), section boundaries, and the loop repairs of
 * pg_dump_sort.c's repairDependencyLoop: split views (dummy view + CREATE OR REPLACE rule),
 * postponed matviews/functions, separated column defaults and CHECK constraints.
 */
import { CLASS, type Ctx } from './context.js';
import type { DumpObject } from './model.js';
import type { AttrDef, Check, Rel } from './relations.js';
import { shellTypes, type DomainCheck } from './types.js';

export interface Graph {
  pre: DumpObject;
  post: DumpObject;
  rels: Map<number, Rel>;
  relByObj: Map<number, Rel>;
  attrdefByObj: Map<number, { ad: AttrDef; rel: Rel }>;
  checkByObj: Map<number, { ch: Check; rel: Rel }>;
  domCheckByObj: Map<number, DomainCheck>;
}

export async function addDependencies(ctx: Ctx, g: Graph): Promise<void> {
  // Extension members resolve to their extension (pg_dump's getExtensionMembership).
  await ctx.pages<{ classid: number; objid: number; ext: number }>(
    "SELECT classid::int8::float8 AS classid, objid::int8::float8 AS objid, refobjid::int8::float8 AS ext FROM pg_catalog.pg_depend WHERE deptype = 'e' AND refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass", [],
    (members) => {
      for (const m of members) {
        const ext = ctx.find(CLASS.pg_extension, m.ext);
        if (ext && !ctx.find(m.classid, m.objid)) ctx.alias(m.classid, m.objid, ext);
      }
    });
  const inlineParent = new Map<number, number>();
  for (const [id, { rel }] of g.attrdefByObj) inlineParent.set(id, rel.obj.id);
  for (const [id, { rel }] of g.checkByObj) inlineParent.set(id, rel.obj.id);
  for (const [id, dc] of g.domCheckByObj) inlineParent.set(id, dc.domain.id);
  const viewRule = new Map<number, number>();
  for (const rel of g.rels.values()) if (rel.ruleObj) viewRule.set(rel.ruleObj.id, rel.obj.id);
  // A page of pg_depend at a time: about fifteen rows per table, all turned into a few ids per object at once.
  await ctx.pages<{ classid: number; objid: number; refclassid: number; refobjid: number }>(
    `SELECT classid::int8::float8 AS classid, objid::int8::float8 AS objid, refclassid::int8::float8 AS refclassid,
            refobjid::int8::float8 AS refobjid
       FROM pg_catalog.pg_depend WHERE deptype NOT IN ('p', 'e') AND objid >= 16384`, [], (rows) => {
      for (const d of rows) {
        const from = ctx.find(d.classid, d.objid);
        const to = ctx.find(d.refclassid, d.refobjid);
        if (!from || !to || from === to) continue;
        if (inlineParent.get(from.id) === to.id) continue; // inline default/CHECK ↔ its table (2-loop)
        if (viewRule.get(from.id) === to.id) continue; // ON SELECT rule ↔ its view (2-loop)
        from.deps.add(to.id);
      }
    });
  // Matview refreshes after the refreshes of matviews they read.
  const refreshOf = new Map<number, DumpObject>();
  for (const rel of g.rels.values()) {
    const r = rel.refreshObj;
    if (r) refreshOf.set(rel.obj.id, r);
  }
  for (const rel of g.rels.values()) {
    const r = rel.refreshObj;
    if (!r || !rel.ruleObj) continue;
    for (const dep of rel.ruleObj.deps) {
      const other = refreshOf.get(dep);
      if (other && other !== r) r.deps.add(other.id);
    }
  }
}

const PRE_TYPES = new Set(['namespace', 'proclang', 'collation', 'transform', 'extension', 'type', 'cast', 'func', 'agg', 'accessMethod', 'operator', 'opfamily', 'conversion', 'tsparser', 'tstemplate', 'tsdict', 'tsconfig', 'fdw', 'server', 'table', 'tableAttach', 'dummyType', 'attrdef', 'blob']);
const DATA_TYPES = new Set(['tableData', 'sequenceSet', 'blobData']);
const POST_TYPES = new Set(['index', 'indexAttach', 'statsext', 'refreshMatview', 'trigger', 'eventTrigger', 'defaultAcl', 'policy', 'publication', 'publicationRel', 'publicationSchema', 'subscription']);

export function addBoundaries(ctx: Ctx, g: Graph): void {
  const { pre, post } = g;
  post.deps.add(pre.id);
  for (const o of ctx.objects) {
    if (o === pre || o === post) continue;
    if (PRE_TYPES.has(o.type)) pre.deps.add(o.id);
    else if (DATA_TYPES.has(o.type)) { o.deps.add(pre.id); post.deps.add(o.id); }
    else if (POST_TYPES.has(o.type)) o.deps.add(post.id);
    else if ((o.type === 'rule' || o.type === 'constraint' || o.type === 'fkConstraint') && o.section === 'post') o.deps.add(post.id);
  }
}

export function makeRepair(ctx: Ctx, g: Graph): (loop: DumpObject[]) => string | null {
  return (loop) => {
    const ids = new Set(loop.map((o) => o.id));
    // A view whose ON SELECT rule is in the loop: split it.
    for (const o of loop) {
      const rel = g.relByObj.get(o.id);
      if (rel && rel.relkind === 'v' && rel.ruleObj && ids.has(rel.ruleObj.id) && rel.obj === o) {
        rel.dummyView = true;
        o.deps.delete(rel.ruleObj.id);
        rel.ruleObj.deps.add(o.id);
        rel.ruleObj.deps.add(g.post.id);
        rel.ruleObj.section = 'post';
        // The dummy view needs its column types (pg_dump forgets this: §8 5a).
        for (const c of rel.cols) {
          const t = ctx.find(CLASS.pg_type, c.typid);
          if (t && t !== o) o.deps.add(t.id);
        }
        return null;
      }
    }
    // A matview or function the pre-data boundary waits for, while it needs post-data objects: postpone it.
    if (ids.has(g.pre.id)) {
      for (const o of loop) {
        const rel = g.relByObj.get(o.id);
        const isMatview = rel !== undefined && rel.relkind === 'm' && rel.obj === o;
        if ((isMatview || o.type === 'func') && g.pre.deps.has(o.id)) {
          g.pre.deps.delete(o.id);
          o.deps.add(g.post.id);
          o.section = 'post';
          if (rel) rel.postponed = true;
          return null;
        }
      }
    }
    for (const o of loop) {
      const a = g.attrdefByObj.get(o.id);
      if (a && ids.has(a.rel.obj.id)) {
        a.rel.obj.deps.delete(o.id);
        a.ad.separate = true;
        o.deps.add(a.rel.obj.id);
        return null;
      }
      const c = g.checkByObj.get(o.id);
      if (c && ids.has(c.rel.obj.id) && !c.ch.separate) {
        c.rel.obj.deps.delete(o.id);
        c.ch.separate = true;
        o.section = 'post';
        o.deps.add(c.rel.obj.id);
        o.deps.add(g.post.id);
        return null;
      }
      const d = g.domCheckByObj.get(o.id);
      if (d && ids.has(d.domain.id) && !d.separate) {
        d.domain.deps.delete(o.id);
        d.separate = true;
        o.section = 'post';
        o.deps.add(d.domain.id);
        o.deps.add(g.post.id);
        return null;
      }
    }
    // A type and its I/O or canonical function: the function waits for the shell type instead.
    if (loop.length === 2) {
      const type = loop.find((o) => o.type === 'type' && o.classid === CLASS.pg_type);
      const fn = loop.find((o) => o.type === 'func');
      if (type && fn) {
        fn.deps.delete(type.id);
        const shell = shellTypes.get(type);
        if (shell) {
          shell.used = true;
          fn.deps.add(shell.obj.id);
        }
        return null;
      }
    }
    const [a, b] = [loop[0]!, loop[1]!];
    a.deps.delete(b.id);
    return `could not resolve a dependency loop among ${loop.map((x) => `${x.type} ${x.schema ? `${x.schema}.` : ''}${x.name}`).join(', ')}; broke it arbitrarily (${a.name} no longer waits for ${b.name}): check the restore of these objects`;
  };
}
