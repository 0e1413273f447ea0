/**
 * Globals as SQL, statement by statement as `pg_dumpall --globals-only` writes them (roles, role
 * settings, memberships, tablespaces), followed by the database's own definition and properties as
 * `pg_dump --create` writes them (CREATE DATABASE, owner, comment, ACL, connection limit, template flag,
 * `ALTER DATABASE … SET`, `ALTER ROLE … IN DATABASE … SET`). The pieces are exported for restore.
 */
import { aclUserName, buildAclCommands } from '../dump/schema/acl.js';
import { literal, Quoter } from '../dump/schema/quote.js';
import type { DatabaseRecord, GlobalsRecord, MembershipRecord, RoleRecord, TablespaceRecord } from './types.js';

/** Settings whose value is a list of quoted items (pg_dump's variable_is_guc_list_quote). */
const LIST_QUOTE = new Set(['local_preload_libraries', 'search_path', 'session_preload_libraries', 'shared_preload_libraries',
  'temp_tablespaces', 'unix_socket_directories']);

/** libpq's SplitGUCList: comma-separated items, double-quoted ones unquoted ("" → "), not downcased. */
export function splitGucList(value: string): string[] {
  const out: string[] = [];
  let i = 0;
  const ws = (c: string | undefined): boolean => c !== undefined && /\s/.test(c);
  while (ws(value[i])) i++;
  if (i >= value.length) return out;
  for (;;) {
    let item = '';
    if (value[i] === '"') {
      i++;
      for (;;) {
        if (i >= value.length) return out.concat(item);
        if (value[i] === '"') {
          if (value[i + 1] === '"') { item += '"'; i += 2; continue; }
          i++;
          break;
        }
        item += value[i++];
      }
    } else {
      while (i < value.length && value[i] !== ',' && !ws(value[i])) item += value[i++];
    }
    out.push(item);
    while (ws(value[i])) i++;
    if (value[i] === ',') {
      i++;
      while (ws(value[i])) i++;
      continue;
    }
    return out;
  }
}

export function quoterFor(g: Pick<GlobalsRecord, 'keywords'>): Quoter {
  return new Quoter(g.keywords);
}

/** pg_dump's makeAlterConfigCommand: `ALTER <type> <name> [IN <type2> <name2>] SET <var> TO <value>;`. */
export function alterConfigSql(q: Quoter, item: string, type: string, name: string, inType?: string, inName?: string): string {
  const eq = item.indexOf('=');
  const variable = eq < 0 ? item : item.slice(0, eq);
  const value = eq < 0 ? '' : item.slice(eq + 1);
  let sql = `ALTER ${type} ${q.id(name)} `;
  if (inType && inName !== undefined) sql += `IN ${inType} ${q.id(inName)} `;
  sql += `SET ${q.id(variable)} TO `;
  if (LIST_QUOTE.has(variable.toLowerCase())) {
    const items = splitGucList(value);
    sql += items.length ? items.map(literal).join(', ') : "''";
  } else {
    sql += literal(value);
  }
  return `${sql};\n`;
}

/** `ALTER ROLE … WITH …` attributes as pg_dumpall writes them (password only when recorded). */
export function roleAttributesSql(q: Quoter, r: RoleRecord): string {
  const flag = (on: boolean, word: string): string => ` ${on ? '' : 'NO'}${word}`;
  let sql = `ALTER ROLE ${q.id(r.name)} WITH` + flag(r.superuser, 'SUPERUSER') + flag(r.inherit, 'INHERIT') + flag(r.createRole, 'CREATEROLE')
    + flag(r.createDb, 'CREATEDB') + flag(r.login, 'LOGIN') + flag(r.replication, 'REPLICATION') + flag(r.bypassRls, 'BYPASSRLS');
  if (r.connectionLimit !== -1) sql += ` CONNECTION LIMIT ${r.connectionLimit}`;
  if (r.password) sql += ` PASSWORD ${literal(r.password)}`;
  if (r.validUntil !== null) sql += ` VALID UNTIL ${literal(r.validUntil)}`;
  return `${sql};\n`;
}

/** CREATE ROLE, its attributes and comment. */
export function createRoleSql(q: Quoter, r: RoleRecord): string {
  let sql = `CREATE ROLE ${q.id(r.name)};\n${roleAttributesSql(q, r)}`;
  if (r.comment !== null) sql += `COMMENT ON ROLE ${q.id(r.name)} IS ${literal(r.comment)};\n`;
  return sql;
}

export function roleSettingsSql(q: Quoter, r: RoleRecord): string {
  return r.settings.map((s) => alterConfigSql(q, s, 'ROLE', r.name)).join('');
}

/** GRANT role TO member as pg_dumpall writes it for the source's major (INHERIT/SET options from 16 on). */
export function membershipSql(q: Quoter, m: MembershipRecord, opts: { grantedBy?: boolean } = {}): string {
  let sql = `GRANT ${q.id(m.role)} TO ${q.id(m.member)}`;
  const options: string[] = [];
  if (m.admin) options.push('ADMIN OPTION');
  if (m.inherit !== undefined) options.push(`INHERIT ${m.inherit ? 'TRUE' : 'FALSE'}`);
  if (m.set === false) options.push('SET FALSE');
  if (options.length) sql += ` WITH ${options.join(', ')}`;
  if (m.grantor && opts.grantedBy !== false) sql += ` GRANTED BY ${q.id(m.grantor)}`;
  return `${sql};\n`;
}

export function createTablespaceSql(q: Quoter, t: TablespaceRecord, serverVersionNum: number): string {
  const name = q.id(t.name);
  let sql = `CREATE TABLESPACE ${name} OWNER ${q.id(t.owner)} LOCATION ${literal(t.location)};\n`;
  if (t.options && t.options.length) sql += `ALTER TABLESPACE ${name} SET (${t.options.join(', ')});\n`;
  sql += buildAclCommands(q, { name, subname: null, nspname: null, type: 'TABLESPACE', acl: t.acl,
    base: [`${aclUserName(t.owner)}=C/${aclUserName(t.owner)}`], owner: t.owner, prefix: '' }, serverVersionNum);
  if (t.comment !== null) sql += `COMMENT ON TABLESPACE ${name} IS ${literal(t.comment)};\n`;
  return sql;
}

/** `CREATE DATABASE … WITH TEMPLATE = template0 …` as pg_dump --create writes it, for database `name`. */
export function createDatabaseSql(q: Quoter, d: DatabaseRecord, name = d.name): string {
  let sql = `CREATE DATABASE ${q.id(name)} WITH TEMPLATE = template0 ENCODING = ${literal(d.encoding)}`;
  if (d.localeProvider === 'c') sql += ' LOCALE_PROVIDER = libc';
  else if (d.localeProvider === 'i') sql += ' LOCALE_PROVIDER = icu';
  else if (d.localeProvider === 'b') sql += ' LOCALE_PROVIDER = builtin';
  if (d.collate !== '' && d.collate === d.ctype) sql += ` LOCALE = ${literal(d.collate)}`;
  else {
    if (d.collate !== '') sql += ` LC_COLLATE = ${literal(d.collate)}`;
    if (d.ctype !== '') sql += ` LC_CTYPE = ${literal(d.ctype)}`;
  }
  if (d.locale) sql += d.localeProvider === 'b' ? ` BUILTIN_LOCALE = ${literal(d.locale)}` : ` ICU_LOCALE = ${literal(d.locale)}`;
  if (d.icuRules) sql += ` ICU_RULES = ${literal(d.icuRules)}`;
  if (d.tablespace) sql += ` TABLESPACE = ${q.id(d.tablespace)}`;
  return `${sql};\n`;
}

/** Database ACL (GRANT/REVOKE … ON DATABASE) relative to the default for its owner. */
export function databaseAclSql(q: Quoter, d: DatabaseRecord, serverVersionNum: number, name = d.name): string {
  const o = aclUserName(d.owner);
  return buildAclCommands(q, { name: q.id(name), subname: null, nspname: null, type: 'DATABASE', acl: d.acl,
    base: [`=Tc/${o}`, `${o}=CTc/${o}`], owner: d.owner, prefix: '' }, serverVersionNum);
}

/** What pg_dump --create writes after connecting: comment, connection limit, template flag, settings, role settings in it. */
export function databasePropertiesSql(q: Quoter, d: DatabaseRecord, name = d.name): string {
  const n = q.id(name);
  let sql = '';
  if (d.comment !== null) sql += `COMMENT ON DATABASE ${n} IS ${literal(d.comment)};\n`;
  if (d.connectionLimit !== -1) sql += `ALTER DATABASE ${n} CONNECTION LIMIT = ${d.connectionLimit};\n`;
  if (d.isTemplate) sql += `ALTER DATABASE ${n} IS_TEMPLATE = true;\n`;
  if (!d.allowConnections) sql += `ALTER DATABASE ${n} ALLOW_CONNECTIONS = false;\n`;
  for (const s of d.settings) sql += alterConfigSql(q, s, 'DATABASE', name);
  for (const rs of d.roleSettings) for (const s of rs.settings) sql += alterConfigSql(q, s, 'ROLE', rs.role, 'DATABASE', name);
  return sql;
}

const section = (title: string): string => `--\n-- ${title}\n--\n\n`;

/**
 * Globals of several databases (e.g. every database of one server) as one record set: roles,
 * memberships and tablespaces once each (the first snapshot's version wins), every database.
 */
export function mergeGlobals(list: readonly GlobalsRecord[]): { shared: Omit<GlobalsRecord, 'database'>; databases: DatabaseRecord[] } {
  const first = list[0];
  if (!first) throw new Error('mergeGlobals needs at least one record');
  const roles = new Map<string, RoleRecord>();
  const members = new Map<string, MembershipRecord>();
  const spcs = new Map<string, TablespaceRecord>();
  const keywords = new Set<string>();
  for (const g of list) {
    for (const r of g.roles) if (!roles.has(r.name)) roles.set(r.name, r);
    for (const m of g.memberships) {
      const k = JSON.stringify([m.role, m.member, m.grantor]);
      if (!members.has(k)) members.set(k, m);
    }
    for (const t of g.tablespaces) if (!spcs.has(t.name)) spcs.set(t.name, t);
    for (const w of g.keywords) keywords.add(w);
  }
  const byName = <T>(m: Map<string, T>): T[] => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return {
    shared: {
      version: first.version, serverVersionNum: Math.max(...list.map((g) => g.serverVersionNum)), keywords: [...keywords].sort(),
      roles: byName(roles), memberships: byName(members), tablespaces: byName(spcs), passwords: list.some((g) => g.passwords),
    },
    databases: list.map((g) => g.database),
  };
}

/**
 * The globals script of one or more snapshots (pg_dumpall --globals-only's sections, then each
 * database as pg_dump --create defines it).
 */
export function renderGlobals(input: GlobalsRecord | readonly GlobalsRecord[], header: string[] = []): string {
  const { shared: g, databases } = mergeGlobals(Array.isArray(input) ? input : [input as GlobalsRecord]);
  const q = quoterFor(g);
  const v = g.serverVersionNum;
  let out = '--\n-- pgvault globals: what a bare server needs for these databases (roles, memberships, tablespaces, the databases)\n';
  for (const h of header) out += `-- ${h}\n`;
  out += '--\n\nSET default_transaction_read_only = off;\n\nSET client_encoding = \'UTF8\';\nSET standard_conforming_strings = on;\n\n';
  out += section('Roles');
  for (const r of g.roles) out += createRoleSql(q, r);
  if (g.roles.some((r) => r.settings.length)) {
    out += `\n${section('User Configurations')}`;
    for (const r of g.roles) if (r.settings.length) out += `--\n-- User Config "${r.name}"\n--\n\n${roleSettingsSql(q, r)}\n`;
  }
  if (g.memberships.length) {
    out += `\n${section('Role memberships')}`;
    for (const m of g.memberships) out += membershipSql(q, m);
  }
  if (g.tablespaces.length) {
    out += `\n${section('Tablespaces')}`;
    for (const t of g.tablespaces) out += createTablespaceSql(q, t, v);
  }
  for (const d of databases) {
    out += `\n${section(`Database ${d.name}`)}`;
    out += createDatabaseSql(q, d);
    out += `ALTER DATABASE ${q.id(d.name)} OWNER TO ${q.id(d.owner)};\n`;
    out += databasePropertiesSql(q, d);
    out += databaseAclSql(q, d, v);
  }
  out += '\n--\n-- pgvault globals complete\n--\n';
  return out;
}
