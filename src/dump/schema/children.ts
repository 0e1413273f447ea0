/** Triggers, non-view rules, row-level security and policies of dumped relations (pg_dump's dumpTrigger/dumpRule/dumpPolicy). */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import type { Rel } from './relations.js';

export async function readTableChildren(ctx: Ctx, rels: Map<number, Rel>): Promise<void> {
  const { q } = ctx;
  const oids = [...rels.values()].filter((r) => r.relkind !== 'S').map((r) => r.oid);
  const triggers = await ctx.query<{ rel: number; oid: number; name: string; def: string; enabled: string; clone: boolean }>(
    `SELECT t.tgrelid::int8::float8 AS rel, t.oid::int8::float8 AS oid, t.tgname AS name, pg_catalog.pg_get_triggerdef(t.oid, false) AS def,
            t.tgenabled::text AS enabled, t.tgparentid <> 0 AS clone
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_trigger t ON t.tgrelid = x.oid
       LEFT JOIN pg_catalog.pg_trigger u ON u.oid = t.tgparentid
      WHERE (NOT t.tgisinternal AND t.tgparentid = 0) OR t.tgenabled <> u.tgenabled
      ORDER BY t.tgrelid, t.tgname`, [oids]);
  for (const t of triggers) {
    const rel = rels.get(t.rel)!;
    const foreign = rel.relkind === 'f' ? 'FOREIGN ' : '';
    const obj = ctx.add({
      type: 'trigger', classid: CLASS.pg_trigger, oid: t.oid, schema: rel.nspname, name: t.name, tie: [rel.relname], section: 'post',
      emit: (): TocEntry[] => {
        let sql = t.clone ? '' : `${t.def};\n${ctx.dependsOnExtension(CLASS.pg_trigger, t.oid, 'TRIGGER', `${q.id(t.name)} ON ${rel.qual}`)}`;
        if (t.enabled !== 't' && t.enabled !== 'O') {
          const how = t.enabled === 'D' || t.enabled === 'f' ? 'DISABLE' : t.enabled === 'A' ? 'ENABLE ALWAYS' : t.enabled === 'R' ? 'ENABLE REPLICA' : 'ENABLE';
          sql += `\nALTER ${foreign}TABLE ${rel.qual} ${how} TRIGGER ${q.id(t.name)};\n`;
        } else if (t.clone) {
          sql += `\nALTER ${foreign}TABLE ${rel.qual} ENABLE TRIGGER ${q.id(t.name)};\n`;
        }
        return [
          { tag: `${rel.relname} ${t.name}`, desc: 'TRIGGER', schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql, drop: t.clone ? null : `DROP TRIGGER IF EXISTS ${q.id(t.name)} ON ${rel.qual};\n`, ownerStmt: null, pass: 1 },
          ...(t.clone ? [] : ctx.commentEntry({ classid: CLASS.pg_trigger, oid: t.oid, kind: 'TRIGGER', tagName: `${q.id(t.name)} ON ${q.id(rel.relname)}`, target: `${q.id(t.name)} ON ${rel.qual}`, schema: rel.nspname, owner: rel.owner })),
        ];
      },
    });
    obj.deps.add(rel.obj.id);
  }

  const rules = await ctx.query<{ rel: number; oid: number; name: string; def: string; enabled: string }>(
    `SELECT r.ev_class::int8::float8 AS rel, r.oid::int8::float8 AS oid, r.rulename AS name, pg_catalog.pg_get_ruledef(r.oid) AS def, r.ev_enabled::text AS enabled
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_rewrite r ON r.ev_class = x.oid
      WHERE r.rulename <> '_RETURN' ORDER BY r.ev_class, r.rulename`, [oids]);
  for (const r of rules) {
    const rel = rels.get(r.rel)!;
    const obj = ctx.add({
      type: 'rule', classid: CLASS.pg_rewrite, oid: r.oid, schema: rel.nspname, name: r.name, tie: [rel.relname], section: 'post',
      emit: (): TocEntry[] => {
        let sql = `${r.def}\n`;
        const drop = `DROP RULE IF EXISTS ${q.id(r.name)} ON ${rel.qual};\n`;
        if (r.enabled !== 'O') {
          const how = r.enabled === 'A' ? 'ENABLE ALWAYS' : r.enabled === 'R' ? 'ENABLE REPLICA' : 'DISABLE';
          sql += `ALTER TABLE ${rel.qual} ${how} RULE ${q.id(r.name)};\n`;
        }
        return [
          { tag: `${rel.relname} ${r.name}`, desc: 'RULE', schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql, drop, ownerStmt: null, pass: 1 },
          ...ctx.commentEntry({ classid: CLASS.pg_rewrite, oid: r.oid, kind: 'RULE', tagName: `${q.id(r.name)} ON ${q.id(rel.relname)}`, target: `${q.id(r.name)} ON ${rel.qual}`, schema: rel.nspname, owner: rel.owner }),
        ];
      },
    });
    obj.deps.add(rel.obj.id);
  }

  for (const rel of rels.values()) {
    if (!rel.rowsec || (rel.relkind !== 'r' && rel.relkind !== 'p')) continue;
    const obj = ctx.add({
      type: 'policy', classid: 0, oid: rel.oid, schema: rel.nspname, name: rel.relname, tie: [rel.relname], section: 'post',
      emit: () => [{ tag: rel.relname, desc: 'ROW SECURITY', schema: rel.nspname, owner: ctx.owner(rel.owner), create: `ALTER TABLE ${rel.qual} ENABLE ROW LEVEL SECURITY;`, drop: null, ownerStmt: null, pass: 1 }],
    });
    obj.deps.add(rel.obj.id);
  }
  const policies = await ctx.query<{ rel: number; oid: number; name: string; cmd: string; permissive: boolean; roles: string | null; qual: string | null; check: string | null }>(
    `SELECT p.polrelid::int8::float8 AS rel, p.oid::int8::float8 AS oid, p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
            CASE WHEN p.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(ARRAY(SELECT pg_catalog.quote_ident(rolname) FROM pg_catalog.pg_roles WHERE oid = ANY(p.polroles) ORDER BY oid), ', ') END AS roles,
            pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual, pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS check
       FROM pg_catalog.unnest($1::oid[]) x(oid) JOIN pg_catalog.pg_policy p ON p.polrelid = x.oid ORDER BY p.polrelid, p.polname`, [oids]);
  for (const p of policies) {
    const rel = rels.get(p.rel)!;
    const cmd = ({ '*': '', r: ' FOR SELECT', a: ' FOR INSERT', w: ' FOR UPDATE', d: ' FOR DELETE' } as Record<string, string>)[p.cmd] ?? '';
    let sql = `CREATE POLICY ${q.id(p.name)} ON ${rel.qual}${p.permissive ? '' : ' AS RESTRICTIVE'}${cmd}`;
    if (p.roles !== null) sql += ` TO ${p.roles}`;
    if (p.qual !== null) sql += ` USING (${p.qual})`;
    if (p.check !== null) sql += ` WITH CHECK (${p.check})`;
    sql += ';\n';
    const obj = ctx.add({
      type: 'policy', classid: CLASS.pg_policy, oid: p.oid, schema: rel.nspname, name: p.name, tie: [rel.relname], section: 'post',
      emit: () => [
        { tag: `${rel.relname} ${p.name}`, desc: 'POLICY', schema: rel.nspname, owner: ctx.owner(rel.owner), create: sql, drop: `DROP POLICY IF EXISTS ${q.id(p.name)} ON ${rel.qual};\n`, ownerStmt: null, pass: 1 },
        ...ctx.commentEntry({ classid: CLASS.pg_policy, oid: p.oid, kind: 'POLICY', tagName: `${q.id(p.name)} ON ${q.id(rel.relname)}`, target: `${q.id(p.name)} ON ${rel.qual}`, schema: rel.nspname, owner: rel.owner }),
      ],
    });
    obj.deps.add(rel.obj.id);
  }
}
