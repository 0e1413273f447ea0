/**
 * What "owners, grants and settings identical to the source" means, as catalog queries run on both
 * servers and compared: the roles (attributes, comments, settings), memberships, the database's
 * properties, and in the database every object's owner and ACL, column ACLs, default privileges and
 * policy roles, plus row counts.
 */
import type { PgCluster } from '../helpers/pg.js';

export async function clusterCatalog(pg: PgCluster, roles: readonly string[]): Promise<Record<string, unknown>> {
  const v = Number((await pg.query<{ v: string }>('postgres', "SELECT current_setting('server_version_num') AS v"))[0]!.v);
  const opts = v >= 160000 ? ', a.inherit_option, a.set_option' : '';
  return {
    roles: await pg.query('postgres', `
      SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit,
             rolvaliduntil::text, shobj_description(oid, 'pg_authid') AS comment
        FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname`, [roles]),
    memberships: await pg.query('postgres', `
      SELECT r.rolname AS role, m.rolname AS member, g.rolname AS grantor, a.admin_option${opts}
        FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member LEFT JOIN pg_roles g ON g.oid = a.grantor
       WHERE m.rolname = ANY($1) ORDER BY 1, 2`, [roles]),
    settings: await pg.query('postgres', `
      SELECT d.datname, r.rolname, s.setconfig FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
        LEFT JOIN pg_roles r ON r.oid = s.setrole WHERE d.datname IS NULL OR d.datname NOT LIKE 'template%' ORDER BY 1 NULLS FIRST, 2 NULLS FIRST`),
  };
}

export async function databaseCatalog(pg: PgCluster, db: string): Promise<Record<string, unknown>> {
  return {
    database: await pg.query('postgres', `
      SELECT datname, pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS encoding, datcollate, datctype, datconnlimit,
             datistemplate, datallowconn, datacl::text, shobj_description(oid, 'pg_database') AS comment
        FROM pg_database WHERE datname = $1`, [db]),
    objects: await pg.query(db, `
      SELECT n.nspname, c.relname, c.relkind, pg_get_userbyid(c.relowner) AS owner, c.relacl::text, c.relrowsecurity
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`),
    schemas: await pg.query(db, "SELECT nspname, pg_get_userbyid(nspowner) AS owner, nspacl::text FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1"),
    columnAcls: await pg.query(db, `
      SELECT attrelid::regclass::text AS rel, attname, attacl::text FROM pg_attribute WHERE attacl IS NOT NULL AND attrelid >= 16384 ORDER BY 1, 2`),
    defaultAcls: await pg.query(db, 'SELECT pg_get_userbyid(defaclrole) AS role, defaclobjtype, defaclacl::text FROM pg_default_acl ORDER BY 1, 2'),
    policies: await pg.query(db, 'SELECT polname, polrelid::regclass::text AS rel, ARRAY(SELECT rolname FROM pg_roles WHERE oid = ANY(polroles) ORDER BY 1) AS roles FROM pg_policy ORDER BY 1'),
    rows: await pg.query(db, `
      SELECT c.relname, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS n
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 1`),
  };
}
