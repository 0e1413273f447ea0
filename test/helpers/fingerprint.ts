/**
 * A canonical text fingerprint of one database, for round-trip comparisons on any server version
 * (pg_dump 15 cannot read a PostgreSQL 17 server, so this is the comparator there).
 *
 * `fingerprint()` returns named sections of lines. Catalog sections render every user object by
 * name (never by OID, except large objects whose OIDs a dump preserves) through the server's own
 * deparsers (`pg_get_*def`, `format_type`, `pg_describe_object`); data sections hold per-table row
 * counts and an order-independent content hash, sequence values, and large-object content hashes.
 * The session is pinned first (empty search_path, ISO dates, postgres intervals, UTC, 3 extra float
 * digits, hex bytea, ...) so the text depends only on the database, not on its defaults.
 *
 * Normalizations (each one documented in docs/dump-testing.md):
 *   - NULL ACLs are replaced by `acldefault(kind, owner)`, and ACL items are sorted (an ACL array's
 *     order has no meaning; NULL means "the default"); an empty column ACL equals NULL.
 *   - columns are numbered by their position among non-dropped columns (dropped columns vanish
 *     in any logical dump; attnum gaps are not part of the schema).
 *   - `connoinherit` is shown for CHECK constraints only (pg_dump.md §8.6: PK/UNIQUE copies on
 *     partitions get `connoinherit = true` from `ALTER TABLE ONLY`, with no effect).
 *   - dependency lines that name OID-derived objects (TOAST tables, internal RI triggers) are dropped.
 * Extension members are excluded from the object sections (CREATE EXTENSION recreates them), but
 * their ACLs are compared (a dump must keep member ACL changes).
 */
import pg from 'pg';

export type Sections = Record<string, string[]>;

/** Settings pinned on the fingerprint connection. */
export const FINGERPRINT_SESSION_SQL = [
  `SELECT pg_catalog.set_config('search_path', '', false)`,
  `SET DateStyle = ISO`,
  `SET IntervalStyle = postgres`,
  `SET TimeZone = 'UTC'`,
  `SET extra_float_digits = 3`,
  `SET bytea_output = hex`,
  `SET standard_conforming_strings = on`,
  `SET quote_all_identifiers = off`,
  `SET xmloption = content`,
  `SET row_security = off`,
  `SET statement_timeout = 0`,
  `SET lock_timeout = 0`,
  `SET idle_in_transaction_session_timeout = 0`,
  `SET default_transaction_read_only = off`,
];

const USER_NS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname !~ '^pg_(toast_)?temp_'`;

function notExtMember(catalog: string, oidExpr: string): string {
  return `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oidExpr} AND e.deptype = 'e')`;
}

/** Sorted ACL text with NULL replaced by the server's default for (kind, owner). */
function aclText(col: string, kindSql: string, owner: string): string {
  return `(SELECT string_agg(x::text, ',' ORDER BY x::text COLLATE "C") FROM unnest(COALESCE(${col}, acldefault((${kindSql})::"char", ${owner}))) AS x)`;
}

/** Options (`name=value` text[]) as a sorted list: FDW-style option lists are sets (pg_dump re-sorts them, §8.5c). */
function optionsText(col: string): string {
  return `(SELECT string_agg(o, ',' ORDER BY o COLLATE "C") FROM unnest(${col}) AS o)`;
}

/** Sorted column ACL text; NULL and empty are the same (no column privileges). */
function colAclText(col: string): string {
  return `(SELECT string_agg(x::text, ',' ORDER BY x::text COLLATE "C") FROM unnest(${col}) AS x)`;
}

const REL_QUERY_KINDS = `('r', 'p', 'v', 'm', 'S', 'f', 'c')`;

/**
 * Catalog queries for a server of `v` (server_version_num): each returns one text column `line`.
 * Columns a major lacks are rendered as absent (13: no attcompression, no multiranges; 13–14: no publication
 * row filters, column lists or schemas), so every major is compared on everything its catalogs hold.
 */
function catalogQueries(v: number): Record<string, string> {
  const v14 = v >= 140000;
  const v15 = v >= 150000;
  const v18 = v >= 180000;
  return {
    schemas: `
      SELECT concat_ws(' | ', quote_ident(n.nspname), 'owner=' || pg_get_userbyid(n.nspowner),
                       'acl=' || ${aclText('n.nspacl', "'n'", 'n.nspowner')}) AS line
      FROM pg_namespace n WHERE ${USER_NS} AND ${notExtMember('pg_namespace', 'n.oid')}`,

    extensions: `
      SELECT concat_ws(' | ', quote_ident(x.extname), 'version=' || x.extversion, 'schema=' || quote_ident(n.nspname),
                       'relocatable=' || x.extrelocatable,
                       'config=' || (SELECT string_agg(c::regclass::text, ',' ORDER BY c::regclass::text) FROM unnest(x.extconfig) AS c),
                       'condition=' || array_to_string(x.extcondition, ',')) AS line
      FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace`,

    relations: `
      SELECT concat_ws(' | ', c.oid::regclass::text, 'kind=' || c.relkind::text, 'owner=' || pg_get_userbyid(c.relowner),
                       'persistence=' || c.relpersistence::text, 'replident=' || c.relreplident::text,
                       'rls=' || c.relrowsecurity || '/' || c.relforcerowsecurity,
                       CASE WHEN c.relkind = 'm' THEN 'populated=' || c.relispopulated END,
                       'am=' || am.amname, 'options=' || array_to_string(c.reloptions, ','),
                       'toast_options=' || (SELECT array_to_string(t.reloptions, ',') FROM pg_class t WHERE t.oid = c.reltoastrelid),
                       'partkey=' || CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END,
                       'bound=' || pg_get_expr(c.relpartbound, c.oid),
                       'parents=' || (SELECT string_agg(i.inhparent::regclass::text, ',' ORDER BY i.inhseqno) FROM pg_inherits i WHERE i.inhrelid = c.oid),
                       'of=' || CASE WHEN c.reloftype <> 0 THEN c.reloftype::regtype::text END,
                       'tablespace=' || c.reltablespace,
                       'acl=' || CASE WHEN c.relkind <> 'c' THEN ${aclText('c.relacl', "CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END", 'c.relowner')} END) AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_am am ON am.oid = c.relam
      WHERE c.relkind IN ${REL_QUERY_KINDS} AND ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    columns: `
      SELECT concat_ws(' | ', c.oid::regclass::text || ' #' || row_number() OVER (PARTITION BY c.oid ORDER BY a.attnum),
                       quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
                       CASE WHEN a.attnotnull THEN 'NOT NULL' END,
                       'default=' || pg_get_expr(d.adbin, d.adrelid),
                       'identity=' || nullif(a.attidentity::text, ''), 'generated=' || nullif(a.attgenerated::text, ''),
                       'collation=' || CASE WHEN a.attcollation <> t.typcollation THEN a.attcollation::regcollation::text END,
                       'storage=' || a.attstorage::text, 'compression=' || ${v14 ? "nullif(a.attcompression::text, '')" : 'NULL'},
                       'stattarget=' || a.attstattarget, 'options=' || array_to_string(a.attoptions, ','),
                       'local=' || a.attislocal, 'inhcount=' || a.attinhcount,
                       'acl=' || ${colAclText('a.attacl')}) AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      JOIN pg_type t ON t.oid = a.atttypid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relkind IN ${REL_QUERY_KINDS} AND ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    constraints: `
      SELECT concat_ws(' | ', quote_ident(con.conname) || ' on ' || COALESCE(con.conrelid::regclass::text, 'domain ' || con.contypid::regtype::text),
                       pg_get_constraintdef(con.oid), 'validated=' || con.convalidated,
                       'deferrable=' || con.condeferrable || '/' || con.condeferred,
                       'local=' || con.conislocal, 'inhcount=' || con.coninhcount,
                       CASE WHEN con.contype IN ('c', 'n') THEN 'noinherit=' || con.connoinherit END,
                       ${v18 ? "'enforced=' || con.conenforced, 'period=' || con.conperiod," : ''}
                       'index=' || CASE WHEN con.conindid <> 0 THEN con.conindid::regclass::text END,
                       'parent=' || (SELECT quote_ident(p.conname) || ' on ' || COALESCE(p.conrelid::regclass::text, '-') FROM pg_constraint p WHERE p.oid = con.conparentid)) AS line
      FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_constraint', 'con.oid')}
        AND (con.conrelid = 0 OR ${notExtMember('pg_class', 'con.conrelid')})
        AND (con.contypid = 0 OR ${notExtMember('pg_type', 'con.contypid')})`,

    indexes: `
      SELECT concat_ws(' | ', i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid),
                       'clustered=' || i.indisclustered, 'replident=' || i.indisreplident, 'valid=' || i.indisvalid,
                       'parent=' || (SELECT h.inhparent::regclass::text FROM pg_inherits h WHERE h.inhrelid = i.indexrelid),
                       'stattargets=' || (SELECT string_agg(ia.attnum || ':' || ia.attstattarget, ',' ORDER BY ia.attnum)
                                          FROM pg_attribute ia WHERE ia.attrelid = i.indexrelid AND ia.attstattarget > 0)) AS line
      FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    triggers: `
      SELECT concat_ws(' | ', quote_ident(tg.tgname) || ' on ' || tg.tgrelid::regclass::text, pg_get_triggerdef(tg.oid, false),
                       'enabled=' || tg.tgenabled::text, CASE WHEN tg.tgparentid <> 0 THEN 'clone' END) AS line
      FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT tg.tgisinternal AND ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    rules: `
      SELECT concat_ws(' | ', quote_ident(r.rulename) || ' on ' || r.ev_class::regclass::text, pg_get_ruledef(r.oid), 'enabled=' || r.ev_enabled::text) AS line
      FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE r.rulename <> '_RETURN' AND ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    policies: `
      SELECT concat_ws(' | ', quote_ident(p.polname) || ' on ' || p.polrelid::regclass::text, 'cmd=' || p.polcmd::text, 'permissive=' || p.polpermissive,
                       'roles=' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END, ',' ORDER BY 1) FROM unnest(p.polroles) AS r),
                       'using=' || pg_get_expr(p.polqual, p.polrelid), 'check=' || pg_get_expr(p.polwithcheck, p.polrelid)) AS line
      FROM pg_policy p`,

    functions: `
      SELECT concat_ws(' | ', p.oid::regprocedure::text, 'kind=' || p.prokind::text, 'owner=' || pg_get_userbyid(p.proowner),
                       'acl=' || ${aclText('p.proacl', "'f'", 'p.proowner')},
                       CASE WHEN p.prokind = 'a' THEN
                         'aggregate=' || (SELECT concat_ws(',', a.aggkind::text, a.aggnumdirectargs, a.aggtransfn::regprocedure, nullif(a.aggfinalfn, 0)::regprocedure,
                                                   nullif(a.aggcombinefn, 0)::regprocedure, nullif(a.aggserialfn, 0)::regprocedure, nullif(a.aggdeserialfn, 0)::regprocedure,
                                                   nullif(a.aggmtransfn, 0)::regprocedure, nullif(a.aggminvtransfn, 0)::regprocedure, nullif(a.aggmfinalfn, 0)::regprocedure,
                                                   a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify::text, a.aggmfinalmodify::text, nullif(a.aggsortop, 0)::regoperator,
                                                   a.aggtranstype::regtype, a.aggtransspace, nullif(a.aggmtranstype, 0)::regtype, a.aggmtransspace,
                                                   'init:' || a.agginitval, 'minit:' || a.aggminitval)
                                          FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
                            || ' parallel=' || p.proparallel::text || ' args=' || pg_get_function_arguments(p.oid)
                         ELSE E'\\n' || pg_get_functiondef(p.oid) END) AS line
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_proc', 'p.oid')}`,

    views: `
      SELECT c.oid::regclass::text || E' AS\\n' || pg_get_viewdef(c.oid) AS line
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    types: `
      SELECT concat_ws(' | ', t.oid::regtype::text, 'type=' || t.typtype::text, 'owner=' || pg_get_userbyid(t.typowner),
                       'acl=' || ${aclText('t.typacl', "'T'", 't.typowner')},
                       'labels=' || (SELECT string_agg(quote_literal(e.enumlabel), ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid),
                       'base=' || CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END,
                       CASE WHEN t.typtype = 'd' AND t.typnotnull THEN 'NOT NULL' END,
                       'default=' || pg_get_expr(t.typdefaultbin, 0),
                       'collation=' || CASE WHEN t.typtype = 'd' AND t.typcollation <> (SELECT b.typcollation FROM pg_type b WHERE b.oid = t.typbasetype) THEN t.typcollation::regcollation::text END,
                       'range=' || (SELECT concat_ws(',', r.rngsubtype::regtype, ${v14 ? 'r.rngmultitypid::regtype' : 'NULL'}, nullif(r.rngcollation, 0)::regcollation,
                                                  (SELECT quote_ident(oc.opcname) FROM pg_opclass oc WHERE oc.oid = r.rngsubopc),
                                                  nullif(r.rngcanonical, 0)::regprocedure, nullif(r.rngsubdiff, 0)::regprocedure)
                                    FROM pg_range r WHERE r.rngtypid = t.oid)) AS line
      FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_type', 't.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_type el WHERE el.typarray = t.oid)
        AND (t.typrelid = 0 OR (SELECT rc.relkind FROM pg_class rc WHERE rc.oid = t.typrelid) = 'c')`,

    sequences: `
      SELECT concat_ws(' | ', s.seqrelid::regclass::text, 'type=' || s.seqtypid::regtype::text, 'start=' || s.seqstart, 'increment=' || s.seqincrement,
                       'min=' || s.seqmin, 'max=' || s.seqmax, 'cache=' || s.seqcache, 'cycle=' || s.seqcycle,
                       'owned_by=' || (SELECT d.refobjid::regclass::text || '.' || quote_ident(a.attname) || ' (' || d.deptype::text || ')'
                                       FROM pg_depend d JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
                                       WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i'))) AS line
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_class', 'c.oid')}`,

    comments: `
      SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' IS ' || quote_literal(d.description) AS line
      FROM pg_description d
      WHERE d.objoid >= 16384 OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = 2200)`, // 2200: initdb's public schema

    'extension-member-acls': `
      SELECT pg_describe_object(e.classid, e.objid, 0) || ' acl=' || x.acl AS line
      FROM pg_depend e
      CROSS JOIN LATERAL (
        SELECT ${aclText('c.relacl', "CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END", 'c.relowner')} AS acl FROM pg_class c WHERE e.classid = 'pg_class'::regclass AND c.oid = e.objid
        UNION ALL SELECT ${aclText('p.proacl', "'f'", 'p.proowner')} FROM pg_proc p WHERE e.classid = 'pg_proc'::regclass AND p.oid = e.objid
        UNION ALL SELECT ${aclText('t.typacl', "'T'", 't.typowner')} FROM pg_type t WHERE e.classid = 'pg_type'::regclass AND t.oid = e.objid
        UNION ALL SELECT ${aclText('n.nspacl', "'n'", 'n.nspowner')} FROM pg_namespace n WHERE e.classid = 'pg_namespace'::regclass AND n.oid = e.objid
      ) AS x
      WHERE e.deptype = 'e'`,

    'extension-member-column-acls': `
      SELECT a.attrelid::regclass::text || '.' || quote_ident(a.attname) || ' acl=' || ${colAclText('a.attacl')} AS line
      FROM pg_depend e JOIN pg_attribute a ON a.attrelid = e.objid
      WHERE e.deptype = 'e' AND e.classid = 'pg_class'::regclass AND a.attnum > 0 AND NOT a.attisdropped AND cardinality(a.attacl) > 0`,

    'default-acls': `
      SELECT concat_ws(' | ', 'role=' || quote_ident(pg_get_userbyid(d.defaclrole)),
                       'schema=' || COALESCE(nullif(d.defaclnamespace, 0)::regnamespace::text, '-'),
                       'objtype=' || d.defaclobjtype::text, 'acl=' || ${colAclText('d.defaclacl')}) AS line
      FROM pg_default_acl d`,

    'large-objects': `
      SELECT concat_ws(' | ', 'lo ' || m.oid, 'owner=' || pg_get_userbyid(m.lomowner), 'acl=' || ${aclText('m.lomacl', "'L'", 'm.lomowner')},
                       'bytes=' || length(lo_get(m.oid)), 'md5=' || md5(lo_get(m.oid))) AS line
      FROM pg_largeobject_metadata m`,

    publications: `
      SELECT concat_ws(' | ', quote_ident(p.pubname), 'owner=' || pg_get_userbyid(p.pubowner), 'all=' || p.puballtables,
                       'publish=' || p.pubinsert || p.pubupdate || p.pubdelete || p.pubtruncate, 'viaroot=' || p.pubviaroot${v18 ? ", 'gencols=' || p.pubgencols::text" : ''}) AS line
      FROM pg_publication p
      UNION ALL
      SELECT concat_ws(' | ', quote_ident(p.pubname) || ' table ' || r.prrelid::regclass::text${v15 ? `, 'where=' || pg_get_expr(r.prqual, r.prrelid),
                       'columns=' || (SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = r.prrelid AND a.attnum = ANY (r.prattrs))` : ''})
      FROM pg_publication_rel r JOIN pg_publication p ON p.oid = r.prpubid
      ${v15 ? `UNION ALL
      SELECT quote_ident(p.pubname) || ' schema ' || pn.pnnspid::regnamespace::text
      FROM pg_publication_namespace pn JOIN pg_publication p ON p.oid = pn.pnpubid` : ''}`,

    'event-triggers': `
      SELECT concat_ws(' | ', quote_ident(et.evtname), 'event=' || et.evtevent, 'function=' || et.evtfoid::regprocedure::text,
                       'enabled=' || et.evtenabled::text, 'tags=' || array_to_string(et.evttags, ','), 'owner=' || pg_get_userbyid(et.evtowner)) AS line
      FROM pg_event_trigger et`,

    statistics: `
      SELECT concat_ws(' | ', pg_get_statisticsobjdef(s.oid), 'target=' || s.stxstattarget, 'owner=' || pg_get_userbyid(s.stxowner)) AS line
      FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE ${USER_NS}`,

    collations: `
      SELECT concat_ws(' | ', c.oid::regcollation::text, 'owner=' || pg_get_userbyid(c.collowner),
                       (to_jsonb(c) - 'oid' - 'collnamespace' - 'collowner' - 'collversion' - 'collname' - 'collencoding')::text,
                       'encoding=' || CASE WHEN c.collencoding = -1 THEN (SELECT d.encoding FROM pg_database d WHERE d.datname = current_database()) ELSE c.collencoding END) AS line
      FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace
      WHERE ${USER_NS} AND ${notExtMember('pg_collation', 'c.oid')}`,

    'foreign-data': `
      SELECT concat_ws(' | ', 'wrapper ' || quote_ident(w.fdwname), 'owner=' || pg_get_userbyid(w.fdwowner),
                       'handler=' || nullif(w.fdwhandler, 0)::regproc::text, 'validator=' || nullif(w.fdwvalidator, 0)::regproc::text,
                       'options=' || ${optionsText('w.fdwoptions')}, 'acl=' || ${aclText('w.fdwacl', "'F'", 'w.fdwowner')}) AS line
      FROM pg_foreign_data_wrapper w WHERE ${notExtMember('pg_foreign_data_wrapper', 'w.oid')}
      UNION ALL
      SELECT concat_ws(' | ', 'server ' || quote_ident(s.srvname), 'wrapper=' || quote_ident(w.fdwname), 'owner=' || pg_get_userbyid(s.srvowner),
                       'type=' || s.srvtype, 'version=' || s.srvversion, 'options=' || ${optionsText('s.srvoptions')},
                       'acl=' || ${aclText('s.srvacl', "'S'", 's.srvowner')})
      FROM pg_foreign_server s JOIN pg_foreign_data_wrapper w ON w.oid = s.srvfdw
      UNION ALL
      SELECT concat_ws(' | ', 'user mapping for ' || CASE WHEN m.umuser = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(m.umuser)) END
                       || ' server ' || quote_ident(s.srvname), 'options=' || ${optionsText('m.umoptions')})
      FROM pg_user_mapping m JOIN pg_foreign_server s ON s.oid = m.umserver
      UNION ALL
      SELECT concat_ws(' | ', 'foreign table ' || f.ftrelid::regclass::text, 'server=' || quote_ident(s.srvname), 'options=' || ${optionsText('f.ftoptions')},
                       'column options=' || (SELECT string_agg(quote_ident(a.attname) || ':' || ${optionsText('a.attfdwoptions')}, ';' ORDER BY a.attnum)
                                             FROM pg_attribute a WHERE a.attrelid = f.ftrelid AND a.attfdwoptions IS NOT NULL))
      FROM pg_foreign_table f JOIN pg_foreign_server s ON s.oid = f.ftserver`,

    'text-search': `
      SELECT concat_ws(' | ', 'configuration ' || c.oid::regconfig::text, 'parser=' || (SELECT quote_ident(p.prsname) FROM pg_ts_parser p WHERE p.oid = c.cfgparser),
                       'owner=' || pg_get_userbyid(c.cfgowner),
                       'mappings=' || (SELECT string_agg(t.alias || ':' || m.mapseqno || ':' || m.mapdict::regdictionary::text, ',' ORDER BY m.maptokentype, m.mapseqno)
                                       FROM pg_ts_config_map m JOIN ts_token_type(c.cfgparser) AS t ON t.tokid = m.maptokentype WHERE m.mapcfg = c.oid)) AS line
      FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace WHERE ${USER_NS} AND ${notExtMember('pg_ts_config', 'c.oid')}
      UNION ALL
      SELECT concat_ws(' | ', 'dictionary ' || d.oid::regdictionary::text, 'template=' || (SELECT quote_ident(t.tmplname) FROM pg_ts_template t WHERE t.oid = d.dicttemplate),
                       'options=' || d.dictinitoption, 'owner=' || pg_get_userbyid(d.dictowner))
      FROM pg_ts_dict d JOIN pg_namespace n ON n.oid = d.dictnamespace WHERE ${USER_NS} AND ${notExtMember('pg_ts_dict', 'd.oid')}`,

    operators: `
      SELECT concat_ws(' | ', o.oid::regoperator::text, 'kind=' || o.oprkind::text, 'result=' || o.oprresult::regtype::text, 'function=' || o.oprcode::regprocedure::text,
                       'commutator=' || nullif(o.oprcom, 0)::regoperator::text, 'negator=' || nullif(o.oprnegate, 0)::regoperator::text,
                       'restrict=' || nullif(o.oprrest, 0)::regproc::text, 'join=' || nullif(o.oprjoin, 0)::regproc::text,
                       'merges=' || o.oprcanmerge, 'hashes=' || o.oprcanhash, 'owner=' || pg_get_userbyid(o.oprowner)) AS line
      FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace WHERE ${USER_NS} AND ${notExtMember('pg_operator', 'o.oid')}
      UNION ALL
      SELECT concat_ws(' | ', 'opclass ' || quote_ident(n.nspname) || '.' || quote_ident(c.opcname) || ' using ' || am.amname,
                       'type=' || c.opcintype::regtype::text, 'default=' || c.opcdefault, 'keytype=' || nullif(c.opckeytype, 0)::regtype::text,
                       'family=' || (SELECT quote_ident(fn.nspname) || '.' || quote_ident(f.opfname) FROM pg_opfamily f JOIN pg_namespace fn ON fn.oid = f.opfnamespace WHERE f.oid = c.opcfamily),
                       'owner=' || pg_get_userbyid(c.opcowner))
      FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace JOIN pg_am am ON am.oid = c.opcmethod
      WHERE ${USER_NS} AND ${notExtMember('pg_opclass', 'c.oid')}
      UNION ALL
      SELECT concat_ws(' | ', 'opfamily ' || quote_ident(n.nspname) || '.' || quote_ident(f.opfname) || ' using ' || am.amname, 'owner=' || pg_get_userbyid(f.opfowner),
                       'operators=' || (SELECT string_agg(ao.amopstrategy || ':' || ao.amopopr::regoperator::text || ':' || ao.amoppurpose::text, ',' ORDER BY ao.amopstrategy, ao.amopopr::regoperator::text) FROM pg_amop ao WHERE ao.amopfamily = f.oid),
                       'functions=' || (SELECT string_agg(ap.amprocnum || ':' || ap.amproc::regprocedure::text, ',' ORDER BY ap.amprocnum, ap.amproc::regprocedure::text) FROM pg_amproc ap WHERE ap.amprocfamily = f.oid))
      FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace JOIN pg_am am ON am.oid = f.opfmethod
      WHERE ${USER_NS} AND ${notExtMember('pg_opfamily', 'f.oid')}`,

    casts: `
      SELECT concat_ws(' | ', c.castsource::regtype::text || ' -> ' || c.casttarget::regtype::text, 'function=' || nullif(c.castfunc, 0)::regprocedure::text,
                       'context=' || c.castcontext::text, 'method=' || c.castmethod::text) AS line
      FROM pg_cast c WHERE c.oid >= 16384 AND ${notExtMember('pg_cast', 'c.oid')}`,

    /** Every user object of every catalog, by description: catches object kinds no section above looks at. */
    inventory: `
      SELECT pg_describe_object(o.classid, o.objid, 0) || CASE WHEN EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = o.classid AND e.objid = o.objid AND e.deptype = 'e') THEN ' (extension member)' ELSE '' END AS line
      FROM (
        SELECT 'pg_class'::regclass AS classid, c.oid AS objid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${USER_NS}
        UNION ALL SELECT 'pg_type'::regclass, t.oid FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE ${USER_NS}
        UNION ALL SELECT 'pg_proc'::regclass, p.oid FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${USER_NS}
        UNION ALL SELECT 'pg_namespace'::regclass, n.oid FROM pg_namespace n WHERE ${USER_NS}
        UNION ALL SELECT 'pg_constraint'::regclass, oid FROM pg_constraint WHERE oid >= 16384
        UNION ALL SELECT 'pg_trigger'::regclass, oid FROM pg_trigger WHERE oid >= 16384 AND NOT tgisinternal
        UNION ALL SELECT 'pg_rewrite'::regclass, oid FROM pg_rewrite WHERE oid >= 16384
        UNION ALL SELECT 'pg_policy'::regclass, oid FROM pg_policy
        UNION ALL SELECT 'pg_attrdef'::regclass, oid FROM pg_attrdef
        UNION ALL SELECT 'pg_collation'::regclass, oid FROM pg_collation WHERE oid >= 16384
        UNION ALL SELECT 'pg_conversion'::regclass, oid FROM pg_conversion WHERE oid >= 16384
        UNION ALL SELECT 'pg_operator'::regclass, oid FROM pg_operator WHERE oid >= 16384
        UNION ALL SELECT 'pg_opclass'::regclass, oid FROM pg_opclass WHERE oid >= 16384
        UNION ALL SELECT 'pg_opfamily'::regclass, oid FROM pg_opfamily WHERE oid >= 16384
        UNION ALL SELECT 'pg_cast'::regclass, oid FROM pg_cast WHERE oid >= 16384
        UNION ALL SELECT 'pg_am'::regclass, oid FROM pg_am WHERE oid >= 16384
        UNION ALL SELECT 'pg_language'::regclass, oid FROM pg_language WHERE oid >= 16384
        UNION ALL SELECT 'pg_transform'::regclass, oid FROM pg_transform
        UNION ALL SELECT 'pg_ts_config'::regclass, oid FROM pg_ts_config WHERE oid >= 16384
        UNION ALL SELECT 'pg_ts_dict'::regclass, oid FROM pg_ts_dict WHERE oid >= 16384
        UNION ALL SELECT 'pg_ts_parser'::regclass, oid FROM pg_ts_parser WHERE oid >= 16384
        UNION ALL SELECT 'pg_ts_template'::regclass, oid FROM pg_ts_template WHERE oid >= 16384
        UNION ALL SELECT 'pg_foreign_data_wrapper'::regclass, oid FROM pg_foreign_data_wrapper
        UNION ALL SELECT 'pg_foreign_server'::regclass, oid FROM pg_foreign_server
        UNION ALL SELECT 'pg_user_mapping'::regclass, oid FROM pg_user_mapping
        UNION ALL SELECT 'pg_event_trigger'::regclass, oid FROM pg_event_trigger
        UNION ALL SELECT 'pg_publication'::regclass, oid FROM pg_publication
        UNION ALL SELECT 'pg_publication_rel'::regclass, oid FROM pg_publication_rel
        ${v15 ? "UNION ALL SELECT 'pg_publication_namespace'::regclass, oid FROM pg_publication_namespace" : ''}
        UNION ALL SELECT 'pg_statistic_ext'::regclass, oid FROM pg_statistic_ext
        UNION ALL SELECT 'pg_extension'::regclass, oid FROM pg_extension
        UNION ALL SELECT 'pg_default_acl'::regclass, oid FROM pg_default_acl
        UNION ALL SELECT 'pg_largeobject'::regclass, oid FROM pg_largeobject_metadata
      ) AS o`,

    /** pg_depend between user objects, by description (what must exist for what, and how). */
    dependencies: `
      SELECT pg_describe_object(d.classid, d.objid, d.objsubid) || ' -> ' || pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) || ' (' || d.deptype::text || ')' AS line
      FROM pg_depend d
      WHERE d.objid >= 16384 AND d.deptype <> 'p'
        AND NOT (d.classid = 'pg_trigger'::regclass AND EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.oid = d.objid AND tg.tgisinternal))
        AND NOT (d.classid = 'pg_class'::regclass AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = d.objid AND c.relnamespace = 'pg_toast'::regnamespace))
        AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (SELECT 1 FROM pg_type t WHERE t.oid = d.objid AND t.typnamespace = 'pg_toast'::regnamespace))`,
  };
}

/** Lines dropped from the dependency section: they name objects by OID-derived names. */
const OID_NAMED = /\bpg_toast\.pg_toast_\d+|RI_ConstraintTrigger_[ac]_\d+/;

const byteOrder = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/** Open a pinned, read-only, repeatable-read session on `config`. */
async function openSession(config: pg.ClientConfig): Promise<pg.Client> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    for (const sql of FINGERPRINT_SESSION_SQL) await client.query(sql);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  } catch (e) {
    await client.end();
    throw e;
  }
  return client;
}

/**
 * In a SQL_ASCII database text can hold any bytes, which the driver would decode lossily as UTF-8: there,
 * every line is rendered server-side with `encode(…, 'escape')` (bytes ≥ 0x80 as octal escapes).
 */
async function lines(client: pg.Client, sql: string): Promise<string[]> {
  const enc = await client.query<{ e: string }>('SELECT getdatabaseencoding() AS e');
  const wrapped = enc.rows[0]?.e === 'SQL_ASCII' ? `SELECT encode(convert_to(q.line, 'SQL_ASCII'), 'escape') AS line FROM (${sql}) AS q` : sql;
  const r = await client.query<{ line: string | null }>(wrapped);
  return r.rows.map((row) => row.line ?? '<null>').sort(byteOrder);
}

/** Catalog sections of the fingerprint. */
export async function catalogFingerprint(config: pg.ClientConfig): Promise<Sections> {
  const client = await openSession(config);
  try {
    const out: Sections = {};
    const ver = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    for (const [name, sql] of Object.entries(catalogQueries(Number(ver.rows[0]!.v)))) {
      try {
        let rows = await lines(client, sql);
        if (name === 'dependencies') rows = rows.filter((l) => !OID_NAMED.test(l));
        out[name] = rows;
      } catch (e) {
        throw new Error(`fingerprint section "${name}" failed: ${(e as Error).message}`);
      }
    }
    return out;
  } finally {
    await client.end();
  }
}

/**
 * Data sections: per table (plain tables and partitions, ONLY so inheritance children are counted
 * once; populated matviews too) the row count and md5 over the sorted md5s of the row texts;
 * every sequence's last_value/is_called.
 */
export async function dataFingerprint(config: pg.ClientConfig): Promise<Sections> {
  const client = await openSession(config);
  try {
    // The per-relation queries run server-side (query_to_xml), so names never pass through the driver:
    // in a SQL_ASCII database they may hold bytes that are not UTF-8.
    const r = await client.query<{ rel: string; kind: string; n: string | null; h: string | null; last: string | null; called: string | null }>(`
      SELECT CASE WHEN getdatabaseencoding() = 'SQL_ASCII' THEN encode(convert_to(q.rel, 'SQL_ASCII'), 'escape') ELSE q.rel END AS rel, q.kind,
             (xpath('/row/n/text()', q.x))[1]::text AS n, (xpath('/row/h/text()', q.x))[1]::text AS h,
             (xpath('/row/last/text()', q.x))[1]::text AS last, (xpath('/row/called/text()', q.x))[1]::text AS called
      FROM (
        SELECT c.oid::regclass::text AS rel, c.relkind::text AS kind,
               query_to_xml(CASE WHEN c.relkind = 'S'
                                 THEN format('SELECT last_value AS last, is_called AS called FROM %s', c.oid::regclass)
                                 ELSE format('SELECT count(*) AS n, md5(string_agg(md5(t::text), '''' ORDER BY md5(t::text) COLLATE "C")) AS h FROM ONLY %s AS t', c.oid::regclass)
                            END, false, true, '') AS x
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE ((c.relkind IN ('r', 'm') AND c.relispopulated) OR c.relkind = 'S') AND ${USER_NS}
      ) AS q`);
    const data: string[] = [];
    const sequences: string[] = [];
    for (const row of r.rows) {
      if (row.kind === 'S') sequences.push(`${row.rel} | last_value=${row.last} | is_called=${row.called}`);
      else data.push(`${row.rel} | rows=${row.n} | md5=${row.h ?? '-'}`);
    }
    return { 'table-data': data.sort(byteOrder), 'sequence-values': sequences.sort(byteOrder) };
  } finally {
    await client.end();
  }
}

/** Catalog and data sections together. */
export async function fingerprint(config: pg.ClientConfig): Promise<Sections> {
  return { ...(await catalogFingerprint(config)), ...(await dataFingerprint(config)) };
}
