/**
 * Enum, domain, composite, range and base types, and shell types (pg_dump's dumpEnumType/dumpDomain/
 * dumpCompositeType/dumpRangeType/dumpBaseType/dumpShellType/dumpUndefinedType).
 */
import { CLASS, type Ctx } from './context.js';
import type { DumpObject, TocEntry } from './model.js';
import { literal } from './quote.js';
import type { Selection } from './select.js';

interface TypeRow {
  oid: number; typname: string; nspname: string; nspoid: number; owner: string; typtype: string;
  acl: string[] | null; base: string[]; typrelid: number; relkind: string | null; typarray: number; multi: number | null;
}

/** Shell type of a base or range type: written (`CREATE TYPE t;`) only when loop repair needs it. */
export interface ShellType { obj: DumpObject; used: boolean }
export const shellTypes = new WeakMap<DumpObject, ShellType>();

interface BaseRow {
  oid: number; typlen: number; input: string; output: string; receive: string | null; send: string | null; modin: string | null;
  modout: string | null; analyze: string | null; subscript: string | null; collatable: boolean; def: string | null; defbin: string | null;
  elem: string | null; category: string; preferred: boolean; delim: string; align: string; storage: string; byval: boolean;
}

export interface DomainCheck { obj: DumpObject; name: string; def: string; validated: boolean; separate: boolean; domain: DumpObject }

/** Domain objects by type oid, with their CHECK constraint objects (needed for loop repair). */
export const domainChecks = new WeakMap<DumpObject, DomainCheck[]>();

export async function readTypes(ctx: Ctx, sel: Selection): Promise<Map<number, DumpObject>> {
  const { q } = ctx;
  const rows = await ctx.query<TypeRow>(
    `SELECT t.oid::int8::float8 AS oid, t.typname, n.nspname, n.oid::int8::float8 AS nspoid,
            pg_catalog.pg_get_userbyid(t.typowner) AS owner, t.typtype::text AS typtype,
            t.typacl::text[] AS acl, pg_catalog.acldefault('T', t.typowner)::text[] AS base,
            t.typrelid::int8::float8 AS typrelid, c.relkind::text AS relkind, t.typarray::int8::float8 AS typarray,
            ${ctx.version >= 140000 ? '(SELECT rngmultitypid::int8::float8 FROM pg_catalog.pg_range WHERE rngtypid = t.oid)' : 'NULL::float8'} AS multi
       FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
       LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid
      WHERE (t.typtype IN ('e','d','c','r') OR (t.typtype = 'b' AND NOT (t.typelem <> 0 AND t.typlen = -1
               AND EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)))
             OR (t.typtype = 'p' AND NOT t.typisdefined))
        AND (t.typtype <> 'c' OR c.relkind = 'c')
        AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
      ORDER BY t.oid`);
  const selected = rows.filter((r) => sel.contains(r.nspoid) && !ctx.isMember(CLASS.pg_type, r.oid));
  const oids = selected.map((r) => r.oid);
  const result = new Map<number, DumpObject>();
  if (oids.length === 0) return result;

  const enums = await ctx.query<{ typ: number; label: string }>(
    `SELECT e.enumtypid::int8::float8 AS typ, e.enumlabel AS label FROM pg_catalog.pg_enum e
      WHERE e.enumtypid = ANY($1::oid[]) ORDER BY e.enumtypid, e.enumsortorder`, [oids]);
  // 17+: a domain's NOT NULL is a pg_constraint row with a name (kept when it is not the default `<domain>_not_null`).
  const domains = await ctx.query<{ oid: number; typdefn: string; notnull: boolean; nnname: string | null; def: string | null; collnsp: string | null; collname: string | null }>(
    `SELECT t.oid::int8::float8 AS oid, pg_catalog.format_type(t.typbasetype, t.typtypmod) AS typdefn, t.typnotnull AS notnull,
            ${ctx.version >= 170000 ? "(SELECT c.conname FROM pg_catalog.pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'n')" : 'NULL::name'} AS nnname,
            pg_catalog.pg_get_expr(t.typdefaultbin, 'pg_catalog.pg_type'::pg_catalog.regclass) AS def,
            cn.nspname AS collnsp, co.collname
       FROM pg_catalog.pg_type t LEFT JOIN pg_catalog.pg_type u ON t.typbasetype = u.oid
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = t.typcollation AND t.typcollation <> u.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE t.oid = ANY($1::oid[]) AND t.typtype = 'd'`, [oids]);
  const checks = await ctx.query<{ oid: number; typ: number; conname: string; def: string; validated: boolean }>(
    `SELECT c.oid::int8::float8 AS oid, c.contypid::int8::float8 AS typ, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def, c.convalidated AS validated
       FROM pg_catalog.pg_constraint c WHERE c.contypid = ANY($1::oid[]) AND c.contype = 'c' ORDER BY c.contypid, c.conname`, [oids]);
  const attrs = await ctx.query<{ typ: number; attname: string; typdefn: string; collnsp: string | null; collname: string | null; attnum: number }>(
    `SELECT t.oid::int8::float8 AS typ, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS typdefn, a.attnum,
            cn.nspname AS collnsp, co.collname
       FROM pg_catalog.pg_type t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid
       JOIN pg_catalog.pg_type at ON at.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> at.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE t.oid = ANY($1::oid[]) AND t.typtype = 'c' AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY t.oid, a.attnum`, [oids]);
  const ranges = await ctx.query<{ typ: number; subtype: string; multi: string | null; opcname: string; opcnsp: string; opcdefault: boolean; collnsp: string | null; collname: string | null; canonical: string; subdiff: string }>(
    `SELECT r.rngtypid::int8::float8 AS typ, pg_catalog.format_type(r.rngsubtype, NULL) AS subtype,
            ${ctx.version >= 140000 ? 'pg_catalog.format_type(r.rngmultitypid, NULL)' : 'NULL::text'} AS multi,
            opc.opcname, opcn.nspname AS opcnsp, opc.opcdefault,
            cn.nspname AS collnsp, co.collname, r.rngcanonical::text AS canonical, r.rngsubdiff::text AS subdiff
       FROM pg_catalog.pg_range r JOIN pg_catalog.pg_type st ON st.oid = r.rngsubtype
       JOIN pg_catalog.pg_opclass opc ON opc.oid = r.rngsubopc JOIN pg_catalog.pg_namespace opcn ON opcn.oid = opc.opcnamespace
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = r.rngcollation AND r.rngcollation <> st.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE r.rngtypid = ANY($1::oid[])`, [oids]);

  const proc = (col: string): string => `CASE WHEN t.${col} <> 0 THEN t.${col}::pg_catalog.regproc::text END`;
  const bases = await ctx.query<BaseRow & { typ: number }>(
    `SELECT t.oid::int8::float8 AS typ, t.typlen, t.typinput::pg_catalog.regproc::text AS input, t.typoutput::pg_catalog.regproc::text AS output,
            ${proc('typreceive')} AS receive, ${proc('typsend')} AS send, ${proc('typmodin')} AS modin, ${proc('typmodout')} AS modout,
            ${proc('typanalyze')} AS analyze, ${ctx.version >= 140000 ? proc('typsubscript') : 'NULL::text'} AS subscript,
            t.typcollation <> 0 AS collatable, t.typdefault AS def, pg_catalog.pg_get_expr(t.typdefaultbin, 0) AS defbin,
            CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END AS elem, t.typcategory::text AS category,
            t.typispreferred AS preferred, t.typdelim::text AS delim, t.typalign::text AS align, t.typstorage::text AS storage, t.typbyval AS byval
       FROM pg_catalog.pg_type t WHERE t.oid = ANY($1::oid[]) AND t.typtype = 'b'`, [oids]);

  const coll = (nsp: string | null, name: string | null): string => (nsp !== null && name !== null ? ` COLLATE ${q.qual(nsp, name)}` : '');

  for (const r of selected) {
    const qual = q.qual(r.nspname, r.typname);
    const qn = q.id(r.typname);
    const common = (desc: 'TYPE' | 'DOMAIN', create: string): TocEntry[] => [
      { tag: r.typname, desc, schema: r.nspname, owner: ctx.owner(r.owner), create, drop: `DROP ${desc} IF EXISTS ${qual};\n`, ownerStmt: ctx.ownerStmt(desc === 'DOMAIN' ? 'DOMAIN' : 'TYPE', qual, r.owner), pass: 1 },
    ];
    const acl = (): TocEntry[] => ctx.aclEntry({ type: 'TYPE', name: qn, nspname: r.nspname, tag: `TYPE ${qn}`, schema: r.nspname, owner: r.owner, acl: r.acl, base: r.base });
    // With the type's security labels; a composite type's also carry those of its columns (pg_dump 15 leaves these out).
    const typeComment = (): TocEntry[] => ctx.commentEntry({ classid: CLASS.pg_type, oid: r.oid, kind: r.typtype === 'd' ? 'DOMAIN' : 'TYPE', tagName: qn, target: qual, schema: r.nspname, owner: r.owner,
      ...(r.typtype === 'c' ? { labelColumnsOf: r.typrelid } : {}) });
    let emit: () => TocEntry[];
    if (r.typtype === 'e') {
      const labels = enums.filter((e) => e.typ === r.oid).map((e) => `\n    ${literal(e.label)}`);
      emit = () => [...common('TYPE', `CREATE TYPE ${qual} AS ENUM (${labels.join(',')}\n);\n`), ...typeComment(), ...acl()];
    } else if (r.typtype === 'd') {
      const d = domains.find((x) => x.oid === r.oid)!;
      const mine = checks.filter((c) => c.typ === r.oid);
      // eslint-disable-next-line prefer-const
      let domainObj: DumpObject;
      const list: DomainCheck[] = [];
      emit = () => {
        let sql = `CREATE DOMAIN ${qual} AS ${d.typdefn}${coll(d.collnsp, d.collname)}`;
        if (d.notnull) sql += d.nnname !== null && d.nnname !== `${r.typname}_not_null` ? ` CONSTRAINT ${q.id(d.nnname)} NOT NULL` : ' NOT NULL';
        if (d.def !== null) sql += ` DEFAULT ${d.def}`;
        for (const c of list) if (!c.separate) sql += `\n\tCONSTRAINT ${q.id(c.name)} ${c.def}`;
        sql += ';\n';
        const out = [...common('DOMAIN', sql), ...typeComment()];
        for (const c of list) {
          if (c.separate) continue;
          out.push(...ctx.commentEntry({ classid: CLASS.pg_constraint, oid: c.obj.oid, kind: 'CONSTRAINT', tagName: `${q.id(c.name)} ON DOMAIN ${qn}`, target: `${q.id(c.name)} ON DOMAIN ${qual}`, schema: r.nspname, owner: r.owner }));
        }
        out.push(...acl());
        return out;
      };
      domainObj = ctx.add({ type: 'type', classid: CLASS.pg_type, oid: r.oid, schema: r.nspname, name: r.typname, section: 'pre', emit });
      for (const c of mine) {
        const entry: DomainCheck = { obj: undefined as unknown as DumpObject, name: c.conname, def: c.def, validated: c.validated, separate: !c.validated, domain: domainObj };
        entry.obj = ctx.add({
          type: 'constraint', classid: CLASS.pg_constraint, oid: c.oid, schema: r.nspname, name: c.conname, tie: [r.typname], section: c.validated ? 'pre' : 'post',
          inline: true,
          emit: () => {
            if (!entry.separate) return [];
            return [
              {
                tag: `${r.typname} ${c.conname}`, desc: 'CHECK CONSTRAINT', schema: r.nspname, owner: ctx.owner(r.owner),
                create: `ALTER DOMAIN ${qual}\n    ADD CONSTRAINT ${q.id(c.conname)} ${c.def};\n`,
                // pgvault: no drop statement. pg_dump's `ALTER DOMAIN d DROP CONSTRAINT IF EXISTS c` fails
                // on an empty database (no IF EXISTS for the domain); dropping the domain drops it anyway.
                drop: null, ownerStmt: null, pass: 1,
              },
              ...ctx.commentEntry({ classid: CLASS.pg_constraint, oid: c.oid, kind: 'CONSTRAINT', tagName: `${q.id(c.conname)} ON DOMAIN ${qn}`, target: `${q.id(c.conname)} ON DOMAIN ${qual}`, schema: r.nspname, owner: r.owner }),
            ];
          },
        });
        list.push(entry);
        if (!entry.separate) domainObj.deps.add(entry.obj.id);
      }
      domainChecks.set(domainObj, list);
      ctx.alias(CLASS.pg_type, r.typarray, domainObj);
      result.set(r.oid, domainObj);
      continue;
    } else if (r.typtype === 'c') {
      const cols = attrs.filter((a) => a.typ === r.oid);
      emit = () => {
        const body = cols.map((a) => `\n\t${q.id(a.attname)} ${a.typdefn}${coll(a.collnsp, a.collname)}`).join(',');
        const out = [...common('TYPE', `CREATE TYPE ${qual} AS (${body}\n);\n`), ...typeComment()];
        for (const a of cols) {
          const text = ctx.comment(CLASS.pg_class, r.typrelid, a.attnum);
          if (text === undefined || !ctx.noteComment(CLASS.pg_class, r.typrelid, a.attnum)) continue;
          out.push({ tag: `COLUMN ${qn}.${q.id(a.attname)}`, desc: 'COMMENT', schema: r.nspname, owner: ctx.owner(r.owner), create: `COMMENT ON COLUMN ${qual}.${q.id(a.attname)} IS ${literal(text)};\n`, drop: null, ownerStmt: null, pass: 1 });
        }
        out.push(...acl());
        return out;
      };
    } else if (r.typtype === 'b') {
      const b = bases.find((x) => x.typ === r.oid)!;
      emit = () => {
        let sql = `CREATE TYPE ${qual} (\n    INTERNALLENGTH = ${b.typlen === -1 ? 'variable' : String(b.typlen)}`;
        sql += `,\n    INPUT = ${b.input},\n    OUTPUT = ${b.output}`;
        if (b.receive !== null) sql += `,\n    RECEIVE = ${b.receive}`;
        if (b.send !== null) sql += `,\n    SEND = ${b.send}`;
        if (b.modin !== null) sql += `,\n    TYPMOD_IN = ${b.modin}`;
        if (b.modout !== null) sql += `,\n    TYPMOD_OUT = ${b.modout}`;
        if (b.analyze !== null) sql += `,\n    ANALYZE = ${b.analyze}`;
        if (b.collatable) sql += ',\n    COLLATABLE = true';
        if (b.defbin !== null) sql += `,\n    DEFAULT = ${b.defbin}`;
        else if (b.def !== null) sql += `,\n    DEFAULT = ${literal(b.def)}`;
        if (b.subscript !== null) sql += `,\n    SUBSCRIPT = ${b.subscript}`;
        if (b.elem !== null) sql += `,\n    ELEMENT = ${b.elem}`;
        if (b.category !== 'U') sql += `,\n    CATEGORY = ${literal(b.category)}`;
        if (b.preferred) sql += ',\n    PREFERRED = true';
        if (b.delim !== ',') sql += `,\n    DELIMITER = ${literal(b.delim)}`;
        sql += `,\n    ALIGNMENT = ${({ c: 'char', s: 'int2', i: 'int4', d: 'double' } as Record<string, string>)[b.align] ?? 'int4'}`;
        sql += `,\n    STORAGE = ${({ p: 'plain', e: 'external', m: 'main', x: 'extended' } as Record<string, string>)[b.storage] ?? 'plain'}`;
        if (b.byval) sql += ',\n    PASSEDBYVALUE';
        sql += '\n);\n';
        // CASCADE: the type's I/O functions depend on it (pg_dump's dumpBaseType).
        return [{ ...common('TYPE', sql)[0]!, drop: `DROP TYPE IF EXISTS ${qual} CASCADE;\n` }, ...typeComment(), ...acl()];
      };
    } else if (r.typtype === 'p') {
      // A shell type nothing completed (CREATE TYPE t; alone): pg_dump's dumpUndefinedType.
      emit = () => [...common('TYPE', `CREATE TYPE ${qual};\n`), ...typeComment(), ...acl()];
    } else {
      const g = ranges.find((x) => x.typ === r.oid)!;
      emit = () => {
        let sql = `CREATE TYPE ${qual} AS RANGE (\n    subtype = ${g.subtype}`;
        if (g.multi !== null) sql += `,\n    multirange_type_name = ${g.multi}`;
        if (!g.opcdefault) sql += `,\n    subtype_opclass = ${q.qual(g.opcnsp, g.opcname)}`;
        if (g.collnsp !== null && g.collname !== null) sql += `,\n    collation = ${q.qual(g.collnsp, g.collname)}`;
        if (g.canonical !== '-') sql += `,\n    canonical = ${g.canonical}`;
        if (g.subdiff !== '-') sql += `,\n    subtype_diff = ${g.subdiff}`;
        sql += '\n);\n';
        return [...common('TYPE', sql), ...typeComment(), ...acl()];
      };
    }
    const obj = ctx.add({ type: 'type', classid: CLASS.pg_type, oid: r.oid, schema: r.nspname, name: r.typname, section: 'pre', emit });
    if (r.typtype === 'c') ctx.alias(CLASS.pg_class, r.typrelid, obj);
    if (r.typarray) ctx.alias(CLASS.pg_type, r.typarray, obj);
    if (r.multi) ctx.alias(CLASS.pg_type, r.multi, obj);
    if (r.typtype === 'b' || r.typtype === 'r') {
      // The shell type that breaks a loop between the type and its I/O (or canonical) functions.
      const shell: ShellType = { obj: undefined as unknown as DumpObject, used: false };
      shell.obj = ctx.add({
        type: 'type', classid: 0, oid: r.oid, schema: r.nspname, name: r.typname, tie: [1], section: 'pre',
        emit: () => (shell.used ? [{ tag: r.typname, desc: 'SHELL TYPE', schema: r.nspname, owner: ctx.owner(r.owner), create: `CREATE TYPE ${qual};\n`, drop: null, ownerStmt: null, pass: 1 }] : []),
      });
      shellTypes.set(obj, shell);
    }
    result.set(r.oid, obj);
  }
  return result;
}
