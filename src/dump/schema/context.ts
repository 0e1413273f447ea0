/**
 * Shared state of one schema read: the client, quoting, options, the object graph under
 * construction, and helpers for the TOC entries every object kind shares (owner, comments, ACLs).
 */
import type pg from 'pg';
import { commentKey, extDepKey, RenderLedger } from '../guard/index.js';
import type { SchemaOptions } from '../plan.js';
import { buildAclCommands } from './acl.js';
import { CATALOG_NAME, CLASS, type DumpObject, type ObjType, type Section, type TocEntry } from './model.js';
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

export class Ctx {
  readonly objects: DumpObject[] = [];
  private readonly byCatalog = new Map<string, DumpObject>();
  readonly warnings: string[] = [];
  /** Why objects may be missing (e.g. a catalog the role cannot read), added to the completeness guard's error. */
  readonly guardHints: string[] = [];
  /** pg_description, keyed `classoid:objoid:objsubid`. */
  comments = new Map<string, string>();
  /** Extension members (`classid:objid`), never dumped themselves. */
  extMembers = new Set<string>();
  /** `ALTER … DEPENDS ON EXTENSION` markers (pg_depend deptype 'x'), by `classid:objid`. */
  extDeps = new Map<string, { ext: number; extname: string }[]>();
  /** What the renderers wrote, for the completeness guard (src/dump/guard). */
  readonly ledger = new RenderLedger();
  /** Catalog keys resolving to each object (ctx.alias), recorded with it when it is written. */
  private readonly aliases = new Map<number, [number, number][]>();
  /** Test-only: catalogs whose renderers are switched off (SchemaOptions.skipRenderers). */
  readonly skip: ReadonlySet<string>;
  private nextId = 1;

  constructor(
    readonly client: pg.Client,
    readonly q: Quoter,
    readonly version: number,
    readonly opts: ResolvedOptions,
    readonly raw: SchemaOptions,
  ) {
    this.skip = new Set(raw.skipRenderers ?? []);
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
    if (!o.emit || this.skipped(o.classid)) return [];
    const entries = o.emit();
    if ((entries.length > 0 || o.inline) && o.classid !== 0) {
      this.ledger.object(o.classid, o.oid);
      // Extension members resolve to their extension for sorting; they are not written by it.
      for (const [c, oid] of this.aliases.get(o.id) ?? []) if (!this.isMember(c, oid)) this.ledger.object(c, oid);
    }
    return entries;
  }

  async query<R>(sql: string, params: unknown[] = []): Promise<R[]> {
    const r = await this.client.query(sql, params);
    return r.rows as R[];
  }

  add(o: NewObject): DumpObject {
    const obj: DumpObject = { id: this.nextId++, deps: new Set(), tie: [], ...o } as DumpObject;
    obj.tie = o.tie ?? [];
    this.objects.push(obj);
    if (o.classid !== 0) this.byCatalog.set(`${o.classid}:${o.oid}`, obj);
    return obj;
  }

  /** Make `classid:oid` resolve to an existing object (e.g. a constraint's index, a view's rule). */
  alias(classid: number, oid: number, obj: DumpObject): void {
    this.byCatalog.set(`${classid}:${oid}`, obj);
    const list = this.aliases.get(obj.id) ?? [];
    list.push([classid, oid]);
    this.aliases.set(obj.id, list);
  }

  find(classid: number, oid: number): DumpObject | undefined {
    return this.byCatalog.get(`${classid}:${oid}`);
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

  /** A COMMENT entry, pg_dump style (tag `<KIND> <name>`). */
  commentEntry(args: { classid: number; oid: number; sub?: number; kind: string; tagName: string; target: string; schema: string | null; owner: string }): TocEntry[] {
    const text = this.comment(args.classid, args.oid, args.sub ?? 0);
    if (text === undefined || this.skip.has('pg_description')) return [];
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
    }];
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
