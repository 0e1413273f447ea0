/**
 * A table column as the schema side keeps it (pg_attribute with its default and, 18+, its NOT NULL constraint).
 * Every relation's columns are alive until its CREATE TABLE is rendered, five or more per table, so the record is
 * compact: the fields most columns leave at their default value (identity, storage, collation, options, privileges,
 * NOT NULL constraint, …) live in one record shared by every column that has the same, and the flags in one number.
 * About 100 bytes per column instead of 240; readers see the same fields as on the catalog row.
 */
import type { AttrDef } from './relations.js';

/** One row of the columns query (relations.ts). */
export interface ColumnRow {
  attnum: number; name: string; typid: number; type: string; notnull: boolean; dropped: boolean; local: boolean;
  identity: string; generated: string; stattarget: number | null; storage: string; typstorage: string; compression: string;
  collnsp: string | null; collname: string | null; options: string | null; acl: string[] | null; def: string | null; defOid: number | null;
  inhNotNull: boolean; fdwoptions: string;
  nnName: string | null; nnOid: number | null; nnNoInherit: boolean; nnLocal: boolean; nnValid: boolean;
}

/** The fields most columns leave at their default. */
interface Rare {
  readonly identity: string; readonly generated: string; readonly stattarget: number | null; readonly storage: string;
  readonly typstorage: string; readonly compression: string; readonly collnsp: string | null; readonly collname: string | null;
  readonly options: string | null; readonly acl: string[] | null; readonly fdwoptions: string;
  readonly nnName: string | null; readonly nnOid: number | null; readonly nnNoInherit: boolean; readonly nnLocal: boolean; readonly nnValid: boolean;
}

/** The shared records of columns whose rare fields are all at their default, by storage (which equals the type's). */
const PLAIN = new Map<string, Rare>();

function plain(storage: string): Rare {
  let r = PLAIN.get(storage);
  if (r === undefined) {
    r = Object.freeze({
      identity: '', generated: '', stattarget: null, storage, typstorage: storage, compression: '', collnsp: null, collname: null,
      options: null, acl: null, fdwoptions: '', nnName: null, nnOid: null, nnNoInherit: false, nnLocal: false, nnValid: false,
    });
    PLAIN.set(storage, r);
  }
  return r;
}

function isPlain(c: ColumnRow): boolean {
  return c.identity === '' && c.generated === '' && c.stattarget === null && c.storage === c.typstorage && c.compression === ''
    && c.collnsp === null && c.collname === null && c.options === null && c.acl === null && c.fdwoptions === ''
    && c.nnName === null && c.nnOid === null && !c.nnNoInherit && !c.nnLocal && !c.nnValid;
}

const NOTNULL = 1;
const DROPPED = 2;
const LOCAL = 4;
const INH_NOTNULL = 8;

export class Column {
  readonly attnum: number;
  readonly name: string;
  readonly typid: number;
  readonly type: string;
  readonly def: string | null;
  readonly defOid: number | null;
  attrdef: AttrDef | null = null;
  private flags: number;
  private readonly rare: Rare;

  constructor(c: ColumnRow) {
    this.attnum = c.attnum;
    this.name = c.name;
    this.typid = c.typid;
    this.type = c.type;
    this.def = c.def;
    this.defOid = c.defOid;
    this.flags = (c.notnull ? NOTNULL : 0) | (c.dropped ? DROPPED : 0) | (c.local ? LOCAL : 0) | (c.inhNotNull ? INH_NOTNULL : 0);
    this.rare = isPlain(c) ? plain(c.storage) : {
      identity: c.identity, generated: c.generated, stattarget: c.stattarget, storage: c.storage, typstorage: c.typstorage,
      compression: c.compression, collnsp: c.collnsp, collname: c.collname, options: c.options, acl: c.acl, fdwoptions: c.fdwoptions,
      nnName: c.nnName, nnOid: c.nnOid, nnNoInherit: c.nnNoInherit, nnLocal: c.nnLocal, nnValid: c.nnValid,
    };
  }

  get notnull(): boolean { return (this.flags & NOTNULL) !== 0; }
  get dropped(): boolean { return (this.flags & DROPPED) !== 0; }
  get local(): boolean { return (this.flags & LOCAL) !== 0; }
  /** NOT NULL by inheritance: a parent's same-named column is (flagInhAttrs; set once every relation is read). */
  get inhNotNull(): boolean { return (this.flags & INH_NOTNULL) !== 0; }
  set inhNotNull(v: boolean) { this.flags = v ? this.flags | INH_NOTNULL : this.flags & ~INH_NOTNULL; }
  get identity(): string { return this.rare.identity; }
  get generated(): string { return this.rare.generated; }
  get stattarget(): number | null { return this.rare.stattarget; }
  get storage(): string { return this.rare.storage; }
  get typstorage(): string { return this.rare.typstorage; }
  get compression(): string { return this.rare.compression; }
  get collnsp(): string | null { return this.rare.collnsp; }
  get collname(): string | null { return this.rare.collname; }
  get options(): string | null { return this.rare.options; }
  get acl(): string[] | null { return this.rare.acl; }
  get fdwoptions(): string { return this.rare.fdwoptions; }
  /**
   * PostgreSQL 18+: the column's NOT NULL constraint (a pg_constraint row of contype 'n'): its name, NO INHERIT,
   * locally defined, validated. Null name before 18, or when the column has none.
   */
  get nnName(): string | null { return this.rare.nnName; }
  get nnOid(): number | null { return this.rare.nnOid; }
  get nnNoInherit(): boolean { return this.rare.nnNoInherit; }
  get nnLocal(): boolean { return this.rare.nnLocal; }
  get nnValid(): boolean { return this.rare.nnValid; }

  /** Whether the rarely set fields are the shared default record (test hook for the record's size). */
  get sharesDefaults(): boolean { return PLAIN.get(this.rare.storage) === this.rare; }
}
