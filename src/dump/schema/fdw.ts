/** Foreign-data wrappers, foreign servers and user mappings (pg_dump's dumpForeignDataWrapper/dumpForeignServer/dumpUserMappings). */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import { literal } from './quote.js';
import type { Selection } from './select.js';

const OPTIONS = (col: string): string =>
  `pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value)
     FROM pg_catalog.pg_options_to_table(${col}) o ORDER BY o.option_name), E',\\n    ')`;

export async function readForeignDataWrappers(ctx: Ctx, sel: Selection): Promise<void> {
  if (!sel.includeEverything) return;
  const { q } = ctx;
  const fdws = await ctx.query<{ oid: number; name: string; owner: string; handler: string; validator: string; options: string; acl: string[] | null; base: string[] }>(
    `SELECT f.oid::int8::float8 AS oid, f.fdwname AS name, pg_catalog.pg_get_userbyid(f.fdwowner) AS owner,
            f.fdwhandler::pg_catalog.regproc::text AS handler, f.fdwvalidator::pg_catalog.regproc::text AS validator,
            ${OPTIONS('f.fdwoptions')} AS options, f.fdwacl::text[] AS acl, pg_catalog.acldefault('F', f.fdwowner)::text[] AS base
       FROM pg_catalog.pg_foreign_data_wrapper f ORDER BY f.oid`);
  for (const f of fdws) {
    if (ctx.isMember(CLASS.pg_foreign_data_wrapper, f.oid)) continue;
    const qn = q.id(f.name);
    let sql = `CREATE FOREIGN DATA WRAPPER ${qn}`;
    if (f.handler !== '-') sql += ` HANDLER ${f.handler}`;
    if (f.validator !== '-') sql += ` VALIDATOR ${f.validator}`;
    if (f.options !== '') sql += ` OPTIONS (\n    ${f.options}\n)`;
    sql += ';\n';
    ctx.add({
      type: 'fdw', classid: CLASS.pg_foreign_data_wrapper, oid: f.oid, schema: null, name: f.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: f.name, desc: 'FOREIGN DATA WRAPPER', schema: null, owner: ctx.owner(f.owner), create: sql, drop: `DROP FOREIGN DATA WRAPPER IF EXISTS ${qn};\n`, ownerStmt: ctx.ownerStmt('FOREIGN DATA WRAPPER', qn, f.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_foreign_data_wrapper, oid: f.oid, kind: 'FOREIGN DATA WRAPPER', tagName: qn, target: qn, schema: null, owner: f.owner }),
        ...ctx.aclEntry({ type: 'FOREIGN DATA WRAPPER', name: qn, nspname: null, tag: `FOREIGN DATA WRAPPER ${qn}`, schema: null, owner: f.owner, acl: f.acl, base: f.base }),
      ],
    });
  }

  const servers = await ctx.query<{ oid: number; name: string; owner: string; fdwname: string; type: string | null; version: string | null; options: string; acl: string[] | null; base: string[] }>(
    `SELECT s.oid::int8::float8 AS oid, s.srvname AS name, pg_catalog.pg_get_userbyid(s.srvowner) AS owner, f.fdwname,
            s.srvtype AS type, s.srvversion AS version, ${OPTIONS('s.srvoptions')} AS options,
            s.srvacl::text[] AS acl, pg_catalog.acldefault('S', s.srvowner)::text[] AS base
       FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper f ON f.oid = s.srvfdw ORDER BY s.oid`);
  const mappings = await ctx.query<{ umid: number; srvid: number; usename: string; options: string }>(
    `SELECT m.umid::int8::float8 AS umid, m.srvid::int8::float8 AS srvid, m.usename, ${OPTIONS('m.umoptions')} AS options
       FROM pg_catalog.pg_user_mappings m ORDER BY m.srvid, m.usename`);
  for (const s of servers) {
    if (ctx.isMember(CLASS.pg_foreign_server, s.oid)) continue;
    const qn = q.id(s.name);
    let sql = `CREATE SERVER ${qn}`;
    if (s.type) sql += ` TYPE ${literal(s.type)}`;
    if (s.version) sql += ` VERSION ${literal(s.version)}`;
    sql += ` FOREIGN DATA WRAPPER ${q.id(s.fdwname)}`;
    if (s.options !== '') sql += ` OPTIONS (\n    ${s.options}\n)`;
    sql += ';\n';
    const mine = mappings.filter((m) => m.srvid === s.oid);
    ctx.add({
      type: 'server', classid: CLASS.pg_foreign_server, oid: s.oid, schema: null, name: s.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: s.name, desc: 'SERVER', schema: null, owner: ctx.owner(s.owner), create: sql, drop: `DROP SERVER IF EXISTS ${qn};\n`, ownerStmt: ctx.ownerStmt('SERVER', qn, s.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_foreign_server, oid: s.oid, kind: 'SERVER', tagName: qn, target: qn, schema: null, owner: s.owner }),
        ...ctx.aclEntry({ type: 'FOREIGN SERVER', name: qn, nspname: null, tag: `FOREIGN SERVER ${qn}`, schema: null, owner: s.owner, acl: s.acl, base: s.base }),
        ...mine.filter((m) => !ctx.skipped(CLASS.pg_user_mapping)).map((m): TocEntry => (ctx.ledger.object(CLASS.pg_user_mapping, m.umid), {
          tag: `USER MAPPING ${m.usename} SERVER ${s.name}`, desc: 'USER MAPPING', schema: null, owner: ctx.owner(s.owner),
          create: `CREATE USER MAPPING FOR ${q.id(m.usename)} SERVER ${qn}${m.options !== '' ? ` OPTIONS (\n    ${m.options}\n)` : ''};\n`,
          drop: `DROP USER MAPPING IF EXISTS FOR ${q.id(m.usename)} SERVER ${qn};\n`, ownerStmt: null, pass: 1,
        })),
      ],
    });
  }
}
