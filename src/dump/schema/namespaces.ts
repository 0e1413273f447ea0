/** Schemas, extensions, extension membership and comments (pg_dump's getNamespaces/getExtensions/dumpNamespace/dumpExtension). */
import { CLASS, type Ctx } from './context.js';
import { literal } from './quote.js';
import { aclUserName } from './acl.js';
import type { Selection } from './select.js';

/**
 * Comments on objects a dump can write: those created after initdb (OID 16384 and up), the public schema's, and large
 * objects' (whose OIDs a user may choose); not the ~5 000 on built-in objects. A page at a time.
 */
export async function readComments(ctx: Ctx): Promise<void> {
  await ctx.pages<{ classoid: number; objoid: number; objsubid: number; description: string }>(
    `SELECT classoid::int8::float8 AS classoid, objoid::int8::float8 AS objoid, objsubid, description FROM pg_catalog.pg_description
      WHERE objoid >= 16384 OR classoid = 'pg_catalog.pg_largeobject'::pg_catalog.regclass
         OR (classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND objoid = 2200)`, [],
    (rows) => { for (const r of rows) ctx.comments.set(`${r.classoid}:${r.objoid}:${r.objsubid}`, r.description); });
}

/**
 * Security labels (pg_seclabel, through the pg_seclabels view as pg_dump's collectSecLabels reads them, so the labels
 * of one object come in pg_dump's order); column names of column labels are looked up separately. The view also lists
 * the cluster-wide labels (database, roles, tablespaces), which a database dump does not write.
 */
export async function readSecurityLabels(ctx: Ctx): Promise<void> {
  const rows = await ctx.query<{ label: string; provider: string; classoid: number; objoid: number; objsubid: number }>(
    // The inner query is pg_dump's (15), verbatim — on the pg_seclabels view, whose UNION ALL decides the order of
    // the labels of one object (several providers) under this sort, so they come out in pg_dump's order.
    `SELECT label, provider, classoid::int8::float8 AS classoid, objoid::int8::float8 AS objoid, objsubid
       FROM (SELECT label, provider, classoid, objoid, objsubid FROM pg_catalog.pg_seclabels ORDER BY classoid, objoid, objsubid) s`);
  if (rows.length === 0) return;
  const cols = rows.filter((r) => r.objsubid > 0 && r.classoid === CLASS.pg_class);
  const names = new Map((await ctx.query<{ rel: number; attnum: number; attname: string }>(
    `SELECT a.attrelid::int8::float8 AS rel, a.attnum, a.attname
       FROM ROWS FROM (pg_catalog.unnest($1::oid[]), pg_catalog.unnest($2::int2[])) x(rel, attnum) JOIN pg_catalog.pg_attribute a ON a.attrelid = x.rel AND a.attnum = x.attnum`,
    [cols.map((r) => r.objoid), cols.map((r) => r.objsubid)])).map((a) => [`${a.rel}:${a.attnum}`, a.attname]));
  for (const r of rows) {
    const k = `${r.classoid}:${r.objoid}`;
    const list = ctx.labels.get(k) ?? [];
    list.push({ sub: r.objsubid, provider: r.provider, label: r.label, column: r.objsubid > 0 ? (names.get(`${r.objoid}:${r.objsubid}`) ?? null) : null });
    ctx.labels.set(k, list);
  }
}

export async function readExtensionMembers(ctx: Ctx): Promise<void> {
  await ctx.pages<{ classid: number; objid: number }>(
    "SELECT classid::int8::float8 AS classid, objid::int8::float8 AS objid FROM pg_catalog.pg_depend WHERE deptype = 'e'", [],
    (rows) => { for (const r of rows) ctx.extMembers.add(`${r.classid}:${r.objid}`); });
  await ctx.pages<{ classid: number; objid: number; ext: number; extname: string }>(
    `SELECT d.classid::int8::float8 AS classid, d.objid::int8::float8 AS objid, e.oid::int8::float8 AS ext, e.extname
       FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
      WHERE d.deptype = 'x' AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass ORDER BY d.classid, d.objid, e.extname`, [], (marks) => {
      for (const m of marks) {
        const k = `${m.classid}:${m.objid}`;
        ctx.extDeps.set(k, [...(ctx.extDeps.get(k) ?? []), { ext: m.ext, extname: m.extname }]);
      }
    });
}

interface NsRow { oid: number; nspname: string; owner: string; acl: string[] | null; base: string[] }

export async function readNamespaces(ctx: Ctx, sel: Selection): Promise<void> {
  const rows = await ctx.query<NsRow>(
    `SELECT n.oid::int8::float8 AS oid, n.nspname, pg_catalog.pg_get_userbyid(n.nspowner) AS owner,
            n.nspacl::text[] AS acl, pg_catalog.acldefault('n', n.nspowner)::text[] AS base
       FROM pg_catalog.pg_namespace n ORDER BY n.oid`);
  const { q } = ctx;
  if (sel.includeEverything && !rows.some((r) => r.nspname === 'public')) {
    // The source has no public schema (dropped on purpose), but every new database has one: drop it
    // (never CASCADE: a target whose public schema holds objects is not a copy of this database).
    ctx.add({
      type: 'namespace', classid: 0, oid: 0, schema: null, name: 'public', section: 'pre',
      emit: () => [{
        tag: 'public', desc: 'SCHEMA', schema: null, owner: null,
        create: '-- the source database has no public schema\nDROP SCHEMA IF EXISTS public;\n', drop: null, ownerStmt: null, pass: 1,
      }],
    });
  }
  for (const r of rows) {
    if (!sel.namespaceDumped(r.oid)) continue;
    if (ctx.isMember(CLASS.pg_namespace, r.oid)) continue;
    const qn = q.id(r.nspname);
    const isPublic = r.nspname === 'public';
    const dumpDefinition = !isPublic || r.owner !== 'pg_database_owner';
    let base = r.base;
    // The ACL a new database's public schema starts with on the source's major: PUBLIC may CREATE in it
    // before PostgreSQL 15 (as in pg_dump 13/14, which read it from pg_init_privs), only USE it from 15 on.
    if (isPublic) base = [`${aclUserName(r.owner)}=UC/${aclUserName(r.owner)}`, `=${ctx.version >= 150000 ? 'U' : 'UC'}/${aclUserName(r.owner)}`];
    ctx.add({
      type: 'namespace', classid: CLASS.pg_namespace, oid: r.oid, schema: null, name: r.nspname, section: 'pre',
      emit: () => {
        const out = [];
        if (dumpDefinition) {
          out.push({
            tag: r.nspname, desc: 'SCHEMA', schema: null, owner: ctx.owner(r.owner),
            create: isPublic ? '-- *not* creating schema, since initdb creates it\n' : (ctx.opts.noOwner ? `CREATE SCHEMA ${qn};\n` : `CREATE SCHEMA ${qn};\n`),
            drop: isPublic ? '-- *not* dropping schema, since initdb creates it\n' : `DROP SCHEMA IF EXISTS ${qn};\n`,
            ownerStmt: ctx.ownerStmt('SCHEMA', qn, r.owner), pass: 1 as const,
          });
        }
        const comment = ctx.comment(CLASS.pg_namespace, r.oid);
        if (isPublic) {
          // initdb's public schema: written as far as it differs from a new database's (the guard counts it as written).
          ctx.ledger.object(CLASS.pg_namespace, r.oid);
          const written = comment === undefined || ctx.noteComment(CLASS.pg_namespace, r.oid);
          if (written && comment !== 'standard public schema') {
            out.push({
              tag: 'SCHEMA public', desc: 'COMMENT', schema: null, owner: ctx.owner(r.owner),
              create: `COMMENT ON SCHEMA public IS ${literal(comment ?? '')};\n`, drop: null, ownerStmt: null, pass: 1 as const,
            });
          }
          out.push(...ctx.securityLabelEntry({ classid: CLASS.pg_namespace, oid: r.oid, kind: 'SCHEMA', tagName: qn, target: qn, schema: null, owner: r.owner }));
        } else {
          out.push(...ctx.commentEntry({ classid: CLASS.pg_namespace, oid: r.oid, kind: 'SCHEMA', tagName: qn, target: qn, schema: null, owner: r.owner }));
        }
        out.push(...ctx.aclEntry({ type: 'SCHEMA', name: qn, nspname: null, tag: `SCHEMA ${qn}`, schema: null, owner: r.owner, acl: r.acl, base }));
        return out;
      },
    });
  }
}

interface ExtRow { oid: number; extname: string; nspname: string; version: string; dflt: string | null }

export async function readExtensions(ctx: Ctx, sel: Selection): Promise<void> {
  if (!sel.includeEverything) return;
  const rows = await ctx.query<ExtRow>(
    `SELECT e.oid::int8::float8 AS oid, e.extname, n.nspname, e.extversion AS version,
            (SELECT a.default_version FROM pg_catalog.pg_available_extensions a WHERE a.name = e.extname) AS dflt
       FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
      WHERE e.oid >= 16384 ORDER BY e.oid`);
  const { q } = ctx;
  for (const r of rows) {
    // No VERSION in CREATE EXTENSION, as pg_dump (a dump must restore into newer servers): say so when it matters.
    if (r.dflt !== null && r.dflt !== r.version) {
      ctx.warnings.push(`extension ${r.extname} is installed at version ${r.version} but this server's default is ${r.dflt}: `
        + `the dump creates it without a version (as pg_dump does), so a restore installs the target server's default; `
        + `afterwards run ALTER EXTENSION ${q.id(r.extname)} UPDATE TO ${literal(r.version)} where an update path exists`);
    }
    const qe = q.id(r.extname);
    ctx.add({
      type: 'extension', classid: CLASS.pg_extension, oid: r.oid, schema: null, name: r.extname, section: 'pre',
      emit: () => [
        {
          tag: r.extname, desc: 'EXTENSION', schema: null, owner: null,
          create: `CREATE EXTENSION IF NOT EXISTS ${qe} WITH SCHEMA ${q.id(r.nspname)};\n`,
          drop: `DROP EXTENSION IF EXISTS ${qe};\n`, ownerStmt: null, pass: 1,
        },
        ...ctx.commentEntry({ classid: CLASS.pg_extension, oid: r.oid, kind: 'EXTENSION', tagName: qe, target: qe, schema: null, owner: '' }),
      ],
    });
  }
}
