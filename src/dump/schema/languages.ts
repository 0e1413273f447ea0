/**
 * Procedural languages not created by an extension, and transforms (pg_dump's dumpProcLang/dumpTransform).
 * Both are database-wide: written only when no schema/table filter is given.
 */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import type { Selection } from './select.js';

interface LangRow {
  oid: number; name: string; owner: string; trusted: boolean; acl: string[] | null; base: string[];
  handler: number; inline: number; validator: number;
}
interface FnRef { nspname: string; proname: string; args: string }

export async function readLanguages(ctx: Ctx, sel: Selection): Promise<void> {
  if (!sel.includeEverything) return;
  const { q } = ctx;
  const langs = await ctx.query<LangRow>(
    `SELECT l.oid::int8::float8 AS oid, l.lanname AS name, pg_catalog.pg_get_userbyid(l.lanowner) AS owner, l.lanpltrusted AS trusted,
            l.lanacl::text[] AS acl, pg_catalog.acldefault('l', l.lanowner)::text[] AS base, l.lanplcallfoid::int8::float8 AS handler,
            l.laninline::int8::float8 AS inline, l.lanvalidator::int8::float8 AS validator
       FROM pg_catalog.pg_language l WHERE l.lanispl AND l.oid >= 16384 ORDER BY l.oid`);
  const transforms = await ctx.query<{ oid: number; type: string; lanname: string; fromsql: number; tosql: number }>(
    `SELECT t.oid::int8::float8 AS oid, pg_catalog.format_type(t.trftype, NULL) AS type, l.lanname,
            t.trffromsql::int8::float8 AS fromsql, t.trftosql::int8::float8 AS tosql
       FROM pg_catalog.pg_transform t JOIN pg_catalog.pg_language l ON l.oid = t.trflang WHERE t.oid >= 16384 ORDER BY t.oid`);
  const fnOids = [...langs.flatMap((l) => [l.handler, l.inline, l.validator]), ...transforms.flatMap((t) => [t.fromsql, t.tosql])].filter((o) => o !== 0);
  const fns = new Map((await ctx.query<FnRef & { oid: number }>(
    `SELECT p.oid::int8::float8 AS oid, n.nspname, p.proname,
            pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.format_type(a.t, NULL) FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY a(t, i) ORDER BY a.i), ', ') AS args
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = ANY($1::oid[])`, [fnOids])).map((f) => [f.oid, f]));
  // A function counts only if this dump writes it (pg_dump's findFuncByOid + dobj.dump).
  const dumped = (oid: number): FnRef | undefined => (oid !== 0 && ctx.find(CLASS.pg_proc, oid)?.type === 'func' && !ctx.isMember(CLASS.pg_proc, oid) ? fns.get(oid) : undefined);

  for (const l of langs) {
    if (ctx.isMember(CLASS.pg_language, l.oid)) continue;
    const qn = q.id(l.name);
    const handler = dumped(l.handler);
    const inline = dumped(l.inline);
    const validator = dumped(l.validator);
    let sql: string;
    if (handler && (inline || l.inline === 0) && (validator || l.validator === 0)) {
      sql = `CREATE ${l.trusted ? 'TRUSTED ' : ''}PROCEDURAL LANGUAGE ${qn} HANDLER ${q.qual(handler.nspname, handler.proname)}`;
      if (inline) sql += ` INLINE ${q.qual(inline.nspname, inline.proname)}`;
      if (validator) sql += ` VALIDATOR ${q.qual(validator.nspname, validator.proname)}`;
      sql += ';\n';
    } else {
      // Handlers this dump does not write (e.g. in pg_catalog): the target must provide the language.
      sql = `CREATE OR REPLACE PROCEDURAL LANGUAGE ${qn};\n`;
    }
    ctx.add({
      type: 'proclang', classid: CLASS.pg_language, oid: l.oid, schema: null, name: l.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: l.name, desc: 'PROCEDURAL LANGUAGE', schema: null, owner: ctx.owner(l.owner), create: sql, drop: `DROP PROCEDURAL LANGUAGE IF EXISTS ${qn};\n`, ownerStmt: ctx.ownerStmt('PROCEDURAL LANGUAGE', qn, l.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_language, oid: l.oid, kind: 'LANGUAGE', tagName: qn, target: qn, schema: null, owner: l.owner }),
        ...ctx.aclEntry({ type: 'LANGUAGE', name: qn, nspname: null, tag: `LANGUAGE ${qn}`, schema: null, owner: l.owner, acl: l.acl, base: l.base }),
      ],
    });
  }

  for (const t of transforms) {
    if (ctx.isMember(CLASS.pg_transform, t.oid)) continue;
    const from = fns.get(t.fromsql);
    const to = fns.get(t.tosql);
    const parts: string[] = [];
    if (from) parts.push(`FROM SQL WITH FUNCTION ${q.id(from.nspname)}.${q.id(from.proname)}(${from.args})`);
    if (to) parts.push(`TO SQL WITH FUNCTION ${q.id(to.nspname)}.${q.id(to.proname)}(${to.args})`);
    const what = `FOR ${t.type} LANGUAGE ${q.id(t.lanname)}`;
    ctx.add({
      type: 'transform', classid: CLASS.pg_transform, oid: t.oid, schema: null, name: `${t.type} ${t.lanname}`, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: `TRANSFORM ${what}`, desc: 'TRANSFORM', schema: null, owner: null, create: `CREATE TRANSFORM ${what} (${parts.join(', ')});\n`, drop: `DROP TRANSFORM IF EXISTS ${what};\n`, ownerStmt: null, pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_transform, oid: t.oid, kind: 'TRANSFORM', tagName: what, target: what, schema: null, owner: '' }),
      ],
    });
  }
}
