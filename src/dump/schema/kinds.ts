/**
 * Object kinds that need C or internal functions, written as pg_dump writes them: access methods
 * (dumpAccessMethod), conversions (dumpConversion), text search parsers and templates (dumpTSParser/
 * dumpTSTemplate). Base and shell types are in types.ts.
 */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import { literal } from './quote.js';
import type { Selection } from './select.js';

const SYS = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

export async function readMoreKinds(ctx: Ctx, sel: Selection): Promise<void> {
  const { q } = ctx;

  // Access methods: database-wide, user-defined ones only, none at all with schema/table filters.
  if (sel.includeEverything) {
    const ams = await ctx.query<{ oid: number; name: string; type: string; handler: string }>(
      `SELECT a.oid::int8::float8 AS oid, a.amname AS name, a.amtype::text AS type, a.amhandler::pg_catalog.regproc::text AS handler
         FROM pg_catalog.pg_am a WHERE a.oid >= 16384 ORDER BY a.oid`);
    for (const a of ams) {
      if (ctx.isMember(CLASS.pg_am, a.oid)) continue;
      const qn = q.id(a.name);
      const sql = `CREATE ACCESS METHOD ${qn} TYPE ${a.type === 't' ? 'TABLE' : 'INDEX'} HANDLER ${a.handler};\n`;
      ctx.add({
        type: 'accessMethod', classid: CLASS.pg_am, oid: a.oid, schema: null, name: a.name, section: 'pre',
        emit: (): TocEntry[] => [
          { tag: a.name, desc: 'ACCESS METHOD', schema: null, owner: null, create: sql, drop: `DROP ACCESS METHOD IF EXISTS ${qn};\n`, ownerStmt: null, pass: 1 },
          ...ctx.commentEntry({ classid: CLASS.pg_am, oid: a.oid, kind: 'ACCESS METHOD', tagName: qn, target: qn, schema: null, owner: '' }),
        ],
      });
    }
  }

  const convs = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; forenc: string; toenc: string; proc: string; isdefault: boolean }>(
    `SELECT c.oid::int8::float8 AS oid, c.conname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(c.conowner) AS owner,
            pg_catalog.pg_encoding_to_char(c.conforencoding) AS forenc, pg_catalog.pg_encoding_to_char(c.contoencoding) AS toenc,
            c.conproc::pg_catalog.regproc::text AS proc, c.condefault AS isdefault
       FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
      WHERE ${SYS} ORDER BY c.oid`);
  for (const c of convs) {
    if (!sel.contains(c.nspoid) || ctx.isMember(CLASS.pg_conversion, c.oid)) continue;
    const qual = q.qual(c.nspname, c.name);
    const sql = `CREATE ${c.isdefault ? 'DEFAULT ' : ''}CONVERSION ${qual} FOR ${literal(c.forenc)} TO ${literal(c.toenc)} FROM ${c.proc};\n`;
    ctx.add({
      type: 'conversion', classid: CLASS.pg_conversion, oid: c.oid, schema: c.nspname, name: c.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: c.name, desc: 'CONVERSION', schema: c.nspname, owner: ctx.owner(c.owner), create: sql, drop: `DROP CONVERSION IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt('CONVERSION', qual, c.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_conversion, oid: c.oid, kind: 'CONVERSION', tagName: q.id(c.name), target: qual, schema: c.nspname, owner: c.owner }),
      ],
    });
  }

  const parsers = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; start: string; token: string; end: string; headline: string | null; lextypes: string }>(
    `SELECT p.oid::int8::float8 AS oid, p.prsname AS name, n.nspname, n.oid::int8::float8 AS nspoid,
            p.prsstart::pg_catalog.regproc::text AS start, p.prstoken::pg_catalog.regproc::text AS token, p.prsend::pg_catalog.regproc::text AS "end",
            CASE WHEN p.prsheadline <> 0 THEN p.prsheadline::pg_catalog.regproc::text END AS headline, p.prslextype::pg_catalog.regproc::text AS lextypes
       FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
      WHERE ${SYS} ORDER BY p.oid`);
  for (const p of parsers) {
    if (!sel.contains(p.nspoid) || ctx.isMember(CLASS.pg_ts_parser, p.oid)) continue;
    const qual = q.qual(p.nspname, p.name);
    let sql = `CREATE TEXT SEARCH PARSER ${qual} (\n    START = ${p.start},\n    GETTOKEN = ${p.token},\n    END = ${p.end},\n`;
    if (p.headline !== null) sql += `    HEADLINE = ${p.headline},\n`;
    sql += `    LEXTYPES = ${p.lextypes} );\n`;
    ctx.add({
      type: 'tsparser', classid: CLASS.pg_ts_parser, oid: p.oid, schema: p.nspname, name: p.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: p.name, desc: 'TEXT SEARCH PARSER', schema: p.nspname, owner: null, create: sql, drop: `DROP TEXT SEARCH PARSER IF EXISTS ${qual};\n`, ownerStmt: null, pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_ts_parser, oid: p.oid, kind: 'TEXT SEARCH PARSER', tagName: q.id(p.name), target: qual, schema: p.nspname, owner: '' }),
      ],
    });
  }

  const templates = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; init: string | null; lexize: string }>(
    `SELECT t.oid::int8::float8 AS oid, t.tmplname AS name, n.nspname, n.oid::int8::float8 AS nspoid,
            CASE WHEN t.tmplinit <> 0 THEN t.tmplinit::pg_catalog.regproc::text END AS init, t.tmpllexize::pg_catalog.regproc::text AS lexize
       FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
      WHERE ${SYS} ORDER BY t.oid`);
  for (const t of templates) {
    if (!sel.contains(t.nspoid) || ctx.isMember(CLASS.pg_ts_template, t.oid)) continue;
    const qual = q.qual(t.nspname, t.name);
    let sql = `CREATE TEXT SEARCH TEMPLATE ${qual} (\n`;
    if (t.init !== null) sql += `    INIT = ${t.init},\n`;
    sql += `    LEXIZE = ${t.lexize} );\n`;
    ctx.add({
      type: 'tstemplate', classid: CLASS.pg_ts_template, oid: t.oid, schema: t.nspname, name: t.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: t.name, desc: 'TEXT SEARCH TEMPLATE', schema: t.nspname, owner: null, create: sql, drop: `DROP TEXT SEARCH TEMPLATE IF EXISTS ${qual};\n`, ownerStmt: null, pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_ts_template, oid: t.oid, kind: 'TEXT SEARCH TEMPLATE', tagName: q.id(t.name), target: qual, schema: t.nspname, owner: '' }),
      ],
    });
  }
}
