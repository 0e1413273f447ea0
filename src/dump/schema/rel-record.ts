/**
 * A relation as the schema side keeps it (`Rel`), compact: every relation is alive until the dependency sort is done,
 * two per table (the table and its sequence). The fields most relations leave at their default (partitioning, typed
 * and foreign tables, row security, view state, loop repairs) live in one frozen record shared by every relation that
 * has them all at the default, copied into a record of its own on the first write that differs. About 200 bytes per
 * relation instead of 360; readers and writers see the same fields as on the `Rel` interface.
 */
import type { DumpObject } from './model.js';
import type { Check, Column, Rel, RelRow } from './relations.js';

interface Rare {
  checkoption: string | null; toastopts: string[] | null; ispartition: boolean; partbound: string | null; partkey: string | null;
  oftype: string | null; rowsec: boolean; forcerowsec: boolean; spcname: string | null; partam: string | null; srvname: string | null;
  ftoptions: string | null; dummyView: boolean; postponed: boolean; ruleOid: number | null; ruleObj: DumpObject | null;
  viewdef: string | null; printAll: boolean; loadVia: string | null; refreshObj: DumpObject | undefined;
}

const DEFAULTS: Readonly<Rare> = Object.freeze({
  checkoption: null, toastopts: null, ispartition: false, partbound: null, partkey: null, oftype: null, rowsec: false,
  forcerowsec: false, spcname: null, partam: null, srvname: null, ftoptions: '', dummyView: false, postponed: false,
  ruleOid: null, ruleObj: null, viewdef: null, printAll: false, loadVia: null, refreshObj: undefined,
});

function rareOf(r: RelRow): Rare | Readonly<Rare> {
  const own: Rare = {
    ...DEFAULTS, checkoption: r.checkoption, toastopts: r.toastopts, ispartition: r.ispartition, partbound: r.partbound,
    partkey: r.partkey, oftype: r.oftype, rowsec: r.rowsec, forcerowsec: r.forcerowsec, spcname: r.spcname, partam: r.partam,
    srvname: r.srvname, ftoptions: r.ftoptions,
  };
  for (const k of Object.keys(DEFAULTS) as (keyof Rare)[]) if (own[k] !== DEFAULTS[k]) return own;
  return DEFAULTS;
}

export class RelRecord implements Rel {
  oid: number; relname: string; nspname: string; nspoid: number; relkind: string; persistence: string; owner: string;
  acl: string[] | null; base: string[]; reloptions: string[]; replident: string; amname: string | null; populated: boolean;
  reltype: number; qual: string; cols: Column[]; checks: Check[]; parents: number[]; obj: DumpObject; dumpData = false;
  seq: Rel['seq'] = null;
  owned: Rel['owned'];
  private rare: Rare | Readonly<Rare>;

  constructor(r: RelRow, qual: string, cols: Column[], checks: Check[], parents: number[]) {
    this.oid = r.oid; this.relname = r.relname; this.nspname = r.nspname; this.nspoid = r.nspoid; this.relkind = r.relkind;
    this.persistence = r.persistence; this.owner = r.owner; this.acl = r.acl; this.base = r.base; this.reloptions = r.reloptions;
    this.replident = r.replident; this.amname = r.amname; this.populated = r.populated; this.reltype = r.reltype;
    this.qual = qual; this.cols = cols; this.checks = checks; this.parents = parents;
    this.obj = undefined as unknown as DumpObject;
    this.owned = r.owned;
    this.rare = rareOf(r);
  }

  /** Whether the rarely set fields are the shared default record (test hook for the record's size). */
  get sharesDefaults(): boolean { return this.rare === DEFAULTS; }

  private set<K extends keyof Rare>(k: K, v: Rare[K]): void {
    if (this.rare[k] === v) return;
    if (this.rare === DEFAULTS) this.rare = { ...DEFAULTS };
    (this.rare as Rare)[k] = v;
  }

  get checkoption(): string | null { return this.rare.checkoption; }
  set checkoption(v: string | null) { this.set('checkoption', v); }
  get toastopts(): string[] | null { return this.rare.toastopts; }
  set toastopts(v: string[] | null) { this.set('toastopts', v); }
  get ispartition(): boolean { return this.rare.ispartition; }
  set ispartition(v: boolean) { this.set('ispartition', v); }
  get partbound(): string | null { return this.rare.partbound; }
  set partbound(v: string | null) { this.set('partbound', v); }
  get partkey(): string | null { return this.rare.partkey; }
  set partkey(v: string | null) { this.set('partkey', v); }
  get oftype(): string | null { return this.rare.oftype; }
  set oftype(v: string | null) { this.set('oftype', v); }
  get rowsec(): boolean { return this.rare.rowsec; }
  set rowsec(v: boolean) { this.set('rowsec', v); }
  get forcerowsec(): boolean { return this.rare.forcerowsec; }
  set forcerowsec(v: boolean) { this.set('forcerowsec', v); }
  get spcname(): string | null { return this.rare.spcname; }
  set spcname(v: string | null) { this.set('spcname', v); }
  get partam(): string | null { return this.rare.partam; }
  set partam(v: string | null) { this.set('partam', v); }
  get srvname(): string | null { return this.rare.srvname; }
  set srvname(v: string | null) { this.set('srvname', v); }
  get ftoptions(): string | null { return this.rare.ftoptions; }
  set ftoptions(v: string | null) { this.set('ftoptions', v); }
  get dummyView(): boolean { return this.rare.dummyView; }
  set dummyView(v: boolean) { this.set('dummyView', v); }
  get postponed(): boolean { return this.rare.postponed; }
  set postponed(v: boolean) { this.set('postponed', v); }
  get ruleOid(): number | null { return this.rare.ruleOid; }
  set ruleOid(v: number | null) { this.set('ruleOid', v); }
  get ruleObj(): DumpObject | null { return this.rare.ruleObj; }
  set ruleObj(v: DumpObject | null) { this.set('ruleObj', v); }
  get viewdef(): string | null { return this.rare.viewdef; }
  set viewdef(v: string | null) { this.set('viewdef', v); }
  get printAll(): boolean { return this.rare.printAll; }
  set printAll(v: boolean) { this.set('printAll', v); }
  get loadVia(): string | null { return this.rare.loadVia; }
  set loadVia(v: string | null) { this.set('loadVia', v); }
  get refreshObj(): DumpObject | undefined { return this.rare.refreshObj; }
  set refreshObj(v: DumpObject | undefined) { this.set('refreshObj', v); }
}
