/** Large objects, event triggers, default privileges, collations, statistics objects and publications. */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import { doBlock, literal } from './quote.js';
import type { Rel } from './relations.js';
import type { Selection } from './select.js';

export async function readLargeObjects(ctx: Ctx, sel: Selection): Promise<number[]> {
  if (!sel.includeEverything) return [];
  const rows = await ctx.query<{ oid: number; owner: string; acl: string[] | null; base: string[] }>(
    `SELECT l.oid::int8::float8 AS oid, pg_catalog.pg_get_userbyid(l.lomowner) AS owner, l.lomacl::text[] AS acl,
            pg_catalog.acldefault('L', l.lomowner)::text[] AS base FROM pg_catalog.pg_largeobject_metadata l ORDER BY l.oid`);
  for (const r of rows) {
    const name = String(r.oid);
    ctx.add({
      type: 'blob', classid: CLASS.pg_largeobject_metadata, oid: r.oid, schema: null, name, section: 'pre',
      emit: () => [
        { tag: name, desc: 'BLOB', schema: null, owner: ctx.owner(r.owner), create: `SELECT pg_catalog.lo_create('${name}');\n`, drop: `SELECT pg_catalog.lo_unlink(oid) FROM pg_catalog.pg_largeobject_metadata WHERE oid = '${name}';\n`, ownerStmt: ctx.ownerStmt('LARGE OBJECT', name, r.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_largeobject_metadata, oid: r.oid, kind: 'LARGE OBJECT', tagName: name, target: name, schema: null, owner: r.owner }),
        ...ctx.aclEntry({ type: 'LARGE OBJECT', name, nspname: null, tag: `LARGE OBJECT ${name}`, schema: null, owner: r.owner, acl: r.acl, base: r.base }),
      ],
    });
  }
  if (rows.length > 0) {
    const data = ctx.add({ type: 'blobData', classid: 0, oid: 0, schema: null, name: 'BLOBS', section: 'data', emit: null });
    void data;
  }
  return rows.map((r) => r.oid);
}

export async function readEventTriggers(ctx: Ctx, sel: Selection): Promise<void> {
  if (!sel.includeEverything) return;
  const { q } = ctx;
  const rows = await ctx.query<{ oid: number; name: string; event: string; owner: string; tags: string; fname: string; enabled: string }>(
    `SELECT e.oid::int8::float8 AS oid, e.evtname AS name, e.evtevent AS event, pg_catalog.pg_get_userbyid(e.evtowner) AS owner,
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_literal(x) FROM pg_catalog.unnest(e.evttags) AS t(x)), ', ') AS tags,
            e.evtfoid::pg_catalog.regproc::text AS fname, e.evtenabled::text AS enabled
       FROM pg_catalog.pg_event_trigger e ORDER BY e.oid`);
  for (const r of rows) {
    if (ctx.isMember(CLASS.pg_event_trigger, r.oid)) continue;
    const qn = q.id(r.name);
    let sql = `CREATE EVENT TRIGGER ${qn} ON ${q.id(r.event)}`;
    if (r.tags !== '') sql += `\n         WHEN TAG IN (${r.tags})`;
    sql += `\n   EXECUTE FUNCTION ${r.fname}();\n`;
    if (r.enabled !== 'O') {
      const how = r.enabled === 'D' ? 'DISABLE' : r.enabled === 'A' ? 'ENABLE ALWAYS' : r.enabled === 'R' ? 'ENABLE REPLICA' : 'ENABLE';
      sql += `\nALTER EVENT TRIGGER ${qn} ${how};\n`;
    }
    ctx.add({
      type: 'eventTrigger', classid: CLASS.pg_event_trigger, oid: r.oid, schema: null, name: r.name, section: 'post',
      emit: () => [
        { tag: r.name, desc: 'EVENT TRIGGER', schema: null, owner: ctx.owner(r.owner), create: sql, drop: `DROP EVENT TRIGGER IF EXISTS ${qn};\n`, ownerStmt: ctx.ownerStmt('EVENT TRIGGER', qn, r.owner), pass: 3 },
        ...ctx.commentEntry({ classid: CLASS.pg_event_trigger, oid: r.oid, kind: 'EVENT TRIGGER', tagName: qn, target: qn, schema: null, owner: r.owner }).map((e) => ({ ...e, pass: 3 as const })),
      ],
    });
  }
}

export async function readDefaultAcls(ctx: Ctx, sel: Selection): Promise<void> {
  if (ctx.opts.noPrivileges) return;
  const rows = await ctx.query<{ oid: number; role: string; nspname: string | null; nspoid: number | null; objtype: string; acl: string[]; base: string[] }>(
    `SELECT d.oid::int8::float8 AS oid, pg_catalog.pg_get_userbyid(d.defaclrole) AS role, n.nspname, n.oid::int8::float8 AS nspoid,
            d.defaclobjtype::text AS objtype, d.defaclacl::text[] AS acl,
            CASE WHEN d.defaclnamespace = 0 THEN pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' THEN 's'::"char" ELSE d.defaclobjtype END, d.defaclrole)::text[] ELSE '{}'::text[] END AS base
       FROM pg_catalog.pg_default_acl d LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace ORDER BY d.oid`);
  const { q } = ctx;
  const types: Record<string, string> = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' };
  for (const r of rows) {
    if (r.nspoid !== null ? !sel.contains(r.nspoid) : !sel.includeEverything) continue;
    const type = types[r.objtype];
    if (!type) continue;
    const { buildAclCommands } = await import('./acl.js');
    const prefix = `ALTER DEFAULT PRIVILEGES FOR ROLE ${q.id(r.role)} ${r.nspname !== null ? `IN SCHEMA ${q.id(r.nspname)} ` : ''}`;
    const sql = buildAclCommands(q, { name: '', subname: null, nspname: null, type, acl: r.acl, base: r.base, owner: r.role, prefix }, ctx.version);
    if (sql === '') continue;
    // pgvault: a "drop" that resets these default privileges (pg_dump has none, so a second restore
    // re-creates objects under the restored defaults: pg_dump.md §8.4). Schema-scoped entries are
    // reset only when the schema exists (an empty target has none).
    const inverse = buildAclCommands(q, { name: '', subname: null, nspname: null, type, acl: r.base, base: r.acl, owner: r.role, prefix }, ctx.version);
    let drop: string | null = null;
    if (inverse !== '') {
      if (r.nspname === null) drop = inverse;
      else {
        const stmts = inverse.split('\n').filter((l) => l !== '').map((l) => `EXECUTE ${literal(l)};`).join(' ');
        drop = doBlock(`BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = ${literal(r.nspname)}) THEN ${stmts} END IF; END`);
      }
    }
    ctx.add({
      type: 'defaultAcl', classid: CLASS.pg_default_acl, oid: r.oid, schema: r.nspname, name: r.objtype, section: 'post',
      emit: () => [{ tag: `DEFAULT PRIVILEGES FOR ${type}`, desc: 'DEFAULT ACL', schema: r.nspname, owner: ctx.owner(r.role), create: sql, drop, ownerStmt: null, pass: 2 }],
    });
  }
}

export async function readCollations(ctx: Ctx, sel: Selection): Promise<void> {
  const { q } = ctx;
  const v = ctx.version;
  // Before 15 an ICU collation's locale is stored in collcollate (and collctype), as pg_dump 13/14 read it.
  const locale = v >= 170000 ? 'c.colllocale' : v >= 150000 ? 'c.colliculocale' : "CASE WHEN c.collprovider = 'i' THEN c.collcollate END";
  const rules = v >= 160000 ? 'c.collicurules' : 'NULL::text';
  const rows = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; provider: string; deterministic: boolean; collate: string | null; ctype: string | null; locale: string | null; rules: string | null }>(
    `SELECT c.oid::int8::float8 AS oid, c.collname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(c.collowner) AS owner,
            c.collprovider::text AS provider, c.collisdeterministic AS deterministic, c.collcollate AS collate, c.collctype AS ctype,
            ${locale} AS locale, ${rules} AS rules
       FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
      WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema' ORDER BY c.oid`);
  for (const r of rows) {
    if (!sel.contains(r.nspoid) || ctx.isMember(CLASS.pg_collation, r.oid)) continue;
    const qual = q.qual(r.nspname, r.name);
    let sql = `CREATE COLLATION ${qual} (provider = ${r.provider === 'i' ? 'icu' : r.provider === 'b' ? 'builtin' : r.provider === 'c' ? 'libc' : 'default'}`;
    if (!r.deterministic) sql += ', deterministic = false';
    if (r.provider === 'i' || r.provider === 'b') sql += `, locale = ${literal(r.locale ?? '')}`;
    else if (r.collate !== null && r.collate === r.ctype) sql += `, locale = ${literal(r.collate)}`;
    else sql += `, lc_collate = ${literal(r.collate ?? '')}, lc_ctype = ${literal(r.ctype ?? '')}`;
    if (r.rules !== null) sql += `, rules = ${literal(r.rules)}`;
    sql += ');\n';
    ctx.add({
      type: 'collation', classid: CLASS.pg_collation, oid: r.oid, schema: r.nspname, name: r.name, section: 'pre',
      emit: () => [
        { tag: r.name, desc: 'COLLATION', schema: r.nspname, owner: ctx.owner(r.owner), create: sql, drop: `DROP COLLATION IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt('COLLATION', qual, r.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_collation, oid: r.oid, kind: 'COLLATION', tagName: q.id(r.name), target: qual, schema: r.nspname, owner: r.owner }),
      ],
    });
  }
}

export async function readStatistics(ctx: Ctx, rels: Map<number, Rel>): Promise<void> {
  const { q } = ctx;
  const oids = [...rels.values()].filter((r) => r.relkind === 'r' || r.relkind === 'p' || r.relkind === 'm').map((r) => r.oid);
  const stat = ctx.version >= 170000 ? 's.stxstattarget' : 'CASE WHEN s.stxstattarget >= 0 THEN s.stxstattarget END';
  const rows = await ctx.query<{ oid: number; rel: number; name: string; nspname: string; owner: string; def: string; target: number | null }>(
    `SELECT s.oid::int8::float8 AS oid, s.stxrelid::int8::float8 AS rel, s.stxname AS name, n.nspname, pg_catalog.pg_get_userbyid(s.stxowner) AS owner,
            pg_catalog.pg_get_statisticsobjdef(s.oid) AS def, ${stat} AS target
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_statistic_ext s ON s.stxrelid = x.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace ORDER BY s.oid`, [oids]);
  for (const r of rows) {
    const rel = rels.get(r.rel)!;
    const qual = q.qual(r.nspname, r.name);
    let sql = `${r.def};\n`;
    if (r.target !== null && r.target >= 0) sql += `ALTER STATISTICS ${qual} SET STATISTICS ${r.target};\n`;
    const obj = ctx.add({
      type: 'statsext', classid: CLASS.pg_statistic_ext, oid: r.oid, schema: r.nspname, name: r.name, section: 'post',
      emit: (): TocEntry[] => [
        { tag: r.name, desc: 'STATISTICS', schema: r.nspname, owner: ctx.owner(r.owner), create: sql, drop: `DROP STATISTICS IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt('STATISTICS', qual, r.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_statistic_ext, oid: r.oid, kind: 'STATISTICS', tagName: q.id(r.name), target: qual, schema: r.nspname, owner: r.owner }),
      ],
    });
    obj.deps.add(rel.obj.id);
  }
}

export async function readPublications(ctx: Ctx, sel: Selection, rels: Map<number, Rel>): Promise<void> {
  if (!sel.includeEverything) return;
  const { q } = ctx;
  const rows = await ctx.query<{ oid: number; name: string; owner: string; alltables: boolean; ins: boolean; upd: boolean; del: boolean; trunc: boolean; viaroot: boolean; gencols: string }>(
    `SELECT p.oid::int8::float8 AS oid, p.pubname AS name, pg_catalog.pg_get_userbyid(p.pubowner) AS owner, p.puballtables AS alltables,
            p.pubinsert AS ins, p.pubupdate AS upd, p.pubdelete AS del, p.pubtruncate AS trunc, p.pubviaroot AS viaroot,
            ${ctx.version >= 180000 ? 'p.pubgencols::text' : "'n'"} AS gencols
       FROM pg_catalog.pg_publication p ORDER BY p.oid`);
  for (const r of rows) {
    const qn = q.id(r.name);
    const ops = [r.ins && 'insert', r.upd && 'update', r.del && 'delete', r.trunc && 'truncate'].filter(Boolean).join(', ');
    let sql = `CREATE PUBLICATION ${qn}${r.alltables ? ' FOR ALL TABLES' : ''} WITH (publish = '${ops}'`;
    if (r.viaroot) sql += ', publish_via_partition_root = true';
    if (r.gencols === 's') sql += ', publish_generated_columns = stored';
    sql += ');\n';
    ctx.add({
      type: 'publication', classid: CLASS.pg_publication, oid: r.oid, schema: null, name: r.name, section: 'post',
      emit: () => [
        { tag: r.name, desc: 'PUBLICATION', schema: null, owner: ctx.owner(r.owner), create: sql, drop: `DROP PUBLICATION IF EXISTS ${qn};\n`, ownerStmt: ctx.ownerStmt('PUBLICATION', qn, r.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_publication, oid: r.oid, kind: 'PUBLICATION', tagName: qn, target: qn, schema: null, owner: r.owner }),
      ],
    });
  }
  if (rows.length === 0) return;
  const v15 = ctx.version >= 150000;
  const prs = await ctx.query<{ oid: number; pub: number; pubname: string; owner: string; rel: number; qual: string | null; cols: string[] | null }>(
    `SELECT pr.oid::int8::float8 AS oid, pr.prpubid::int8::float8 AS pub, p.pubname, pg_catalog.pg_get_userbyid(p.pubowner) AS owner, pr.prrelid::int8::float8 AS rel,
            ${v15 ? 'pg_catalog.pg_get_expr(pr.prqual, pr.prrelid)' : 'NULL::text'} AS qual,
            ${v15 ? 'ARRAY(SELECT a.attname FROM pg_catalog.unnest(pr.prattrs) WITH ORDINALITY u(n, i) JOIN pg_catalog.pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = u.n ORDER BY u.i)::text[]' : 'NULL::text[]'} AS cols
       FROM pg_catalog.pg_publication_rel pr JOIN pg_catalog.pg_publication p ON p.oid = pr.prpubid ORDER BY pr.oid`);
  for (const pr of prs) {
    const rel = rels.get(pr.rel);
    if (!rel) continue;
    let sql = `ALTER PUBLICATION ${q.id(pr.pubname)} ADD TABLE ONLY ${rel.qual}`;
    if (pr.cols && pr.cols.length > 0) sql += ` (${pr.cols.map((c) => q.id(c)).join(', ')})`;
    if (pr.qual !== null) sql += ` WHERE (${pr.qual})`;
    sql += ';\n';
    const obj = ctx.add({
      type: 'publicationRel', classid: CLASS.pg_publication_rel, oid: pr.oid, schema: rel.nspname, name: `${pr.pubname} ${rel.relname}`, section: 'post',
      emit: () => [{ tag: `${pr.pubname} ${rel.relname}`, desc: 'PUBLICATION TABLE', schema: rel.nspname, owner: ctx.owner(pr.owner), create: sql, drop: null, ownerStmt: null, pass: 1 }],
    });
    obj.deps.add(rel.obj.id);
  }
  if (v15) {
    const pns = await ctx.query<{ oid: number; pubname: string; owner: string; nspname: string; nspoid: number }>(
      `SELECT pn.oid::int8::float8 AS oid, p.pubname, pg_catalog.pg_get_userbyid(p.pubowner) AS owner, n.nspname, n.oid::int8::float8 AS nspoid FROM pg_catalog.pg_publication_namespace pn
         JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid ORDER BY pn.oid`);
    for (const pn of pns) {
      if (!sel.contains(pn.nspoid)) continue;
      ctx.add({
        type: 'publicationSchema', classid: CLASS.pg_publication_namespace, oid: pn.oid, schema: pn.nspname, name: pn.pubname, section: 'post',
        emit: () => [{ tag: `${pn.pubname} ${pn.nspname}`, desc: 'PUBLICATION TABLES IN SCHEMA', schema: pn.nspname, owner: ctx.owner(pn.owner), create: `ALTER PUBLICATION ${q.id(pn.pubname)} ADD TABLES IN SCHEMA ${q.id(pn.nspname)};\n`, drop: null, ownerStmt: null, pass: 1 }],
      });
    }
  }
}
