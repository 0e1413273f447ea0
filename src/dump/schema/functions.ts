/** Functions, procedures and aggregates, assembled like pg_dump's dumpFunc / dumpAgg. */
import { CLASS, type Ctx } from './context.js';
import type { DumpObject, TocEntry } from './model.js';
import { dollarQuote, literal } from './quote.js';
import type { Selection } from './select.js';

interface FuncRow {
  oid: number; proname: string; nspname: string; nspoid: number; owner: string; prokind: string;
  acl: string[] | null; base: string[]; lanname: string; retset: boolean; prosrc: string | null; probin: string | null;
  volatile: string; strict: boolean; secdef: boolean; leakproof: boolean; config: string[] | null;
  cost: string; rows: string; args: string; iargs: string; result: string | null; trftypes: string | null;
  parallel: string; support: string; sqlbody: string | null; argtypes: string[];
}

const LIST_QUOTE_GUCS = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries', 'temp_tablespaces', 'unix_socket_directories']);

/** fe_utils SplitGUCList: split a list GUC value into (dequoted) elements. */
function splitGucList(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const ws = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (ws(s[i])) i++;
  if (i >= s.length) return out;
  for (;;) {
    let cur = '';
    if (s[i] === '"') {
      i++;
      for (;;) {
        if (i >= s.length) return out;
        if (s[i] === '"') { if (s[i + 1] === '"') { cur += '"'; i += 2; continue; } i++; break; }
        cur += s[i]; i++;
      }
    } else {
      while (i < s.length && s[i] !== ',' && !ws(s[i])) { cur += s[i]; i++; }
    }
    while (ws(s[i])) i++;
    out.push(cur);
    if (s[i] === ',') { i++; while (ws(s[i])) i++; continue; }
    break;
  }
  return out;
}

export async function readFunctions(ctx: Ctx, sel: Selection): Promise<void> {
  const { q } = ctx;
  const v14 = ctx.version >= 140000;
  const rows = await ctx.query<FuncRow>(
    `SELECT p.oid::int8::float8 AS oid, p.proname, n.nspname, n.oid::int8::float8 AS nspoid, pg_catalog.pg_get_userbyid(p.proowner) AS owner,
            p.prokind::text AS prokind, p.proacl::text[] AS acl, pg_catalog.acldefault('f', p.proowner)::text[] AS base,
            l.lanname, p.proretset AS retset, p.prosrc, p.probin, p.provolatile::text AS volatile, p.proisstrict AS strict,
            p.prosecdef AS secdef, p.proleakproof AS leakproof, p.proconfig AS config, p.procost::text AS cost, p.prorows::text AS rows,
            pg_catalog.pg_get_function_arguments(p.oid) AS args, pg_catalog.pg_get_function_identity_arguments(p.oid) AS iargs,
            CASE WHEN p.prokind <> 'p' THEN pg_catalog.pg_get_function_result(p.oid) END AS result,
            pg_catalog.array_to_string(p.protrftypes, ' ') AS trftypes, p.proparallel::text AS parallel, p.prosupport::text AS support,
            ${v14 ? 'pg_catalog.pg_get_function_sqlbody(p.oid)' : 'NULL::text'} AS sqlbody,
            ARRAY(SELECT pg_catalog.format_type(a.t, NULL) FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY a(t, i) ORDER BY a.i) AS argtypes
       FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_catalog.pg_language l ON l.oid = p.prolang
      WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid AND d.deptype = 'i')
      ORDER BY p.oid`);
  const aggRows = rows.filter((r) => r.prokind === 'a');
  const aggs = aggRows.length === 0 ? [] : await ctx.query<{
    oid: number; transfn: string; finalfn: string; transtype: string; combinefn: string; serialfn: string; deserialfn: string;
    mtransfn: string; minvtransfn: string; mfinalfn: string; mtranstype: string; finalextra: boolean; mfinalextra: boolean;
    finalmodify: string; mfinalmodify: string; sortopnsp: string | null; sortopname: string | null; aggkind: string; transspace: number;
    initval: string | null; mtransspace: number; minitval: string | null;
  }>(
    `SELECT a.aggfnoid::int8::float8 AS oid, a.aggtransfn::text AS transfn, a.aggfinalfn::text AS finalfn, a.aggtranstype::pg_catalog.regtype::text AS transtype,
            a.aggcombinefn::text AS combinefn, a.aggserialfn::text AS serialfn, a.aggdeserialfn::text AS deserialfn,
            a.aggmtransfn::text AS mtransfn, a.aggminvtransfn::text AS minvtransfn, a.aggmfinalfn::text AS mfinalfn,
            a.aggmtranstype::pg_catalog.regtype::text AS mtranstype, a.aggfinalextra AS finalextra, a.aggmfinalextra AS mfinalextra,
            a.aggfinalmodify::text AS finalmodify, a.aggmfinalmodify::text AS mfinalmodify,
            opn.nspname AS sortopnsp, op.oprname AS sortopname, a.aggkind::text AS aggkind, a.aggtransspace AS transspace,
            a.agginitval AS initval, a.aggmtransspace AS mtransspace, a.aggminitval AS minitval
       FROM pg_catalog.pg_aggregate a LEFT JOIN pg_catalog.pg_operator op ON op.oid = a.aggsortop
       LEFT JOIN pg_catalog.pg_namespace opn ON opn.oid = op.oprnamespace
      WHERE a.aggfnoid = ANY($1::oid[])`, [aggRows.map((r) => r.oid)]);

  for (const r of rows) {
    if (!sel.contains(r.nspoid) || ctx.isMember(CLASS.pg_proc, r.oid)) continue;
    const qns = q.id(r.nspname);
    if (r.prokind === 'a') {
      const a = aggs.find((x) => x.oid === r.oid);
      if (!a) continue;
      const noArgs = r.argtypes.length === 0;
      const aggsig = noArgs ? `${q.id(r.proname)}(*)` : `${q.id(r.proname)}(${r.iargs})`;
      const aggfull = noArgs ? `${q.id(r.proname)}(*)` : `${q.id(r.proname)}(${r.args})`;
      const tag = noArgs ? `${r.proname}(*)` : `${r.proname}(${r.argtypes.join(', ')})`;
      const defaultModify = a.aggkind === 'n' ? 'r' : 'w';
      const modify = (m: string): string => (m === 'r' ? 'READ_ONLY' : m === 's' ? 'SHAREABLE' : 'READ_WRITE');
      let d = `    SFUNC = ${a.transfn},\n    STYPE = ${a.transtype}`;
      if (a.transspace !== 0) d += `,\n    SSPACE = ${a.transspace}`;
      if (a.initval !== null) d += `,\n    INITCOND = ${literal(a.initval)}`;
      if (a.finalfn !== '-') {
        d += `,\n    FINALFUNC = ${a.finalfn}`;
        if (a.finalextra) d += ',\n    FINALFUNC_EXTRA';
        if (a.finalmodify !== defaultModify) d += `,\n    FINALFUNC_MODIFY = ${modify(a.finalmodify)}`;
      }
      if (a.combinefn !== '-') d += `,\n    COMBINEFUNC = ${a.combinefn}`;
      if (a.serialfn !== '-') d += `,\n    SERIALFUNC = ${a.serialfn}`;
      if (a.deserialfn !== '-') d += `,\n    DESERIALFUNC = ${a.deserialfn}`;
      if (a.mtransfn !== '-') d += `,\n    MSFUNC = ${a.mtransfn},\n    MINVFUNC = ${a.minvtransfn},\n    MSTYPE = ${a.mtranstype}`;
      if (a.mtransspace !== 0) d += `,\n    MSSPACE = ${a.mtransspace}`;
      if (a.minitval !== null) d += `,\n    MINITCOND = ${literal(a.minitval)}`;
      if (a.mfinalfn !== '-') {
        d += `,\n    MFINALFUNC = ${a.mfinalfn}`;
        if (a.mfinalextra) d += ',\n    MFINALFUNC_EXTRA';
        if (a.mfinalmodify !== defaultModify) d += `,\n    MFINALFUNC_MODIFY = ${modify(a.mfinalmodify)}`;
      }
      if (a.sortopname !== null && a.sortopnsp !== null) d += `,\n    SORTOP = OPERATOR(${q.id(a.sortopnsp)}.${a.sortopname})`;
      if (a.aggkind === 'h') d += ',\n    HYPOTHETICAL';
      if (r.parallel === 's') d += ',\n    PARALLEL = safe';
      else if (r.parallel === 'r') d += ',\n    PARALLEL = restricted';
      ctx.add({
        type: 'agg', classid: CLASS.pg_proc, oid: r.oid, schema: r.nspname, name: r.proname, tie: [r.argtypes.length, ...r.argtypes], section: 'pre',
        emit: () => [
          { tag, desc: 'AGGREGATE', schema: r.nspname, owner: ctx.owner(r.owner), create: `CREATE AGGREGATE ${qns}.${aggfull} (\n${d}\n);\n`, drop: `DROP AGGREGATE IF EXISTS ${qns}.${aggsig};\n`, ownerStmt: ctx.ownerStmt('AGGREGATE', `${qns}.${aggsig}`, r.owner), pass: 1 },
          ...ctx.commentEntry({ classid: CLASS.pg_proc, oid: r.oid, kind: 'AGGREGATE', tagName: aggsig, target: `${qns}.${aggsig}`, schema: r.nspname, owner: r.owner }),
          ...ctx.aclEntry({ type: 'FUNCTION', name: aggsig, nspname: r.nspname, tag: `AGGREGATE ${aggsig}`, schema: r.nspname, owner: r.owner, acl: r.acl, base: r.base }),
        ],
      });
      continue;
    }
    const keyword = r.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    let asPart: string;
    if (r.sqlbody !== null) asPart = r.sqlbody;
    else if (r.probin !== null && r.probin !== '') {
      asPart = `AS ${literal(r.probin)}`;
      const src = r.prosrc ?? '';
      if (src !== '') asPart += `, ${!src.includes("'") && !src.includes('\\') ? literal(src) : dollarQuote(src)}`;
    } else asPart = `AS ${dollarQuote(r.prosrc ?? '')}`;
    const funcsig = `${q.id(r.proname)}(${r.iargs})`;
    const fullsig = `${q.id(r.proname)}(${r.args})`;
    const tag = `${r.proname}(${r.argtypes.join(', ')})`;
    let sql = `CREATE ${keyword} ${qns}.${fullsig}`;
    if (r.prokind !== 'p' && r.result !== null) sql += ` RETURNS ${r.result}`;
    sql += `\n    LANGUAGE ${q.id(r.lanname)}`;
    if (r.trftypes) {
      const types = await ctx.query<{ t: string }>("SELECT pg_catalog.format_type(x, NULL) AS t FROM pg_catalog.unnest(string_to_array($1, ' ')::oid[]) WITH ORDINALITY u(x, i) ORDER BY i", [r.trftypes]);
      sql += ` TRANSFORM ${types.map((t) => `FOR TYPE ${t.t}`).join(', ')}`;
    }
    if (r.prokind === 'w') sql += ' WINDOW';
    if (r.volatile === 'i') sql += ' IMMUTABLE';
    else if (r.volatile === 's') sql += ' STABLE';
    if (r.strict) sql += ' STRICT';
    if (r.secdef) sql += ' SECURITY DEFINER';
    if (r.leakproof) sql += ' LEAKPROOF';
    if (r.cost !== '0') {
      const dflt = r.lanname === 'internal' || r.lanname === 'c' ? '1' : '100';
      if (r.cost !== dflt) sql += ` COST ${r.cost}`;
    }
    if (r.retset && r.rows !== '0' && r.rows !== '1000') sql += ` ROWS ${r.rows}`;
    if (r.support !== '-') sql += ` SUPPORT ${r.support}`;
    if (r.parallel === 's') sql += ' PARALLEL SAFE';
    else if (r.parallel === 'r') sql += ' PARALLEL RESTRICTED';
    for (const item of r.config ?? []) {
      const eq = item.indexOf('=');
      if (eq < 0) continue;
      const name = item.slice(0, eq);
      const value = item.slice(eq + 1);
      sql += `\n    SET ${q.id(name)} TO `;
      sql += LIST_QUOTE_GUCS.has(name.toLowerCase()) ? splitGucList(value).map(literal).join(', ') : literal(value);
    }
    sql += `\n    ${asPart};\n`;
    const create = sql + ctx.dependsOnExtension(CLASS.pg_proc, r.oid, keyword, `${qns}.${funcsig}`);
    const obj: DumpObject = ctx.add({
      type: 'func', classid: CLASS.pg_proc, oid: r.oid, schema: r.nspname, name: r.proname, tie: [r.argtypes.length, ...r.argtypes], section: 'pre',
      emit: (): TocEntry[] => [
        { tag, desc: keyword, schema: r.nspname, owner: ctx.owner(r.owner), create, drop: `DROP ${keyword} IF EXISTS ${qns}.${funcsig};\n`, ownerStmt: ctx.ownerStmt(keyword, `${qns}.${funcsig}`, r.owner), pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_proc, oid: r.oid, kind: keyword, tagName: funcsig, target: `${qns}.${funcsig}`, schema: r.nspname, owner: r.owner }),
        ...ctx.aclEntry({ type: keyword, name: funcsig, nspname: r.nspname, tag: `${keyword} ${funcsig}`, schema: r.nspname, owner: r.owner, acl: r.acl, base: r.base }),
      ],
    });
    void obj;
  }
}
