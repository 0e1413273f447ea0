/**
 * What a bare server needs before a database's script can load: the roles the database references
 * (with attributes, comments and settings), their memberships, the tablespaces it uses, and the
 * database's own properties. Recorded in every snapshot manifest as `globals` (docs/format.md).
 * Everything is stored as catalog values, not SQL, so restore can compare it with a target server;
 * render.ts turns it into `pg_dumpall --globals-only`-style SQL.
 */

export const GLOBALS_VERSION = 1;

export interface RoleRecord {
  name: string;
  superuser: boolean;
  inherit: boolean;
  createRole: boolean;
  createDb: boolean;
  login: boolean;
  replication: boolean;
  bypassRls: boolean;
  /** -1 = no limit. */
  connectionLimit: number;
  /** `rolvaliduntil` as text (ISO date style, with UTC offset), or null. */
  validUntil: string | null;
  /** The password hash, only when the backup was asked for it (`--role-passwords`) and could read it. */
  password?: string | null;
  comment: string | null;
  /** `ALTER ROLE … SET` entries (`name=value`, as in pg_db_role_setting.setconfig). */
  settings: string[];
}

export interface MembershipRecord {
  /** The granted role. */
  role: string;
  member: string;
  grantor: string | null;
  admin: boolean;
  /** PostgreSQL 16+: the grant's INHERIT and SET options (absent before 16). */
  inherit?: boolean;
  set?: boolean;
}

export interface TablespaceRecord {
  name: string;
  owner: string;
  location: string;
  /** `spcoptions` entries (`name=value`), or null. */
  options: string[] | null;
  /** `spcacl` items as aclitemout() prints them, or null for the default. */
  acl: string[] | null;
  comment: string | null;
}

export interface DatabaseRecord {
  name: string;
  owner: string;
  encoding: string;
  /** `datlocprovider`: c (libc), i (icu), b (builtin, 17+). Absent before 15. */
  localeProvider?: string;
  collate: string;
  ctype: string;
  /** ICU (15+) or builtin (17+) locale, and ICU rules (16+). */
  locale?: string | null;
  icuRules?: string | null;
  connectionLimit: number;
  isTemplate: boolean;
  allowConnections: boolean;
  /** Default tablespace, null for pg_default. */
  tablespace: string | null;
  acl: string[] | null;
  comment: string | null;
  /** `ALTER DATABASE … SET` entries. */
  settings: string[];
  /** `ALTER ROLE … IN DATABASE … SET` entries, per role. */
  roleSettings: { role: string; settings: string[] }[];
}

export interface GlobalsRecord {
  version: typeof GLOBALS_VERSION;
  /** server_version_num of the source. */
  serverVersionNum: number;
  /** Names used here that are SQL keywords needing quotes on the source server (for rendering without a server). */
  keywords: string[];
  roles: RoleRecord[];
  memberships: MembershipRecord[];
  tablespaces: TablespaceRecord[];
  database: DatabaseRecord;
  /** True when role password hashes were requested and recorded. */
  passwords: boolean;
}
