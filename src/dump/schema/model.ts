/**
 * The dumper's object graph, modelled on pg_dump's DumpableObject: every object gets a sort
 * priority, a namespace and name for the presort, dependency edges (from pg_depend plus the
 * edges pg_dump adds itself), and an `emit` callback that renders its TOC entries once sorting
 * (and loop repair, which may split objects) is done.
 */

/** pg_dump 15's dbObjectTypePriorities, by object type. */
export const PRIORITY = {
  namespace: 1,
  proclang: 2,
  collation: 3,
  transform: 4,
  extension: 5,
  type: 6,
  cast: 7,
  func: 8,
  agg: 9,
  accessMethod: 10,
  operator: 11,
  opfamily: 12,
  conversion: 13,
  tsparser: 14,
  tstemplate: 15,
  tsdict: 16,
  tsconfig: 17,
  fdw: 18,
  server: 19,
  table: 20,
  tableAttach: 21,
  dummyType: 22,
  attrdef: 23,
  blob: 24,
  preBoundary: 25,
  tableData: 26,
  sequenceSet: 27,
  blobData: 28,
  postBoundary: 29,
  constraint: 30,
  index: 31,
  indexAttach: 32,
  statsext: 33,
  rule: 34,
  trigger: 35,
  fkConstraint: 36,
  policy: 37,
  publication: 38,
  publicationRel: 39,
  publicationSchema: 40,
  subscription: 41,
  defaultAcl: 42,
  eventTrigger: 43,
  refreshMatview: 44,
} as const;

export type ObjType = keyof typeof PRIORITY;

export type Section = 'pre' | 'data' | 'post';

/** One printed TOC entry (pg_dump's ArchiveEntry). */
export interface TocEntry {
  tag: string;
  desc: string;
  /** Namespace shown in the comment; null prints `-`. */
  schema: string | null;
  /** Owner shown in the comment; null prints `-`. */
  owner: string | null;
  /** Definition text, normally ending with a newline; '' prints nothing. */
  create: string;
  /** Drop statement already in its `IF EXISTS` form, or null when the entry has none. */
  drop: string | null;
  /** `ALTER … OWNER TO …;` line (without trailing blank line), or null. */
  ownerStmt: string | null;
  /** 1 = main pass, 2 = ACL pass, 3 = event triggers and matview refreshes. */
  pass: 1 | 2 | 3;
  /** `SET default_tablespace`/`default_table_access_method` tracking (pg_dump's _selectTablespace/_selectTableAccessMethod). */
  tablespace?: string | null;
  tableam?: string | null;
  /** Data entries are placeholders for the engine (COPY / setval / LO contents). */
  dataKind?: 'table' | 'sequence' | 'blobs';
  dataRef?: number;
}

/** Tie breakers: a list, or its only element (an array per object cost ~50 bytes for most tied objects). */
export type Tie = string | number | readonly (string | number)[];

export interface DumpObject {
  id: number;
  type: ObjType;
  /** Catalog identity (pg_depend classid/objid), if any. */
  classid: number;
  oid: number;
  /** Namespace name for the presort, or null (sorts after namespaced objects). */
  schema: string | null;
  name: string;
  /** Tie breakers after (priority, schema, name): compared in order; a single one is kept without its array. */
  tie: Tie;
  deps: DepSet;
  section: Section;
  /** Printed objects render entries; helper objects (e.g. an inline default) only carry dependencies. */
  emit: (() => TocEntry[]) | null;
  /**
   * Written inside another object's entry unless a loop repair splits it out (an inline column default or
   * CHECK, a view's _RETURN rule): the completeness guard counts it as written even when `emit` returns nothing.
   */
  inline: boolean;
}

/**
 * The ids an object depends on, in the order they were added: the first in a field of its own (many objects depend on
 * one other: an index on its table, a sequence's value on the sequence), the rest in an exact-size array while short,
 * a Set beyond 16 (the section boundaries depend on thousands). A Set costs about 150 bytes even for one id; an array
 * 48 bytes plus 8 per id.
 */
export class DepSet implements Iterable<number> {
  /** The first id, or 0 for none (ids start at 1). */
  private first = 0;
  private rest: number[] = NO_IDS;
  private set: Set<number> | null = null;

  add(id: number): this {
    if (this.set) this.set.add(id);
    else if (this.first === 0) this.first = id;
    else if (this.first !== id && !this.rest.includes(id)) {
      if (this.rest.length >= 15) {
        this.set = new Set([this.first, ...this.rest, id]);
        this.first = 0;
        this.rest = NO_IDS;
      } else {
        // Exact size: a spread or a push leaves room for 16 more ids (~200 bytes per object instead of ~70).
        const next = new Array<number>(this.rest.length + 1);
        for (let i = 0; i < this.rest.length; i++) next[i] = this.rest[i]!;
        next[this.rest.length] = id;
        this.rest = next;
      }
    }
    return this;
  }

  delete(id: number): boolean {
    if (this.set) return this.set.delete(id);
    if (this.first === 0) return false;
    if (this.first === id) {
      this.first = this.rest.length > 0 ? this.rest[0]! : 0;
      this.rest = this.rest.length > 1 ? this.rest.slice(1) : NO_IDS;
      return true;
    }
    const i = this.rest.indexOf(id);
    if (i < 0) return false;
    this.rest = this.rest.length > 1 ? this.rest.filter((x) => x !== id) : NO_IDS;
    return true;
  }

  has(id: number): boolean {
    if (this.set) return this.set.has(id);
    return this.first !== 0 && (this.first === id || this.rest.includes(id));
  }

  get size(): number {
    if (this.set) return this.set.size;
    return this.first === 0 ? 0 : 1 + this.rest.length;
  }

  [Symbol.iterator](): Iterator<number> {
    // A snapshot: callers may change the dependencies while they walk them.
    if (this.set) return [...this.set][Symbol.iterator]();
    if (this.first === 0) return NO_IDS[Symbol.iterator]();
    return (this.rest.length === 0 ? [this.first] : [this.first, ...this.rest])[Symbol.iterator]();
  }
}
const NO_IDS: number[] = [];

/** Catalog relation OIDs (stable across PostgreSQL versions). */
export const CLASS = {
  pg_class: 1259,
  pg_proc: 1255,
  pg_type: 1247,
  pg_namespace: 2615,
  pg_constraint: 2606,
  pg_attrdef: 2604,
  pg_rewrite: 2618,
  pg_trigger: 2620,
  pg_extension: 3079,
  pg_collation: 3456,
  pg_policy: 3256,
  pg_statistic_ext: 3381,
  pg_event_trigger: 3466,
  pg_publication: 6104,
  pg_publication_rel: 6106,
  pg_publication_namespace: 6237,
  pg_foreign_data_wrapper: 2328,
  pg_foreign_server: 1417,
  pg_user_mapping: 1418,
  pg_largeobject_metadata: 2613,
  pg_cast: 2605,
  pg_operator: 2617,
  pg_language: 2612,
  pg_am: 2601,
  pg_default_acl: 826,
  pg_database: 1262,
  pg_opclass: 2616,
  pg_opfamily: 2753,
  pg_conversion: 2607,
  pg_ts_parser: 3601,
  pg_ts_template: 3764,
  pg_ts_dict: 3600,
  pg_ts_config: 3602,
  pg_transform: 3576,
  pg_subscription: 6100,
} as const;

/** Catalog name by OID (`pg_largeobject` for large objects, as pg_depend and the guard's census name them). */
export const CATALOG_NAME: ReadonlyMap<number, string> = new Map(
  Object.entries(CLASS).map(([name, oid]) => [oid, name === 'pg_largeobject_metadata' ? 'pg_largeobject' : name]));
