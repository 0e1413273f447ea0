/**
 * Read the globals a database needs (./types.ts) from its server's catalogs, with the connection the
 * backup uses (any role that can connect can read them; password hashes need pg_authid, i.e. a
 * superuser, and are read only when asked for).
 *
 * Which roles: every role the database references (owners of its objects, grantees and grantors in
 * its ACLs, default-privilege roles, policy roles, user mappings, the database owner, roles with
 * settings in this database, owners and grantees of the tablespaces it uses), then the roles that are
 * members of those (transitively: the people who log in as members of a group role), then every role
 * those are members of (transitively: memberships need both ends), then the grantors of all these
 * memberships. Predefined `pg_*` roles are never listed (every server has them), but memberships in
 * them are.
 */
import type pg from 'pg';
import { DatabaseError } from '../errors.js';
import {
  GLOBALS_VERSION, type DatabaseRecord, type GlobalsRecord, type MembershipRecord, type RoleRecord, type TablespaceRecord,
} from './types.js';

export interface ReadGlobalsOptions {
  /** Record role password hashes (needs a role that can read pg_authid). */
  rolePasswords?: boolean;
}

/** Objects created after initdb (FirstNormalObjectId), and the public schema, whose ACL users change. */
const USER_OID = 16384;

function referencedRolesSql(v: number): string {
  const owner = (col: string, table: string): string => `SELECT ${col} FROM pg_catalog.${table} WHERE oid >= ${USER_OID}`;
  const acl = (col: string, table: string, extra = ''): string =>
    `SELECT (pg_catalog.aclexplode(${col})).* FROM pg_catalog.${table} WHERE (oid >= ${USER_OID}${extra}) AND ${col} IS NOT NULL`;
  const owners = [
    owner('relowner', 'pg_class'), owner('nspowner', 'pg_namespace'), owner('proowner', 'pg_proc'), owner('typowner', 'pg_type'),
    owner('oprowner', 'pg_operator'), owner('opcowner', 'pg_opclass'), owner('opfowner', 'pg_opfamily'),
    owner('collowner', 'pg_collation'), owner('conowner', 'pg_conversion'), owner('dictowner', 'pg_ts_dict'),
    owner('cfgowner', 'pg_ts_config'), owner('lanowner', 'pg_language'), owner('extowner', 'pg_extension'),
    owner('fdwowner', 'pg_foreign_data_wrapper'), owner('srvowner', 'pg_foreign_server'), owner('evtowner', 'pg_event_trigger'),
    owner('pubowner', 'pg_publication'), owner('stxowner', 'pg_statistic_ext'), owner('lomowner', 'pg_largeobject_metadata'),
    'SELECT defaclrole FROM pg_catalog.pg_default_acl',
    'SELECT umuser FROM pg_catalog.pg_user_mappings WHERE umuser <> 0',
    'SELECT pg_catalog.unnest(polroles) FROM pg_catalog.pg_policy',
    'SELECT subowner FROM pg_catalog.pg_subscription WHERE subdbid = (SELECT oid FROM me)',
    'SELECT datdba FROM pg_catalog.pg_database WHERE oid = (SELECT oid FROM me)',
    'SELECT setrole FROM pg_catalog.pg_db_role_setting WHERE setdatabase = (SELECT oid FROM me) AND setrole <> 0',
    'SELECT spcowner FROM pg_catalog.pg_tablespace WHERE oid IN (SELECT oid FROM spc)',
  ];
  const acls = [
    acl('relacl', 'pg_class'), acl('nspacl', 'pg_namespace', ' OR oid = 2200'), acl('proacl', 'pg_proc'), acl('typacl', 'pg_type'),
    acl('lanacl', 'pg_language'), acl('fdwacl', 'pg_foreign_data_wrapper'), acl('srvacl', 'pg_foreign_server'),
    acl('lomacl', 'pg_largeobject_metadata'), acl('defaclacl', 'pg_default_acl', ' OR true'),
    `SELECT (pg_catalog.aclexplode(attacl)).* FROM pg_catalog.pg_attribute WHERE attrelid >= ${USER_OID} AND attacl IS NOT NULL`,
    'SELECT (pg_catalog.aclexplode(datacl)).* FROM pg_catalog.pg_database WHERE oid = (SELECT oid FROM me) AND datacl IS NOT NULL',
    'SELECT (pg_catalog.aclexplode(spcacl)).* FROM pg_catalog.pg_tablespace WHERE oid IN (SELECT oid FROM spc) AND spcacl IS NOT NULL',
  ];
  void v;
  return `
    WITH RECURSIVE me AS (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()),
    spc AS (SELECT DISTINCT reltablespace AS oid FROM pg_catalog.pg_class WHERE reltablespace <> 0
            UNION SELECT dattablespace FROM pg_catalog.pg_database WHERE oid = (SELECT oid FROM me)),
    acl AS (${acls.join('\n UNION ALL ')}),
    refs(oid) AS (${owners.join('\n UNION ')}
      UNION SELECT grantee FROM acl WHERE grantee <> 0 UNION SELECT grantor FROM acl WHERE grantor <> 0),
    down(oid) AS (SELECT oid FROM refs UNION SELECT m.member FROM pg_catalog.pg_auth_members m JOIN down d ON m.roleid = d.oid),
    up(oid) AS (SELECT oid FROM down UNION SELECT m.roleid FROM pg_catalog.pg_auth_members m JOIN up u ON m.member = u.oid),
    withgrantors(oid) AS (SELECT oid FROM up
      UNION SELECT m.grantor FROM pg_catalog.pg_auth_members m WHERE m.member IN (SELECT oid FROM up) AND m.roleid IN (SELECT oid FROM up))
    SELECT r.oid::int8 AS oid FROM withgrantors w JOIN pg_catalog.pg_roles r ON r.oid = w.oid`;
}

function databaseError(e: unknown, what: string): DatabaseError {
  return new DatabaseError(`reading the ${what} for the backup's globals failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

interface RoleRow {
  oid: string; rolname: string; rolsuper: boolean; rolinherit: boolean; rolcreaterole: boolean; rolcreatedb: boolean;
  rolcanlogin: boolean; rolreplication: boolean; rolbypassrls: boolean; rolconnlimit: number; rolvaliduntil: string | null;
  comment: string | null; settings: string[] | null;
}

async function readRoles(client: pg.Client, oids: string[], rolePasswords: boolean): Promise<RoleRecord[]> {
  const r = await client.query<RoleRow>(`
    SELECT r.oid::int8 AS oid, r.rolname, r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
           r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil::text AS rolvaliduntil,
           pg_catalog.shobj_description(r.oid, 'pg_authid') AS comment,
           (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = 0 AND s.setrole = r.oid) AS settings
      FROM pg_catalog.pg_roles r WHERE r.oid = ANY($1::oid[]) AND r.rolname !~ '^pg_' ORDER BY r.rolname COLLATE "C"`, [oids]);
  let passwords = new Map<string, string | null>();
  if (rolePasswords && r.rows.length > 0) {
    try {
      const p = await client.query<{ oid: string; rolpassword: string | null }>(
        'SELECT oid::int8 AS oid, rolpassword FROM pg_catalog.pg_authid WHERE oid = ANY($1::oid[])', [oids]);
      passwords = new Map(p.rows.map((x) => [x.oid, x.rolpassword]));
    } catch (e) {
      throw new DatabaseError(`--role-passwords: the backup role cannot read role password hashes (${e instanceof Error ? e.message : String(e)}); ` +
        'run the backup as a superuser to record them, or leave out --role-passwords (restores then create roles without passwords)', { cause: e });
    }
  }
  return r.rows.map((x) => {
    const role: RoleRecord = {
      name: x.rolname, superuser: x.rolsuper, inherit: x.rolinherit, createRole: x.rolcreaterole, createDb: x.rolcreatedb,
      login: x.rolcanlogin, replication: x.rolreplication, bypassRls: x.rolbypassrls, connectionLimit: x.rolconnlimit,
      validUntil: x.rolvaliduntil, comment: x.comment, settings: x.settings ?? [],
    };
    if (rolePasswords) role.password = passwords.get(x.oid) ?? null;
    return role;
  });
}

async function readMemberships(client: pg.Client, oids: string[], v: number): Promise<MembershipRecord[]> {
  const opts = v >= 160000 ? ', a.inherit_option, a.set_option' : '';
  const r = await client.query<{ role: string; member: string; grantor: string | null; admin_option: boolean; inherit_option?: boolean; set_option?: boolean }>(`
    SELECT ur.rolname AS role, um.rolname AS member, ug.rolname AS grantor, a.admin_option${opts}
      FROM pg_catalog.pg_auth_members a
      JOIN pg_catalog.pg_roles ur ON ur.oid = a.roleid
      JOIN pg_catalog.pg_roles um ON um.oid = a.member
      LEFT JOIN pg_catalog.pg_roles ug ON ug.oid = a.grantor
     WHERE a.member = ANY($1::oid[]) AND (a.roleid = ANY($1::oid[]) OR ur.rolname ~ '^pg_')
       AND NOT (ur.rolname ~ '^pg_' AND um.rolname ~ '^pg_')
     ORDER BY ur.rolname COLLATE "C", um.rolname COLLATE "C", a.admin_option, ug.rolname COLLATE "C"`, [oids]);
  return r.rows.map((x) => {
    const m: MembershipRecord = { role: x.role, member: x.member, grantor: x.grantor, admin: x.admin_option };
    if (x.inherit_option !== undefined) m.inherit = x.inherit_option;
    if (x.set_option !== undefined) m.set = x.set_option;
    return m;
  });
}

async function readTablespaces(client: pg.Client): Promise<TablespaceRecord[]> {
  const r = await client.query<{ spcname: string; owner: string; location: string; spcoptions: string[] | null; spcacl: string[] | null; comment: string | null }>(`
    SELECT t.spcname, pg_catalog.pg_get_userbyid(t.spcowner) AS owner, pg_catalog.pg_tablespace_location(t.oid) AS location,
           t.spcoptions, t.spcacl::text[] AS spcacl, pg_catalog.shobj_description(t.oid, 'pg_tablespace') AS comment
      FROM pg_catalog.pg_tablespace t
     WHERE t.spcname !~ '^pg_' AND t.oid IN (
       SELECT reltablespace FROM pg_catalog.pg_class WHERE reltablespace <> 0
       UNION SELECT dattablespace FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
     ORDER BY t.spcname COLLATE "C"`);
  return r.rows.map((x) => ({ name: x.spcname, owner: x.owner, location: x.location, options: x.spcoptions, acl: x.spcacl, comment: x.comment }));
}

async function readDatabase(client: pg.Client, v: number): Promise<DatabaseRecord> {
  const cols = [
    v >= 150000 ? 'd.datlocprovider::text AS provider' : 'NULL::text AS provider',
    v >= 170000 ? 'd.datlocale AS locale' : v >= 150000 ? 'd.daticulocale AS locale' : 'NULL::text AS locale',
    v >= 160000 ? 'd.daticurules AS icurules' : 'NULL::text AS icurules',
  ];
  const r = await client.query<{
    datname: string; owner: string; encoding: string; datcollate: string; datctype: string; provider: string | null; locale: string | null;
    icurules: string | null; datconnlimit: number; datistemplate: boolean; datallowconn: boolean; spcname: string; datacl: string[] | null;
    comment: string | null; settings: string[] | null;
  }>(`
    SELECT d.datname, pg_catalog.pg_get_userbyid(d.datdba) AS owner, pg_catalog.pg_encoding_to_char(d.encoding) AS encoding,
           d.datcollate, d.datctype, ${cols.join(', ')}, d.datconnlimit, d.datistemplate, d.datallowconn, t.spcname,
           d.datacl::text[] AS datacl, pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
           (SELECT s.setconfig FROM pg_catalog.pg_db_role_setting s WHERE s.setdatabase = d.oid AND s.setrole = 0) AS settings
      FROM pg_catalog.pg_database d JOIN pg_catalog.pg_tablespace t ON t.oid = d.dattablespace
     WHERE d.datname = pg_catalog.current_database()`);
  const x = r.rows[0];
  if (!x) throw new DatabaseError('the current database is missing from pg_database');
  const rs = await client.query<{ role: string; settings: string[] }>(`
    SELECT r.rolname AS role, s.setconfig AS settings FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
     WHERE s.setdatabase = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
     ORDER BY r.rolname COLLATE "C"`);
  const db: DatabaseRecord = {
    name: x.datname, owner: x.owner, encoding: x.encoding, collate: x.datcollate, ctype: x.datctype,
    connectionLimit: x.datconnlimit, isTemplate: x.datistemplate, allowConnections: x.datallowconn,
    tablespace: x.spcname === 'pg_default' ? null : x.spcname, acl: x.datacl, comment: x.comment,
    settings: x.settings ?? [], roleSettings: rs.rows.map((y) => ({ role: y.role, settings: y.settings })),
  };
  if (x.provider !== null) db.localeProvider = x.provider;
  if (v >= 150000) db.locale = x.locale;
  if (v >= 160000) db.icuRules = x.icurules;
  return db;
}

function namesOf(g: Omit<GlobalsRecord, 'keywords'>): Set<string> {
  const out = new Set<string>();
  for (const r of g.roles) out.add(r.name);
  for (const m of g.memberships) { out.add(m.role); out.add(m.member); if (m.grantor) out.add(m.grantor); }
  for (const t of g.tablespaces) { out.add(t.name); out.add(t.owner); }
  out.add(g.database.name);
  out.add(g.database.owner);
  if (g.database.tablespace) out.add(g.database.tablespace);
  for (const s of g.database.roleSettings) out.add(s.role);
  return out;
}

/** Read the globals of the database `client` is connected to. */
export async function readGlobals(client: pg.Client, opts: ReadGlobalsOptions = {}): Promise<GlobalsRecord> {
  let v: number;
  try {
    v = Number((await client.query<{ v: string }>("SELECT pg_catalog.current_setting('server_version_num') AS v")).rows[0]!.v);
  } catch (e) { throw databaseError(e, 'server version'); }
  let oids: string[];
  try {
    oids = (await client.query<{ oid: string }>(referencedRolesSql(v))).rows.map((x) => x.oid);
  } catch (e) { throw databaseError(e, 'roles the database references'); }
  let roles: RoleRecord[];
  let memberships: MembershipRecord[];
  let tablespaces: TablespaceRecord[];
  let database: DatabaseRecord;
  try {
    roles = await readRoles(client, oids, opts.rolePasswords === true);
    memberships = await readMemberships(client, oids, v);
    tablespaces = await readTablespaces(client);
    database = await readDatabase(client, v);
  } catch (e) {
    if (e instanceof DatabaseError) throw e;
    throw databaseError(e, 'roles, memberships, tablespaces and database properties');
  }
  const g: Omit<GlobalsRecord, 'keywords'> = { version: GLOBALS_VERSION, serverVersionNum: v, roles, memberships, tablespaces, database, passwords: opts.rolePasswords === true };
  let keywords: string[] = [];
  try {
    const kw = await client.query<{ word: string }>("SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'");
    const names = namesOf(g);
    keywords = kw.rows.map((x) => x.word).filter((w) => names.has(w)).sort();
  } catch (e) { throw databaseError(e, 'SQL keywords'); }
  return { ...g, keywords };
}
