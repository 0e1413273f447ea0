/**
 * Shared state of one schema read: the client, quoting, options, the object graph under
 * construction, and helpers for the TOC entries every object kind shares (owner, comments, ACLs).
 */
import type pg from 'pg';
import { commentKey, extDepKey, labelKey, RenderLedger } from '../guard/index.js';
import type { SchemaOptions } from '../plan.js';
import { buildAclCommands } from './acl.js';
import { CATALOG_NAME, CLASS, DepSet, type DumpObject, type ObjType, type Section, type Tie, type TocEntry } from './model.js';
import { literal, type Quoter } from './quote.js';

export interface ResolvedOptions {
  noOwner: boolean;
  noPrivileges: boolean;
  clean: boolean;
  lockWaitTimeoutMs: number;
}

export interface NewObject {
  type: ObjType;
  classid: number;
  oid: number;
  schema: string | null;
  name: string;
  tie?: (string | number)[];
  section: Section;
  emit: (() => TocEntry[]) | null;
  inline?: boolean;
}

/** Shared by every object without tie breakers (never modified). */
const NO_TIE: Tie = [];

/** Every object's dependencies once sorted: none (frozen, so a late `add` throws instead of sharing an edge). */
const SORTED_DEPS = new DepSet();
Object.freeze(SORTED_DEPS);

/** Longest string value that `Ctx.query` shares between rows (names, types, ACL items; not definitions). */
const INTERN_MAX = 64;

/** Rows per FETCH of a paged catalog read (`Ctx.pages`): about a megabyte of rows at a time. */
export const PAGE_ROWS = 5000;

/** One pg_seclabel row (of the object the map key names). */
export interface SecLabel {
  sub: number;
  provider: string;
  label: string;
  /** The column's name when `sub` > 0 on a relation. */
  column: string | null;
}

/** What a COMMENT or SECURITY LABEL entry names: `<kind> <target>`, tag `<kind> <tagName>`, in `schema`, by `owner`. */
interface CommentArgs { classid: number; oid: number; kind: string; tagName: string; target: string; schema: string | null; owner: string }

/** The object kinds SECURITY LABEL accepts (in a database; DATABASE, ROLE and TABLESPACE are cluster-wide). */
const LABEL_KINDS: ReadonlySet<string> = new Set([
  'TABLE', 'VIEW', 'MATERIALIZED VIEW', 'FOREIGN TABLE', 'SEQUENCE', 'TYPE', 'DOMAIN', 'FUNCTION', 'PROCEDURE', 'AGGREGATE',
  'SCHEMA', 'LANGUAGE', 'LARGE OBJECT', 'EVENT TRIGGER', 'PUBLICATION', 'SUBSCRIPTION',
]);

export class Ctx {
  readonly objects: DumpObject[] = [];
  /**
   * Objects by catalog and OID: one map per catalog, keyed by OID (a small integer, stored inline; one number for both
   * needed a heap number per key).
   */
  private readonly byCatalog = new Map<number, Map<number, DumpObject>>();
  readonly warnings: string[] = [];
  /** Why objects may be missing (e.g. a catalog the role cannot read), added to the completeness guard's error. */
  readonly guardHints: string[] = [];
  /** pg_description, keyed `classoid:objoid:objsubid`. */
  comments = new Map<string, string>();
  /**
   * pg_seclabel, keyed `classoid:objoid`, each list in pg_dump's order (its query's `ORDER BY classoid, objoid,
   * objsubid`); `column` is the attribute name of a column's label.
   */
  labels = new Map<string, SecLabel[]>();
  /** Extension members (`classid:objid`), never dumped themselves. */
  extMembers = new Set<string>();
  /** `ALTER … DEPENDS ON EXTENSION` markers (pg_depend deptype 'x'), by `classid:objid`. */
  extDeps = new Map<string, { ext: number; extname: string }[]>();
  /** What the renderers wrote, for the completeness guard (src/dump/guard). */
  readonly ledger = new RenderLedger();
  /** Catalog keys resolving to each object (ctx.alias), recorded with it when it is written. */
  private readonly aliases = new Map<number, number[]>();
  /** Test-only: catalogs whose renderers are switched off (SchemaOptions.skipRenderers). */
  readonly skip: ReadonlySet<string>;
  private nextId = 1;
  /** Column records the relations hold (readRelations adds, releaseRendered subtracts): what SchemaOptions.onRenderStats reports. */
  columnsHeld = 0;
  private readonly strings = new Map<string, string>();
  /** Rows per page of `pages` (SchemaOptions.pageRows in tests). */
  readonly pageRows: number;
  private cursors = 0;

  constructor(
    readonly client: pg.Client,
    readonly q: Quoter,
    readonly version: number,
    readonly opts: ResolvedOptions,
    readonly raw: SchemaOptions,
  ) {
    this.skip = new Set(raw.skipRenderers ?? []);
    this.pageRows = raw.pageRows !== undefined && Number.isInteger(raw.pageRows) && raw.pageRows > 0 ? raw.pageRows : PAGE_ROWS;
  }

  /**
   * Drop the object graph and what only it needs (objects, catalog keys, comments, labels) once the script is
   * rendered, so the completeness guard's queries do not run on top of it.
   */
  releaseGraph(): void {
    this.objects.length = 0;
    this.byCatalog.clear();
    this.aliases.clear();
    this.comments.clear();
    this.labels.clear();
    this.extDeps.clear();
  }

  /**
   * The objects are sorted: their dependencies, tie breakers, the catalog-key lookup and the list of objects are not
   * needed to render them (about 1 KiB per table, dropped before the script grows; the sorted list is the caller's).
   * `find` knows nothing afterwards.
   */
  sorted(): void {
    for (const o of this.objects) {
      o.deps = SORTED_DEPS;
      o.tie = NO_TIE;
    }
    this.objects.length = 0;
    this.byCatalog.clear();
  }

  /** Whether the renderer of objects of this catalog is switched off (test-only injection point). */
  skipped(classid: number): boolean {
    const name = CATALOG_NAME.get(classid);
    return name !== undefined && this.skip.has(name);
  }

  /**
   * Render `o` (its TOC entries) and record in the ledger what was written: the object and every catalog key
   * aliased to it, when it produced an entry or is written inside another object's entry.
   */
  render(o: DumpObject): TocEntry[] {
    // Each object is rendered once: its aliases are not needed afterwards.
    const aliases = this.aliases.get(o.id);
    this.aliases.delete(o.id);
    if (!o.emit || this.skipped(o.classid)) return [];
    const entries = o.emit();
    if ((entries.length > 0 || o.inline) && o.classid !== 0) {
      this.ledger.object(o.classid, o.oid);
      // Extension members resolve to their extension for sorting; they are not written by it.
      if (aliases) {
        for (let i = 0; i < aliases.length; i += 2) {
          const c = aliases[i]!;
          const oid = aliases[i + 1]!;
          if (!this.isMember(c, oid)) this.ledger.object(c, oid);
        }
      }
    }
    return entries;
  }

  /**
   * Rows as plain objects keyed by column name. Read as arrays and rebuilt here: the driver's own row objects are
   * clones of a dictionary-mode template, each with a hidden class of its own (about 25 bytes per column per row, kept
   * for as long as the row is), while objects built field by field in one order share one.
   */
  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    const r = await this.client.query<unknown[]>({ text: sql, values: params, rowMode: 'array' });
    // Strings are shared within one result: across results they would only keep every name of the schema alive.
    this.strings.clear();
    const names = r.fields.map((f) => f.name);
    const rows = r.rows as unknown[];
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i] as unknown[];
      const o: Record<string, unknown> = {};
      for (let j = 0; j < names.length; j++) o[names[j]!] = this.intern(a[j]);
      rows[i] = o;
    }
    this.strings.clear();
    return rows as R[];
  }

  /**
   * The rows of `sql`, `pageRows` at a time, through a cursor of the dump's transaction (same snapshot): a read of a
   * whole catalog (pg_depend, the completeness guard's census) never holds more than one page of rows, each handed to
   * `onPage` (rows built as by `query`) and dropped before the next is fetched.
   */
  async pages<R>(sql: string, params: unknown[], onPage: (rows: R[]) => void): Promise<void> {
    const name = `pgvault_pages_${++this.cursors}`;
    await this.client.query({ text: `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`, values: params });
    for (;;) {
      const rows = await this.query<R>(`FETCH ${this.pageRows} FROM ${name}`);
      if (rows.length > 0) onPage(rows);
      if (rows.length < this.pageRows) break;
    }
    await this.client.query(`CLOSE ${name}`);
  }

  /**
   * Short strings (and those in arrays) as one shared copy within a result: type, owner, schema and ACL texts repeat
   * per row. Arrays (ACLs, options, index keys) are copied to their exact size: the driver's parser grows them by
   * pushes, leaving room for 16 more elements (~180 bytes each).
   */
  private intern(v: unknown): unknown {
    if (typeof v === 'string') {
      if (v.length > INTERN_MAX) return v;
      const seen = this.strings.get(v);
      if (seen !== undefined) return seen;
      this.strings.set(v, v);
      return v;
    }
    if (Array.isArray(v)) {
      const out = new Array<unknown>(v.length);
      for (let k = 0; k < v.length; k++) out[k] = this.intern(v[k]);
      return out;
    }
    return v;
  }

  add(o: NewObject): DumpObject {
    // One literal, field by field: every object shares one hidden class (a spread of the caller's literal did not).
    const obj: DumpObject = {
      id: this.nextId++, type: o.type, classid: o.classid, oid: o.oid, schema: o.schema, name: o.name,
      tie: o.tie === undefined || o.tie.length === 0 ? NO_TIE : o.tie.length === 1 ? o.tie[0]! : o.tie,
      deps: new DepSet(), section: o.section, emit: o.emit, inline: o.inline ?? false,
    };
    this.objects.push(obj);
    if (o.classid !== 0) this.catalog(o.classid).set(o.oid, obj);
    return obj;
  }

  /** Make `classid:oid` resolve to an existing object (e.g. a constraint's index, a view's rule). */
  alias(classid: number, oid: number, obj: DumpObject): void {
    this.catalog(classid).set(oid, obj);
    // Flat pairs (classid, oid), at their exact size: most objects have one alias or none.
    const list = this.aliases.get(obj.id);
    this.aliases.set(obj.id, list === undefined ? [classid, oid] : [...list, classid, oid]);
  }

  find(classid: number, oid: number): DumpObject | undefined {
    return this.byCatalog.get(classid)?.get(oid);
  }

  private catalog(classid: number): Map<number, DumpObject> {
    let m = this.byCatalog.get(classid);
    if (m === undefined) {
      m = new Map();
      this.byCatalog.set(classid, m);
    }
    return m;
  }

  isMember(classid: number, oid: number): boolean {
    return this.extMembers.has(`${classid}:${oid}`);
  }

  comment(classid: number, oid: number, sub = 0): string | undefined {
    return this.comments.get(`${classid}:${oid}:${sub}`);
  }

  /**
   * pg_dump's append_depends_on_extension: `ALTER <keyword> <target> DEPENDS ON EXTENSION <ext>;\n` for each
   * extension the object is marked as depending on (recorded for the guard), or ''.
   */
  dependsOnExtension(classid: number, oid: number, keyword: string, target: string): string {
    if (this.skip.has('pg_depend')) return '';
    let s = '';
    for (const d of this.extDeps.get(`${classid}:${oid}`) ?? []) {
      s += `ALTER ${keyword} ${target} DEPENDS ON EXTENSION ${this.q.id(d.extname)};\n`;
      this.ledger.add(extDepKey(classid, oid, d.ext));
    }
    return s;
  }

  /** A comment written by hand (not through commentEntry): record it for the guard; false when the test switch is on. */
  noteComment(classid: number, oid: number, sub = 0): boolean {
    if (this.skip.has('pg_description')) return false;
    this.ledger.add(commentKey(classid, oid, sub));
    return true;
  }

  owner(role: string): string | null {
    return this.opts.noOwner ? null : role;
  }

  /** `ALTER <kind> <target> OWNER TO <role>;` unless --no-owner. */
  ownerStmt(kind: string, target: string, role: string): string | null {
    if (this.opts.noOwner) return null;
    return `ALTER ${kind} ${target} OWNER TO ${this.q.id(role)};`;
  }

  /**
   * A COMMENT entry, pg_dump style (tag `<KIND> <name>`), followed — as pg_dump's dumpComment + dumpSecLabel — by the
   * object's SECURITY LABEL entry (securityLabelEntry) unless `labels` is false (tables place theirs after the
   * column comments); `labelColumnsOf`: the relation whose column labels belong to this object (composite types).
   */
  commentEntry(args: CommentArgs & { sub?: number; labels?: boolean; labelColumnsOf?: number }): TocEntry[] {
    const labels = (args.sub ?? 0) === 0 && args.labels !== false ? this.securityLabelEntry(args, args.labelColumnsOf) : [];
    const text = this.comment(args.classid, args.oid, args.sub ?? 0);
    if (text === undefined || this.skip.has('pg_description')) return labels;
    this.ledger.add(commentKey(args.classid, args.oid, args.sub ?? 0));
    return [{
      tag: `${args.kind} ${args.tagName}`,
      desc: 'COMMENT',
      schema: args.schema,
      owner: this.owner(args.owner),
      create: `COMMENT ON ${args.kind} ${args.target} IS ${literal(text)};\n`,
      drop: null,
      ownerStmt: null,
      pass: 1,
    }, ...labels];
  }

  /**
   * pg_dump's dumpSecLabel / dumpTableSecLabel: one SECURITY LABEL entry (tag `<KIND> <name>`) holding every label of
   * the object — `SECURITY LABEL FOR provider ON <KIND> <target> IS '…';` — and, with `columnsOf` (a relation: the
   * object itself for tables, views, matviews and foreign tables, the type's relation for a composite type), those of
   * its columns (`ON COLUMN <target>.<column>`), in pg_seclabel's order. Only kinds SECURITY LABEL accepts; labels on
   * other objects (which no provider can set) are left to the completeness guard.
   */
  securityLabelEntry(args: CommentArgs, columnsOf?: number): TocEntry[] {
    if (this.skip.has('pg_seclabel') || !LABEL_KINDS.has(args.kind)) return [];
    const { q } = this;
    let sql = '';
    const write = (classid: number, oid: number, l: SecLabel, on: string): void => {
      sql += `SECURITY LABEL FOR ${q.id(l.provider)} ON ${on} IS ${literal(l.label)};\n`;
      this.ledger.add(labelKey(classid, oid, l.sub, l.provider));
    };
    for (const l of this.labels.get(`${args.classid}:${args.oid}`) ?? []) {
      if (l.sub === 0) write(args.classid, args.oid, l, `${args.kind} ${args.target}`);
      else if (columnsOf === args.oid && args.classid === CLASS.pg_class && l.column !== null) write(args.classid, args.oid, l, `COLUMN ${args.target}.${q.id(l.column)}`);
    }
    if (columnsOf !== undefined && !(args.classid === CLASS.pg_class && columnsOf === args.oid)) {
      for (const l of this.labels.get(`${CLASS.pg_class}:${columnsOf}`) ?? []) {
        if (l.sub !== 0 && l.column !== null) write(CLASS.pg_class, columnsOf, l, `COLUMN ${args.target}.${q.id(l.column)}`);
      }
    }
    if (sql === '') return [];
    return [{ tag: `${args.kind} ${args.tagName}`, desc: 'SECURITY LABEL', schema: args.schema, owner: this.owner(args.owner), create: sql, drop: null, ownerStmt: null, pass: 1 }];
  }

  /** An ACL entry (pass 2) unless --no-privileges or nothing differs from the base. */
  aclEntry(args: { type: string; name: string; subname?: string | null; nspname: string | null; tag: string; schema: string | null; owner: string; acl: string[] | null; base: string[] }): TocEntry[] {
    if (this.opts.noPrivileges) return [];
    const sql = buildAclCommands(this.q, {
      name: args.name, subname: args.subname ?? null, nspname: args.nspname, type: args.type,
      acl: args.acl, base: args.base, owner: args.owner, prefix: '',
    }, this.version);
    if (sql === '') return [];
    return [{ tag: args.tag, desc: 'ACL', schema: args.schema, owner: this.owner(args.owner), create: sql, drop: null, ownerStmt: null, pass: 2 }];
  }
}

export { CLASS };
