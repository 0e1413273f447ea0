/**
 * Compare a snapshot's globals with a target server, and bring the server up to what the snapshot needs
 * without touching anything that exists: missing roles are created (with attributes, comment, settings
 * and the memberships that involve them), existing roles are never altered or dropped; their
 * differences from the snapshot are reported.
 */
import type pg from 'pg';
import type { Quoter } from '../dump/schema/quote.js';
import { createRoleSql, membershipSql, roleSettingsSql } from './render.js';
import type { GlobalsRecord, MembershipRecord, RoleRecord } from './types.js';

export interface RoleDifference {
  role: string;
  attribute: string;
  snapshot: string;
  server: string;
}

export interface ServerState {
  /** Roles that exist on the target, as RoleRecords (no password, no comment). */
  roles: Map<string, RoleRecord>;
  /** Existing memberships, as "role\0member". */
  memberships: Set<string>;
  tablespaces: Set<string>;
  databases: Set<string>;
  /** What the connecting role may do. */
  me: { name: string; superuser: boolean; createRole: boolean; createDb: boolean };
  serverVersionNum: number;
}

export async function readServerState(client: pg.Client): Promise<ServerState> {
  const roles = await client.query<{
    rolname: string; rolsuper: boolean; rolinherit: boolean; rolcreaterole: boolean; rolcreatedb: boolean; rolcanlogin: boolean;
    rolreplication: boolean; rolbypassrls: boolean; rolconnlimit: number; rolvaliduntil: string | null;
  }>(`SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit,
             rolvaliduntil::text AS rolvaliduntil FROM pg_catalog.pg_roles`);
  const members = await client.query<{ role: string; member: string }>(`
    SELECT r.rolname AS role, m.rolname AS member FROM pg_catalog.pg_auth_members a
      JOIN pg_catalog.pg_roles r ON r.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member`);
  const spc = await client.query<{ spcname: string }>('SELECT spcname FROM pg_catalog.pg_tablespace');
  const dbs = await client.query<{ datname: string }>('SELECT datname FROM pg_catalog.pg_database');
  const me = await client.query<{ rolname: string; rolsuper: boolean; rolcreaterole: boolean; rolcreatedb: boolean; v: string }>(`
    SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, pg_catalog.current_setting('server_version_num') AS v
      FROM pg_catalog.pg_roles WHERE rolname = current_user`);
  const m = me.rows[0]!;
  return {
    roles: new Map(roles.rows.map((r) => [r.rolname, {
      name: r.rolname, superuser: r.rolsuper, inherit: r.rolinherit, createRole: r.rolcreaterole, createDb: r.rolcreatedb, login: r.rolcanlogin,
      replication: r.rolreplication, bypassRls: r.rolbypassrls, connectionLimit: r.rolconnlimit, validUntil: r.rolvaliduntil, comment: null, settings: [],
    }])),
    memberships: new Set(members.rows.map((x) => `${x.role}\u0000${x.member}`)),
    tablespaces: new Set(spc.rows.map((x) => x.spcname)),
    databases: new Set(dbs.rows.map((x) => x.datname)),
    me: { name: m.rolname, superuser: m.rolsuper, createRole: m.rolcreaterole, createDb: m.rolcreatedb },
    serverVersionNum: Number(m.v),
  };
}

const ATTRIBUTES: [keyof RoleRecord, string][] = [
  ['superuser', 'SUPERUSER'], ['inherit', 'INHERIT'], ['createRole', 'CREATEROLE'], ['createDb', 'CREATEDB'], ['login', 'LOGIN'],
  ['replication', 'REPLICATION'], ['bypassRls', 'BYPASSRLS'], ['connectionLimit', 'CONNECTION LIMIT'], ['validUntil', 'VALID UNTIL'],
];

/** Attributes of roles that exist on both sides and differ (passwords, comments and settings are not compared). */
export function roleDifferences(g: GlobalsRecord, server: ServerState): RoleDifference[] {
  const out: RoleDifference[] = [];
  for (const r of g.roles) {
    const s = server.roles.get(r.name);
    if (!s) continue;
    for (const [k, label] of ATTRIBUTES) {
      if (r[k] !== s[k]) out.push({ role: r.name, attribute: label, snapshot: String(r[k]), server: String(s[k]) });
    }
  }
  return out;
}

export function missingRoles(g: GlobalsRecord, server: ServerState): RoleRecord[] {
  return g.roles.filter((r) => !server.roles.has(r.name));
}

/** Memberships to grant: those not on the server that involve a role we create (existing roles are left as they are). */
export function membershipsToGrant(g: GlobalsRecord, server: ServerState, created: ReadonlySet<string>): MembershipRecord[] {
  return g.memberships.filter((m) => !server.memberships.has(`${m.role}\u0000${m.member}`) && (created.has(m.role) || created.has(m.member)));
}

/** Memberships the snapshot has between existing roles and the server lacks (reported, not granted). */
export function membershipsMissingBetweenExisting(g: GlobalsRecord, server: ServerState, created: ReadonlySet<string>): MembershipRecord[] {
  return g.memberships.filter((m) => !server.memberships.has(`${m.role}\u0000${m.member}`) && !created.has(m.role) && !created.has(m.member));
}

/** The SQL that creates `roles` and grants `memberships` (run in one transaction: roles are transactional). */
export function createRolesSql(q: Quoter, roles: readonly RoleRecord[], memberships: readonly MembershipRecord[], server: ServerState): string {
  let sql = '';
  for (const r of roles) sql += createRoleSql(q, r);
  for (const r of roles) sql += roleSettingsSql(q, r);
  // GRANTED BY only when the grantor exists and we may name it (a superuser may name any role).
  const known = (name: string | null): boolean => name !== null && (server.roles.has(name) || roles.some((r) => r.name === name));
  for (const m of memberships) sql += membershipSql(q, m, { grantedBy: server.me.superuser && known(m.grantor) });
  return sql;
}
