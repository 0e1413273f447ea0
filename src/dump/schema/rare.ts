/**
 * Object kinds rare in application databases, written as pg_dump writes them: text search
 * dictionaries and configurations (dumpTSDictionary/dumpTSConfig), casts (dumpCast), operators
 * (dumpOpr), operator families and classes (dumpOpfamily/dumpOpclass).
 */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import { doBlock, literal } from './quote.js';
import type { Selection } from './select.js';

const PG_TS_DICT = 3600;
const PG_TS_CONFIG = 3602;
const PG_OPCLASS = 2616;
const PG_OPFAMILY = 2753;

/** regprocedure text → name without arguments, or null for '-' (pg_dump's convertRegProcReference). */
function regproc(s: string | null): string | null {
  if (s === null || s === '-') return null;
  const i = s.indexOf('(');
  return i >= 0 ? s.slice(0, i) : s;
}

/**
 * DROP OPERATOR CLASS/FAMILY … USING am fails when the access method does not exist (IF EXISTS does not cover
 * it; pg_dump's restore into an empty database stops there). For a user-defined access method, run it only
 * when the method exists.
 */
function dropUsing(stmt: string, am: string, userAm: boolean): string {
  if (!userAm) return `${stmt};\n`;
  return doBlock(`BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_am WHERE amname = ${literal(am)}) THEN EXECUTE ${literal(stmt)}; END IF; END`);
}

export async function readRareObjects(ctx: Ctx, sel: Selection): Promise<void> {
  const { q } = ctx;
  const sys = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";

  // Text search dictionaries.
  const dicts = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; tmplnsp: string; tmplname: string; initoption: string | null }>(
    `SELECT d.oid::int8::float8 AS oid, d.dictname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(d.dictowner) AS owner,
            tn.nspname AS tmplnsp, t.tmplname, d.dictinitoption AS initoption
       FROM pg_catalog.pg_ts_dict d JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
       JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
      WHERE ${sys} ORDER BY d.oid`);
  for (const d of dicts) {
    if (!sel.contains(d.nspoid) || ctx.isMember(PG_TS_DICT, d.oid)) continue;
    const qual = q.qual(d.nspname, d.name);
    let sql = `CREATE TEXT SEARCH DICTIONARY ${qual} (\n    TEMPLATE = ${q.qual(d.tmplnsp, d.tmplname)}`;
    if (d.initoption !== null) sql += `,\n    ${d.initoption}`;
    sql += ' );\n';
    ctx.add({
      type: 'tsdict', classid: PG_TS_DICT, oid: d.oid, schema: d.nspname, name: d.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: d.name, desc: 'TEXT SEARCH DICTIONARY', schema: d.nspname, owner: ctx.owner(d.owner), create: sql, drop: `DROP TEXT SEARCH DICTIONARY IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt('TEXT SEARCH DICTIONARY', qual, d.owner), pass: 1 },
        ...ctx.commentEntry({ classid: PG_TS_DICT, oid: d.oid, kind: 'TEXT SEARCH DICTIONARY', tagName: q.id(d.name), target: qual, schema: d.nspname, owner: d.owner }),
      ],
    });
  }

  // Text search configurations.
  const cfgs = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; prsnsp: string; prsname: string; parser: number }>(
    `SELECT c.oid::int8::float8 AS oid, c.cfgname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(c.cfgowner) AS owner,
            pn.nspname AS prsnsp, p.prsname, c.cfgparser::int8::float8 AS parser
       FROM pg_catalog.pg_ts_config c JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
       JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
      WHERE ${sys} ORDER BY c.oid`);
  for (const c of cfgs) {
    if (!sel.contains(c.nspoid) || ctx.isMember(PG_TS_CONFIG, c.oid)) continue;
    const qual = q.qual(c.nspname, c.name);
    const maps = await ctx.query<{ tokenname: string; dictname: string }>(
      `SELECT (SELECT alias FROM pg_catalog.ts_token_type($1::pg_catalog.oid) AS t WHERE t.tokid = m.maptokentype) AS tokenname,
              m.mapdict::pg_catalog.regdictionary::text AS dictname
         FROM pg_catalog.pg_ts_config_map AS m WHERE m.mapcfg = $2 ORDER BY m.mapcfg, m.maptokentype, m.mapseqno`, [c.parser, c.oid]);
    let sql = `CREATE TEXT SEARCH CONFIGURATION ${qual} (\n    PARSER = ${q.qual(c.prsnsp, c.prsname)} );\n`;
    maps.forEach((m, i) => {
      if (i === 0 || m.tokenname !== maps[i - 1]!.tokenname) {
        if (i > 0) sql += ';\n';
        sql += `\nALTER TEXT SEARCH CONFIGURATION ${qual}\n    ADD MAPPING FOR ${q.id(m.tokenname)} WITH ${m.dictname}`;
      } else sql += `, ${m.dictname}`;
    });
    if (maps.length > 0) sql += ';\n';
    ctx.add({
      type: 'tsconfig', classid: PG_TS_CONFIG, oid: c.oid, schema: c.nspname, name: c.name, section: 'pre',
      emit: (): TocEntry[] => [
        { tag: c.name, desc: 'TEXT SEARCH CONFIGURATION', schema: c.nspname, owner: ctx.owner(c.owner), create: sql, drop: `DROP TEXT SEARCH CONFIGURATION IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt('TEXT SEARCH CONFIGURATION', qual, c.owner), pass: 1 },
        ...ctx.commentEntry({ classid: PG_TS_CONFIG, oid: c.oid, kind: 'TEXT SEARCH CONFIGURATION', tagName: q.id(c.name), target: qual, schema: c.nspname, owner: c.owner }),
      ],
    });
  }

  // Casts (user-defined ones only; none at all with schema/table filters, as pg_dump).
  if (sel.includeEverything) {
    const casts = await ctx.query<{ oid: number; src: string; tgt: string; method: string; context: string; fnsp: string | null; fname: string | null; fargs: string[] | null }>(
      `SELECT c.oid::int8::float8 AS oid, pg_catalog.format_type(c.castsource, NULL) AS src, pg_catalog.format_type(c.casttarget, NULL) AS tgt,
              c.castmethod::text AS method, c.castcontext::text AS context, fn.nspname AS fnsp, f.proname AS fname,
              ARRAY(SELECT pg_catalog.format_type(a.t, NULL) FROM pg_catalog.unnest(f.proargtypes) WITH ORDINALITY a(t, i) ORDER BY a.i)::text[] AS fargs
         FROM pg_catalog.pg_cast c LEFT JOIN pg_catalog.pg_proc f ON f.oid = c.castfunc LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.pronamespace
        WHERE c.oid >= 16384
          AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_cast'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'i')
        ORDER BY c.oid`);
    for (const c of casts) {
      if (ctx.isMember(CLASS.pg_cast, c.oid)) continue;
      let sql = `CREATE CAST (${c.src} AS ${c.tgt}) `;
      if (c.method === 'b') sql += 'WITHOUT FUNCTION';
      else if (c.method === 'i') sql += 'WITH INOUT';
      else sql += `WITH FUNCTION ${q.id(c.fnsp ?? '')}.${q.id(c.fname ?? '')}(${(c.fargs ?? []).join(', ')})`;
      if (c.context === 'a') sql += ' AS ASSIGNMENT';
      else if (c.context === 'i') sql += ' AS IMPLICIT';
      sql += ';\n';
      const label = `(${c.src} AS ${c.tgt})`;
      ctx.add({
        type: 'cast', classid: CLASS.pg_cast, oid: c.oid, schema: null, name: `${c.src} ${c.tgt}`, section: 'pre',
        emit: (): TocEntry[] => [
          { tag: `CAST ${label}`, desc: 'CAST', schema: null, owner: null, create: sql, drop: `DROP CAST IF EXISTS ${label};\n`, ownerStmt: null, pass: 1 },
          ...ctx.commentEntry({ classid: CLASS.pg_cast, oid: c.oid, kind: 'CAST', tagName: label, target: label, schema: null, owner: '' }).map((e) => ({ ...e, owner: null })),
        ],
      });
    }
  }

  // Operators.
  const oprs = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; kind: string; code: string; left: string; right: string;
    comnsp: string | null; comname: string | null; negnsp: string | null; negname: string | null; rest: string; join: string; canmerge: boolean; canhash: boolean }>(
    `SELECT o.oid::int8::float8 AS oid, o.oprname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(o.oprowner) AS owner,
            o.oprkind::text AS kind, o.oprcode::pg_catalog.regprocedure::text AS code, o.oprleft::pg_catalog.regtype::text AS left,
            o.oprright::pg_catalog.regtype::text AS right, cn.nspname AS comnsp, co.oprname AS comname, nn.nspname AS negnsp, ng.oprname AS negname,
            o.oprrest::pg_catalog.regprocedure::text AS rest, o.oprjoin::pg_catalog.regprocedure::text AS join, o.oprcanmerge AS canmerge, o.oprcanhash AS canhash
       FROM pg_catalog.pg_operator o JOIN pg_catalog.pg_namespace n ON n.oid = o.oprnamespace
       LEFT JOIN pg_catalog.pg_operator co ON co.oid = o.oprcom LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.oprnamespace
       LEFT JOIN pg_catalog.pg_operator ng ON ng.oid = o.oprnegate LEFT JOIN pg_catalog.pg_namespace nn ON nn.oid = ng.oprnamespace
      WHERE ${sys} ORDER BY o.oid`);
  for (const o of oprs) {
    if (!sel.contains(o.nspoid) || ctx.isMember(CLASS.pg_operator, o.oid)) continue;
    if (o.code === '-') continue; // a shell operator (only referenced as a commutator/negator)
    const qns = q.id(o.nspname);
    const details: string[] = [];
    const fn = regproc(o.code);
    if (fn) details.push(`    FUNCTION = ${fn}`);
    let oprid = `${o.name} (`;
    if (o.kind === 'r' || o.kind === 'b') { details.push(`    LEFTARG = ${o.left}`); oprid += o.left; } else oprid += 'NONE';
    if (o.kind === 'l' || o.kind === 'b') { details.push(`    RIGHTARG = ${o.right}`); oprid += `, ${o.right})`; } else oprid += ', NONE)';
    if (o.comname !== null && o.comnsp !== null) details.push(`    COMMUTATOR = OPERATOR(${q.id(o.comnsp)}.${o.comname})`);
    if (o.negname !== null && o.negnsp !== null) details.push(`    NEGATOR = OPERATOR(${q.id(o.negnsp)}.${o.negname})`);
    if (o.canmerge) details.push('    MERGES');
    if (o.canhash) details.push('    HASHES');
    const rest = regproc(o.rest);
    if (rest) details.push(`    RESTRICT = ${rest}`);
    const join = regproc(o.join);
    if (join) details.push(`    JOIN = ${join}`);
    const sql = `CREATE OPERATOR ${qns}.${o.name} (\n${details.join(',\n')}\n);\n`;
    ctx.add({
      type: 'operator', classid: CLASS.pg_operator, oid: o.oid, schema: o.nspname, name: o.name, tie: [o.left, o.right], section: 'pre',
      emit: (): TocEntry[] => [
        { tag: o.name, desc: 'OPERATOR', schema: o.nspname, owner: ctx.owner(o.owner), create: sql, drop: `DROP OPERATOR IF EXISTS ${qns}.${oprid};\n`, ownerStmt: ctx.ownerStmt('OPERATOR', `${qns}.${oprid}`, o.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_operator, oid: o.oid, kind: 'OPERATOR', tagName: oprid, target: `${qns}.${oprid}`, schema: o.nspname, owner: o.owner }),
      ],
    });
  }

  // Operator families and classes, with the members tied to each by pg_depend.
  const members = async (refclass: number, ref: number, family: number | null): Promise<string[]> => {
    const ops = await ctx.query<{ strategy: number; opr: string; sortfam: string | null; sortnsp: string | null }>(
      `SELECT ao.amopstrategy AS strategy, ao.amopopr::pg_catalog.regoperator::text AS opr, f.opfname AS sortfam, n.nspname AS sortnsp
         FROM pg_catalog.pg_amop ao JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amop'::pg_catalog.regclass AND d.objid = ao.oid
         LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = ao.amopsortfamily LEFT JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace
        WHERE d.refclassid = $1 AND d.refobjid = $2 ${family !== null ? 'AND ao.amopfamily = $3' : ''} ORDER BY ao.amopstrategy`,
      family !== null ? [refclass, ref, family] : [refclass, ref]);
    const procs = await ctx.query<{ num: number; proc: string; lt: string; rt: string }>(
      `SELECT ap.amprocnum AS num, ap.amproc::pg_catalog.regprocedure::text AS proc, ap.amproclefttype::pg_catalog.regtype::text AS lt, ap.amprocrighttype::pg_catalog.regtype::text AS rt
         FROM pg_catalog.pg_amproc ap JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_amproc'::pg_catalog.regclass AND d.objid = ap.oid
        WHERE d.refclassid = $1 AND d.refobjid = $2 ORDER BY ap.amprocnum`, [refclass, ref]);
    return [
      ...ops.map((o) => `OPERATOR ${o.strategy} ${o.opr}${o.sortfam !== null && o.sortnsp !== null ? ` FOR ORDER BY ${q.qual(o.sortnsp, o.sortfam)}` : ''}`),
      ...procs.map((p) => `FUNCTION ${p.num} (${p.lt}, ${p.rt}) ${p.proc}`),
    ];
  };
  const fams = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; am: string; useram: boolean }>(
    `SELECT f.oid::int8::float8 AS oid, f.opfname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(f.opfowner) AS owner, a.amname AS am,
            a.oid >= 16384 AS useram
       FROM pg_catalog.pg_opfamily f JOIN pg_catalog.pg_namespace n ON n.oid = f.opfnamespace JOIN pg_catalog.pg_am a ON a.oid = f.opfmethod
      WHERE ${sys} ORDER BY f.oid`);
  for (const f of fams) {
    if (!sel.contains(f.nspoid) || ctx.isMember(PG_OPFAMILY, f.oid)) continue;
    const qual = q.qual(f.nspname, f.name);
    const loose = await members(PG_OPFAMILY, f.oid, f.oid);
    let sql = `CREATE OPERATOR FAMILY ${qual} USING ${q.id(f.am)};\n`;
    if (loose.length > 0) sql += `ALTER OPERATOR FAMILY ${qual} USING ${q.id(f.am)} ADD\n    ${loose.join(' ,\n    ')};\n`;
    ctx.add({
      type: 'opfamily', classid: PG_OPFAMILY, oid: f.oid, schema: f.nspname, name: f.name, tie: [1], section: 'pre',
      emit: (): TocEntry[] => [
        { tag: f.name, desc: 'OPERATOR FAMILY', schema: f.nspname, owner: ctx.owner(f.owner), create: sql, drop: dropUsing(`DROP OPERATOR FAMILY IF EXISTS ${qual} USING ${q.id(f.am)}`, f.am, f.useram), ownerStmt: ctx.ownerStmt('OPERATOR FAMILY', `${qual} USING ${q.id(f.am)}`, f.owner), pass: 1 },
        ...ctx.commentEntry({ classid: PG_OPFAMILY, oid: f.oid, kind: 'OPERATOR FAMILY', tagName: `${q.id(f.name)} USING ${q.id(f.am)}`, target: `${qual} USING ${q.id(f.am)}`, schema: f.nspname, owner: f.owner }),
      ],
    });
  }
  const classes = await ctx.query<{ oid: number; name: string; nspname: string; nspoid: number; owner: string; am: string; useram: boolean; intype: string; keytype: string; isdefault: boolean; family: number; famname: string | null; famnsp: string | null }>(
    `SELECT c.oid::int8::float8 AS oid, c.opcname AS name, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(c.opcowner) AS owner, a.amname AS am, a.oid >= 16384 AS useram,
            c.opcintype::pg_catalog.regtype::text AS intype, c.opckeytype::pg_catalog.regtype::text AS keytype, c.opcdefault AS isdefault,
            c.opcfamily::int8::float8 AS family, f.opfname AS famname, fn.nspname AS famnsp
       FROM pg_catalog.pg_opclass c JOIN pg_catalog.pg_namespace n ON n.oid = c.opcnamespace JOIN pg_catalog.pg_am a ON a.oid = c.opcmethod
       LEFT JOIN pg_catalog.pg_opfamily f ON f.oid = c.opcfamily LEFT JOIN pg_catalog.pg_namespace fn ON fn.oid = f.opfnamespace
      WHERE ${sys} ORDER BY c.oid`);
  for (const c of classes) {
    if (!sel.contains(c.nspoid) || ctx.isMember(PG_OPCLASS, c.oid)) continue;
    const qual = q.qual(c.nspname, c.name);
    let sql = `CREATE OPERATOR CLASS ${qual}\n    ${c.isdefault ? 'DEFAULT ' : ''}FOR TYPE ${c.intype} USING ${q.id(c.am)}`;
    if (c.famname !== null && c.famnsp !== null) sql += ` FAMILY ${q.qual(c.famnsp, c.famname)}`;
    sql += ' AS\n    ';
    const items: string[] = [];
    if (c.keytype !== '-') items.push(`STORAGE ${c.keytype}`);
    items.push(...await members(PG_OPCLASS, c.oid, c.family));
    if (items.length === 0) items.push(`STORAGE ${c.intype}`);
    sql += `${items.join(' ,\n    ')};\n`;
    ctx.add({
      type: 'opfamily', classid: PG_OPCLASS, oid: c.oid, schema: c.nspname, name: c.name, tie: [0], section: 'pre',
      emit: (): TocEntry[] => [
        { tag: c.name, desc: 'OPERATOR CLASS', schema: c.nspname, owner: ctx.owner(c.owner), create: sql, drop: dropUsing(`DROP OPERATOR CLASS IF EXISTS ${qual} USING ${q.id(c.am)}`, c.am, c.useram), ownerStmt: ctx.ownerStmt('OPERATOR CLASS', `${qual} USING ${q.id(c.am)}`, c.owner), pass: 1 },
        ...ctx.commentEntry({ classid: PG_OPCLASS, oid: c.oid, kind: 'OPERATOR CLASS', tagName: `${q.id(c.name)} USING ${q.id(c.am)}`, target: `${qual} USING ${q.id(c.am)}`, schema: c.nspname, owner: c.owner }),
      ],
    });
  }
}
