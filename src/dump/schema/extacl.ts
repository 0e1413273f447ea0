/**
 * Extension members are never dumped, except their ACL changes: the delta between the member's
 * current ACL and pg_init_privs (what CREATE EXTENSION set up), as pg_dump does for functions,
 * relations and types of extensions.
 */
import { CLASS, type Ctx } from './context.js';
import type { Selection } from './select.js';

export async function readExtensionMemberAcls(ctx: Ctx, sel: Selection): Promise<void> {
  if (ctx.opts.noPrivileges || !sel.includeEverything) return;
  const { q } = ctx;
  const funcs = await ctx.query<{ oid: number; ext: number; proname: string; nspname: string; owner: string; prokind: string; acl: string[] | null; base: string[]; iargs: string; argtypes: string[] }>(
    `SELECT p.oid::int8::float8 AS oid, d.refobjid::int8::float8 AS ext, p.proname, n.nspname, pg_catalog.pg_get_userbyid(p.proowner) AS owner,
            p.prokind::text AS prokind, p.proacl::text[] AS acl,
            COALESCE(pip.initprivs, pg_catalog.acldefault('f', p.proowner))::text[] AS base,
            pg_catalog.pg_get_function_identity_arguments(p.oid) AS iargs,
            ARRAY(SELECT pg_catalog.format_type(a.t, NULL) FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY a(t, i) ORDER BY a.i) AS argtypes
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'e'
       LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = p.oid AND pip.classoid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND pip.objsubid = 0
      WHERE p.proacl IS NOT NULL AND p.proacl IS DISTINCT FROM pip.initprivs ORDER BY p.oid`);
  for (const f of funcs) {
    const ext = ctx.find(CLASS.pg_extension, f.ext);
    if (!ext) continue;
    const keyword = f.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    const sig = f.prokind === 'a' && f.argtypes.length === 0 ? `${q.id(f.proname)}(*)` : `${q.id(f.proname)}(${f.iargs})`;
    const tagKind = f.prokind === 'a' ? 'AGGREGATE' : keyword;
    const obj = ctx.add({
      type: f.prokind === 'a' ? 'agg' : 'func', classid: 0, oid: f.oid, schema: f.nspname, name: f.proname, tie: [f.argtypes.length, ...f.argtypes], section: 'pre',
      emit: () => ctx.aclEntry({ type: keyword === 'PROCEDURE' ? 'PROCEDURE' : 'FUNCTION', name: sig, nspname: f.nspname, tag: `${tagKind} ${sig}`, schema: f.nspname, owner: f.owner, acl: f.acl, base: f.base }),
    });
    obj.deps.add(ext.id);
  }
  const rels = await ctx.query<{ oid: number; ext: number; relname: string; nspname: string; owner: string; relkind: string; acl: string[] | null; base: string[] }>(
    `SELECT c.oid::int8::float8 AS oid, d.refobjid::int8::float8 AS ext, c.relname, n.nspname, pg_catalog.pg_get_userbyid(c.relowner) AS owner,
            c.relkind::text AS relkind, c.relacl::text[] AS acl,
            COALESCE(pip.initprivs, pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))::text[] AS base
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e'
       LEFT JOIN pg_catalog.pg_init_privs pip ON pip.objoid = c.oid AND pip.classoid = 'pg_catalog.pg_class'::pg_catalog.regclass AND pip.objsubid = 0
      WHERE c.relacl IS NOT NULL AND c.relacl IS DISTINCT FROM pip.initprivs ORDER BY c.oid`);
  for (const r of rels) {
    const ext = ctx.find(CLASS.pg_extension, r.ext);
    if (!ext) continue;
    const type = r.relkind === 'S' ? 'SEQUENCE' : 'TABLE';
    const obj = ctx.add({
      type: 'table', classid: 0, oid: r.oid, schema: r.nspname, name: r.relname, section: 'pre',
      emit: () => ctx.aclEntry({ type, name: q.id(r.relname), nspname: r.nspname, tag: `${type} ${q.id(r.relname)}`, schema: r.nspname, owner: r.owner, acl: r.acl, base: r.base }),
    });
    obj.deps.add(ext.id);
  }
}
