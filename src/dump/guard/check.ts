/**
 * The completeness guard: compares the census of the catalogs (./inventory.ts) with what the renderers
 * recorded in the ledger (./ledger.ts). Every object in the dump's scope must be written to the script,
 * or be excluded on purpose (a --schema/--table/--exclude-* filter, a database-level property that a
 * database dump never carries), owned by an extension (recreated by CREATE EXTENSION), a system object,
 * or part of another object that was written (pg_depend 'i'/'P': an index of a constraint, a view's
 * _RETURN rule, a table's row type, an array type, a trigger cloned onto a partition, …).
 * Whatever is left is returned, named by kind and qualified name.
 */
import { CENSUS_CATALOGS, censusSql, FIRST_NORMAL_OID, OWNER_DEPS_SQL, type CensusRow } from './inventory.js';
import { commentKey, dataKey, extConfigKey, extDepKey, key, labelKey, type RenderLedger } from './ledger.js';

/** An object the dump would leave out (recorded as-is in snapshot manifests with --allow-unsupported). */
export interface UnsupportedObject {
  kind: string;
  name: string;
}

/** What the guard needs to know about the dump's selection (src/dump/schema/select.ts implements it). */
export interface GuardScope {
  readonly includeEverything: boolean;
  namespaceDumped(nspOid: number): boolean;
  contains(nspOid: number): boolean;
  tableDumped(relOid: number, nspOid: number): boolean;
  dataDumped(relOid: number): boolean;
}

export interface GuardInput {
  query<R>(sql: string, params?: unknown[]): Promise<R[]>;
  /** The rows of `sql` a page at a time, each page dropped before the next (a cursor of the dump's transaction). */
  pages<R>(sql: string, params: unknown[], onPage: (rows: R[]) => void): Promise<void>;
  version: number;
  scope: GuardScope;
  ledger: RenderLedger;
  /** Extension members, `classid:objid` (pg_depend deptype 'e'). */
  members: ReadonlySet<string>;
  /** Relations the dump selected (pg_dump's rules, owned sequences included). */
  selectedRelations: ReadonlySet<number>;
  /** `--no-privileges`: default privileges are left out on purpose, as pg_dump -x does. */
  noPrivileges?: boolean;
}

type Status = 'rendered' | 'member' | 'system' | 'excluded' | 'missing' | 'part-of-missing';

interface Missing { classid: number; objid: number; subid: number; what: 'object' | 'named' | 'comment' | 'label' | 'extdep' | 'extconfig' | 'data'; extra: string | null }

/** What the guard keeps of a pg_class census row: its namespace and relkind (the row itself is dropped). */
interface RelInfo { nsp: number | null; kind: string | null }

const PG_CLASS = 1259;

/**
 * The census is read a page at a time and never kept whole: an object the ledger or the extension members account
 * for is settled as its row arrives; only the others (a table's array type, a toast index, what is really missing:
 * a few per table) are kept, with the namespace and relkind of every relation and the owners of the kept objects.
 * The comments, labels and other rows about objects are read last, when every object is known.
 */
export async function findUnrendered(g: GuardInput): Promise<UnsupportedObject[]> {
  const subOids = await g.query<{ ok: boolean }>("SELECT pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'oid', 'SELECT') AS ok");
  const nsNames = new Map((await g.query<{ oid: number; nspname: string }>('SELECT oid::int8::float8 AS oid, nspname FROM pg_catalog.pg_namespace'))
    .map((r) => [r.oid, r.nspname]));
  const known = new Set((await g.query<{ oid: number }>(
    "SELECT pg_catalog.to_regclass('pg_catalog.' || c)::pg_catalog.oid::int8::float8 AS oid FROM pg_catalog.unnest($1::text[]) c WHERE pg_catalog.to_regclass('pg_catalog.' || c) IS NOT NULL",
    [CENSUS_CATALOGS])).map((r) => r.oid));
  const missing: Missing[] = [];
  /** Census objects neither written nor extension members, by key (the last row of a key wins), and every such row. */
  const pending = new Map<string, CensusRow>();
  const pendingRows: CensusRow[] = [];
  /** Every relation of the census (pg_class rows): what rows hanging off a relation need of it. */
  const rels = new Map<number, RelInfo>();
  await g.pages<CensusRow>(censusSql(g.version, subOids[0]!.ok, 'objects'), [], (rows) => {
    for (const r of rows) {
      if (r.cat === 'pg_class') rels.set(r.objid, { nsp: r.nsp, kind: r.extra });
      if (r.cat === 'pg_subscription' && r.objid === 0) {
        // Listed by name only (the role cannot read its OID), so it cannot have been written.
        missing.push({ classid: r.classid, objid: 0, subid: 0, what: 'named', extra: r.extra });
        continue;
      }
      const k = key(r.classid, r.objid);
      if (g.ledger.has(k)) {
        if (r.cat === 'pg_class' && r.extra === 'r' && g.scope.dataDumped(r.objid) && !g.ledger.has(dataKey(r.objid))) {
          missing.push({ classid: r.classid, objid: r.objid, subid: 0, what: 'data', extra: null });
        }
        continue;
      }
      if (g.members.has(k)) continue;
      pending.set(k, r);
      pendingRows.push(r);
    }
  });
  // Owners (pg_depend 'i'/'P') of the objects still to classify; the others are settled already.
  const owners = new Map<string, string>();
  await g.pages<{ classid: number; objid: number; refclassid: number; refobjid: number }>(OWNER_DEPS_SQL, [], (rows) => {
    for (const d of rows) {
      const k = key(d.classid, d.objid);
      if (pending.has(k)) owners.set(k, key(d.refclassid, d.refobjid));
    }
  });

  const isSystemNs = (nsp: number | null): boolean => {
    if (nsp === null) return false;
    const n = nsNames.get(nsp);
    return n === undefined || n.startsWith('pg_') || n === 'information_schema';
  };
  const memo = new Map<string, Status>();
  const status = (k: string): Status => {
    // Written objects and extension members are settled without a memo entry (most comments are on written objects).
    if (g.ledger.has(k)) return 'rendered';
    if (g.members.has(k)) return 'member';
    const m = memo.get(k);
    if (m !== undefined) return m;
    memo.set(k, 'missing'); // cycle guard
    const s = compute(k);
    memo.set(k, s);
    return s;
  };
  const compute = (k: string): Status => {
    // A census object not written and not a member is pending; any other key is not in the census.
    const r = pending.get(k);
    if (!r) {
      const oid = Number(k.split(':')[1]);
      return oid < FIRST_NORMAL_OID ? 'system' : 'missing';
    }
    const relRow = r.rel !== null ? rels.get(r.rel) : undefined;
    if (isSystemNs(r.nsp) || (r.rel !== null && isSystemNs(relRow?.nsp ?? null))) return 'system';
    const owner = owners.get(k);
    if (owner !== undefined) {
      const s = status(owner);
      return s === 'missing' || s === 'part-of-missing' ? 'part-of-missing' : s;
    }
    if (r.cat === 'pg_default_acl' && g.noPrivileges) return 'excluded';
    // A domain's NOT NULL (a pg_constraint row from PostgreSQL 17) is written with the domain.
    if (r.cat === 'pg_constraint' && r.extra === 'n' && r.scope === 'ns' && r.tobj !== null && status(key(r.tclass!, r.tobj)) === 'rendered') return 'rendered';
    switch (r.scope) {
      case 'schema':
        return g.scope.namespaceDumped(r.objid) ? 'missing' : 'excluded';
      case 'ns':
        return r.nsp !== null && g.scope.contains(r.nsp) ? 'missing' : 'excluded';
      case 'global':
        return g.scope.includeEverything ? 'missing' : 'excluded';
      case 'pubns':
        return g.scope.includeEverything && r.nsp !== null && g.scope.contains(r.nsp) ? 'missing' : 'excluded';
      case 'rel':
      case 'pubrel': {
        if (r.scope === 'pubrel' && !g.scope.includeEverything) return 'excluded';
        if (r.rel === null || !relRow) return 'system';
        if (r.rel !== r.objid || r.scope === 'pubrel') {
          // A default, constraint, trigger, … of a table the selection leaves out is left out with it, as
          // pg_dump does, whatever else aliased the table in the ledger (`-n app` on pagila).
          if (r.scope === 'rel' && !g.selectedRelations.has(r.rel) && !(relRow.nsp !== null && g.scope.tableDumped(r.rel, relRow.nsp))) return 'excluded';
          const s = status(key(PG_CLASS, r.rel));
          if (s === 'member' || s === 'system' || s === 'excluded') return s;
          if (r.cat === 'pg_constraint' && r.extra === 'n' && s === 'rendered') return 'rendered'; // NOT NULL (PostgreSQL 18+): written with its column
          return 'missing';
        }
        const selected = g.selectedRelations.has(r.objid) || (relRow.nsp !== null && g.scope.tableDumped(r.objid, relRow.nsp));
        return selected ? 'missing' : 'excluded';
      }
      default:
        return 'missing';
    }
  };

  for (const r of pendingRows) {
    if (status(key(r.classid, r.objid)) === 'missing') missing.push({ classid: r.classid, objid: r.objid, subid: 0, what: 'object', extra: null });
  }
  await g.pages<CensusRow>(censusSql(g.version, subOids[0]!.ok, 'annotations'), [], (rows) => {
    for (const r of rows) {
      switch (r.scope) {
        case 'comment':
        case 'label': {
          const target = key(r.tclass!, r.tobj!);
          // A comment left behind by an object that no longer exists (DROP SUBSCRIPTION leaves its pg_description
          // row): nothing to dump, as for pg_dump. On an object of a catalog the census does not know: unexpected.
          // (Every census object not written and not a member is pending.)
          if (!pending.has(target) && !g.ledger.has(target) && !g.members.has(target) && r.tobj! >= FIRST_NORMAL_OID) {
            if (!known.has(r.tclass!)) missing.push({ classid: r.tclass!, objid: r.tobj!, subid: r.tsub, what: r.scope, extra: r.extra });
            break;
          }
          const t = status(target);
          const k = r.scope === 'comment' ? commentKey(r.tclass!, r.tobj!, r.tsub) : labelKey(r.tclass!, r.tobj!, r.tsub, r.extra ?? '');
          if (t !== 'rendered') break;
          if (!g.ledger.has(k)) missing.push({ classid: r.tclass!, objid: r.tobj!, subid: r.tsub, what: r.scope, extra: r.extra });
          break;
        }
        case 'extdep':
          if (status(key(r.tclass!, r.tobj!)) === 'rendered' && !g.ledger.has(extDepKey(r.tclass!, r.tobj!, Number(r.extra)))) {
            missing.push({ classid: r.tclass!, objid: r.tobj!, subid: 0, what: 'extdep', extra: r.extra });
          }
          break;
        case 'extconfig':
          if (status(key(r.classid, r.objid)) === 'rendered' && r.rel !== null && !g.ledger.has(extConfigKey(r.rel))) {
            const relRow = rels.get(r.rel);
            // pg_dump writes the data of configuration tables and the values of configuration sequences, unless the
            // table, its schema or its data is excluded (processExtensionTables).
            if (relRow && (relRow.kind === 'r' || relRow.kind === 'S') && relRow.nsp !== null
              && g.scope.tableDumped(r.rel, relRow.nsp) && g.scope.dataDumped(r.rel)) {
              missing.push({ classid: PG_CLASS, objid: r.rel, subid: 0, what: 'extconfig', extra: r.extra });
            }
          }
          break;
        default:
          break;
      }
    }
  });
  return describe(g, missing);
}

async function describe(g: GuardInput, missing: Missing[]): Promise<UnsupportedObject[]> {
  if (missing.length === 0) return [];
  const ids = await g.query<{ i: number; type: string | null; identity: string | null }>(
    `SELECT m.i::int4 AS i, o.type, o.identity
       FROM ROWS FROM (pg_catalog.unnest($1::oid[]), pg_catalog.unnest($2::oid[]), pg_catalog.unnest($3::int4[])) WITH ORDINALITY m(classid, objid, subid, i)
       LEFT JOIN LATERAL pg_catalog.pg_identify_object(m.classid, m.objid, m.subid) o ON true`,
    // Objects listed by name only (objid 0) are not looked up: pg_identify_object would fail on them.
    [missing.map((m) => m.classid), missing.map((m) => m.objid), missing.map((m) => m.subid)].map((col) => col.filter((_, i) => missing[i]!.what !== 'named')));
  const ided = missing.map((m, i) => ({ m, i })).filter((x) => x.m.what !== 'named');
  const byIndex = new Map(ids.map((r) => [r.i, r]));
  const extNames = new Map((await g.query<{ oid: number; extname: string }>('SELECT oid::int8::float8 AS oid, extname FROM pg_catalog.pg_extension'))
    .map((r) => [r.oid, r.extname]));
  const out: UnsupportedObject[] = [];
  const seen = new Set<string>();
  const idOf = new Map(ided.map((x, k) => [x.i, byIndex.get(k + 1)]));
  missing.forEach((m, idx) => {
    const id = idOf.get(idx);
    const type = id?.type ?? `object of catalog ${m.classid}`;
    const name = id?.identity ?? `${m.classid}:${m.objid}${m.subid ? `:${m.subid}` : ''}`;
    let u: UnsupportedObject;
    switch (m.what) {
      case 'comment': u = { kind: 'comment', name: `on ${type} ${name}` }; break;
      case 'label': u = { kind: 'security label', name: `${m.extra ?? ''} on ${type} ${name}` }; break;
      case 'extdep': u = { kind: 'dependency on extension', name: `${type} ${name} depends on extension ${extNames.get(Number(m.extra)) ?? m.extra ?? ''}` }; break;
      case 'extconfig': u = { kind: 'extension configuration data', name: `${name}${m.extra ? ` WHERE ${m.extra.replace(/^\s*WHERE\s+/i, '')}` : ''}` }; break;
      case 'data': u = { kind: 'table data', name }; break;
      case 'named': u = { kind: 'subscription', name: m.extra ?? '' }; break;
      default: u = { kind: type, name };
    }
    const k = `${u.kind}\u0000${u.name}`;
    if (!seen.has(k)) { seen.add(k); out.push(u); }
  });
  return out.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
