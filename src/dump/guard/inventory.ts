/**
 * The completeness guard's census: every object of the database that a dump could have to write, read
 * from the catalogs in one query (the population of pg_dump's getXxx functions). Each row says which
 * catalog object it is and how its scope is decided:
 *
 *   schema     a pg_namespace row (dumped when the schema is selected)
 *   ns         an object in a schema (nsp), dumped when the schema's contents are selected
 *   rel        a relation or something hanging off one (rel), dumped when the relation is selected
 *   global     a database-wide object (extensions, casts, access methods, languages, transforms, FDWs,
 *              servers, user mappings, event triggers, publications, subscriptions, large objects,
 *              global default privileges): dumped only when no --schema/--table filter is given
 *   pubrel     a publication's table (global and its table selected); pubns: a publication's schema
 *   comment    a pg_description row on (tclass, tobj, tsub); label: a pg_seclabel row, or a pg_shseclabel row of one
 *              of this database's subscriptions (provider in extra)
 *   extdep     an `ALTER … DEPENDS ON EXTENSION` marker (pg_depend deptype 'x'; extension oid in extra)
 *   extconfig  an extension configuration table (rel) whose data pg_dump writes (filter in extra)
 *
 * Objects created by initdb (OID below 16384, FirstNormalObjectId) are left out here except the
 * public schema, whose comment, owner and privileges a dump carries.
 */

export const FIRST_NORMAL_OID = 16384;

export type Scope = 'schema' | 'ns' | 'rel' | 'global' | 'pubrel' | 'pubns' | 'comment' | 'label' | 'extdep' | 'extconfig';

export interface CensusRow {
  scope: Scope;
  /** Catalog name, e.g. pg_type (for messages and the test-only renderer switch). */
  cat: string;
  classid: number;
  objid: number;
  subid: number;
  nsp: number | null;
  rel: number | null;
  /** comment/label/extdep: the object the row is about. */
  tclass: number | null;
  tobj: number | null;
  tsub: number;
  /** pg_class: relkind; pg_constraint: contype; label: provider; extdep: extension oid. */
  extra: string | null;
}

interface Piece { scope: Scope | string; cat: string; classid?: string; objid: string; subid?: string; nsp?: string; rel?: string; tclass?: string; tobj?: string; tsub?: string; extra?: string; from: string }

const oidCol = (e: string | undefined): string => (e === undefined ? 'NULL::pg_catalog.int8' : `(${e})::pg_catalog.int8`);

function select(p: Piece): string {
  const scope = p.scope.startsWith('CASE') ? p.scope : `'${p.scope}'`;
  return `SELECT ${scope}::text AS scope, '${p.cat}'::text AS cat, ${p.classid ?? `'pg_catalog.${p.cat}'::pg_catalog.regclass::pg_catalog.oid`}::pg_catalog.int8 AS classid,
    ${oidCol(p.objid)} AS objid, ${p.subid ?? '0'}::pg_catalog.int4 AS subid, ${oidCol(p.nsp)} AS nsp, ${oidCol(p.rel)} AS rel,
    ${oidCol(p.tclass)} AS tclass, ${oidCol(p.tobj)} AS tobj, ${p.tsub ?? '0'}::pg_catalog.int4 AS tsub, ${p.extra ?? 'NULL'}::text AS extra ${p.from}`;
}

/** Schema-qualified catalog objects: (catalog, oid column, namespace column). */
const NAMESPACED: [string, string][] = [
  ['pg_type', 'typnamespace'], ['pg_proc', 'pronamespace'], ['pg_operator', 'oprnamespace'], ['pg_opclass', 'opcnamespace'],
  ['pg_opfamily', 'opfnamespace'], ['pg_collation', 'collnamespace'], ['pg_conversion', 'connamespace'], ['pg_ts_parser', 'prsnamespace'],
  ['pg_ts_template', 'tmplnamespace'], ['pg_ts_dict', 'dictnamespace'], ['pg_ts_config', 'cfgnamespace'], ['pg_statistic_ext', 'stxnamespace'],
];

/** Database-wide catalogs (no namespace, no relation). */
const GLOBAL: string[] = [
  'pg_extension', 'pg_cast', 'pg_am', 'pg_transform', 'pg_language', 'pg_foreign_data_wrapper', 'pg_foreign_server',
  'pg_event_trigger', 'pg_publication',
];

/** Every catalog whose rows the census lists (comments and labels on objects of other catalogs are unexpected). */
export const CENSUS_CATALOGS: readonly string[] = [
  'pg_namespace', 'pg_class', ...NAMESPACED.map(([c]) => c), 'pg_constraint', 'pg_attrdef', 'pg_trigger', 'pg_rewrite', 'pg_policy',
  ...GLOBAL, 'pg_user_mapping', 'pg_largeobject', 'pg_subscription', 'pg_publication_rel', 'pg_publication_namespace', 'pg_default_acl',
];

const USER = `>= ${FIRST_NORMAL_OID}`;
/** initdb's public schema has the fixed OID 2200 (PG_PUBLIC_NAMESPACE). */
const PUBLIC_NS = "(t.classoid = 'pg_catalog.pg_namespace'::pg_catalog.regclass AND t.objoid = 2200)";

/** The census's rows about other objects (comments, labels, extension markers, configuration tables). */
const ANNOTATIONS: ReadonlySet<string> = new Set(['comment', 'label', 'extdep', 'extconfig']);

/**
 * The census query for a server of `version` (server_version_num). `subscriptionOids`: whether the role may read
 * pg_subscription.oid (PostgreSQL 13 grants non-superusers a few columns only); if not, subscriptions are listed
 * by name with objid 0 (they cannot be written then either). `part`: the objects themselves, or the rows about
 * objects (scopes comment, label, extdep and extconfig), read after every object is known.
 */
export function censusSql(version: number, subscriptionOids: boolean, part: 'objects' | 'annotations'): string {
  const parts: Piece[] = [
    { scope: 'schema', cat: 'pg_namespace', objid: 'n.oid', nsp: 'n.oid', from: 'FROM pg_catalog.pg_namespace n' },
    {
      scope: "CASE WHEN c.relkind = 'c' THEN 'ns' ELSE 'rel' END", cat: 'pg_class', objid: 'c.oid', nsp: 'c.relnamespace',
      rel: 'COALESCE(i.indrelid, c.oid)', extra: 'c.relkind::text',
      from: `FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid WHERE c.oid ${USER} AND c.relkind <> 't'`,
    },
    ...NAMESPACED.map(([cat, nsp]): Piece => ({ scope: 'ns', cat, objid: 'x.oid', nsp: `x.${nsp}`, from: `FROM pg_catalog.${cat} x WHERE x.oid ${USER}` })),
    {
      scope: "CASE WHEN x.conrelid <> 0 THEN 'rel' ELSE 'ns' END", cat: 'pg_constraint', objid: 'x.oid', nsp: 'x.connamespace',
      rel: 'NULLIF(x.conrelid, 0)', tclass: "'pg_catalog.pg_type'::pg_catalog.regclass::pg_catalog.oid", tobj: 'NULLIF(x.contypid, 0)',
      extra: 'x.contype::text', from: `FROM pg_catalog.pg_constraint x WHERE x.oid ${USER}`,
    },
    { scope: 'rel', cat: 'pg_attrdef', objid: 'x.oid', rel: 'x.adrelid', from: `FROM pg_catalog.pg_attrdef x WHERE x.oid ${USER}` },
    { scope: 'rel', cat: 'pg_trigger', objid: 'x.oid', rel: 'x.tgrelid', from: `FROM pg_catalog.pg_trigger x WHERE x.oid ${USER}` },
    { scope: 'rel', cat: 'pg_rewrite', objid: 'x.oid', rel: 'x.ev_class', from: `FROM pg_catalog.pg_rewrite x WHERE x.oid ${USER}` },
    { scope: 'rel', cat: 'pg_policy', objid: 'x.oid', rel: 'x.polrelid', from: `FROM pg_catalog.pg_policy x WHERE x.oid ${USER}` },
    ...GLOBAL.map((cat): Piece => ({ scope: 'global', cat, objid: 'x.oid', from: `FROM pg_catalog.${cat} x WHERE x.oid ${USER}` })),
    // pg_user_mapping itself is readable by superusers only; its public view has the OIDs.
    { scope: 'global', cat: 'pg_user_mapping', objid: 'x.umid', from: 'FROM pg_catalog.pg_user_mappings x' },
    {
      scope: 'global', cat: 'pg_largeobject', classid: "'pg_catalog.pg_largeobject'::pg_catalog.regclass::pg_catalog.oid", objid: 'x.oid',
      from: 'FROM pg_catalog.pg_largeobject_metadata x',
    },
    {
      scope: 'global', cat: 'pg_subscription', objid: subscriptionOids ? 'x.oid' : '0', extra: 'x.subname::text',
      from: 'FROM pg_catalog.pg_subscription x WHERE x.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())',
    },
    { scope: 'pubrel', cat: 'pg_publication_rel', objid: 'x.oid', rel: 'x.prrelid', from: 'FROM pg_catalog.pg_publication_rel x' },
    ...(version >= 150000 ? [{ scope: 'pubns', cat: 'pg_publication_namespace', objid: 'x.oid', nsp: 'x.pnnspid', from: 'FROM pg_catalog.pg_publication_namespace x' }] : []),
    {
      scope: "CASE WHEN x.defaclnamespace = 0 THEN 'global' ELSE 'ns' END", cat: 'pg_default_acl', objid: 'x.oid', nsp: 'NULLIF(x.defaclnamespace, 0)',
      from: 'FROM pg_catalog.pg_default_acl x',
    },
    {
      scope: 'comment', cat: 'pg_description', objid: '0', tclass: 't.classoid', tobj: 't.objoid', tsub: 't.objsubid',
      from: `FROM pg_catalog.pg_description t WHERE t.objoid ${USER} OR ${PUBLIC_NS}`,
    },
    {
      scope: 'label', cat: 'pg_seclabel', objid: '0', tclass: 't.classoid', tobj: 't.objoid', tsub: 't.objsubid', extra: 't.provider',
      from: `FROM pg_catalog.pg_seclabel t WHERE t.objoid ${USER} OR ${PUBLIC_NS}`,
    },
    // Labels on this database's subscriptions live in the shared pg_shseclabel (pg_subscription is a shared catalog).
    ...(subscriptionOids ? [{
      scope: 'label', cat: 'pg_shseclabel', objid: '0', tclass: 't.classoid', tobj: 't.objoid', extra: 't.provider',
      from: `FROM pg_catalog.pg_shseclabel t JOIN pg_catalog.pg_subscription s ON t.classoid = 'pg_catalog.pg_subscription'::pg_catalog.regclass AND t.objoid = s.oid
             WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())`,
    }] : []),
    {
      scope: 'extdep', cat: 'pg_depend', objid: '0', tclass: 'd.classid', tobj: 'd.objid', tsub: 'd.objsubid', extra: 'd.refobjid::text',
      from: "FROM pg_catalog.pg_depend d WHERE d.deptype = 'x'",
    },
    {
      scope: 'extconfig', cat: 'pg_extension', objid: 'e.oid', rel: 'cfg.relid',
      extra: 'e.extcondition[cfg.i]',
      from: 'FROM pg_catalog.pg_extension e, pg_catalog.unnest(e.extconfig) WITH ORDINALITY cfg(relid, i) WHERE e.extconfig IS NOT NULL',
    },
  ];
  const chosen = parts.filter((p) => ANNOTATIONS.has(p.scope) === (part === 'annotations'));
  return `SELECT scope, cat, classid::float8 AS classid, objid::float8 AS objid, subid, nsp::float8 AS nsp, rel::float8 AS rel,
                 tclass::float8 AS tclass, tobj::float8 AS tobj, tsub, extra
            FROM (\n${chosen.map(select).join('\nUNION ALL\n')}\n) census`;
}

/** Dependencies that make an object part of another (deptype 'i' internal, 'P' partition primary). */
export const OWNER_DEPS_SQL = `SELECT d.classid::int8::float8 AS classid, d.objid::int8::float8 AS objid, d.refclassid::int8::float8 AS refclassid,
       d.refobjid::int8::float8 AS refobjid
  FROM pg_catalog.pg_depend d WHERE d.deptype IN ('i', 'P') AND d.objid >= ${FIRST_NORMAL_OID}`;
