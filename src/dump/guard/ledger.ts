/**
 * What the renderers wrote. Every renderer records the catalog objects it put into the script, keyed
 * `classid:objid` (pg_depend's identity), plus a few keys for things that are not catalog rows of their own:
 * comments (`comment:classoid:objsubid:objoid`), security labels (`label:classoid:objsubid:provider:objoid`),
 * `DEPENDS ON EXTENSION` markers (`extdep:classid:extoid:objid`), the data of a table (`data:relid`) and of an
 * extension configuration table (`extconfig:relid`). The completeness guard (./check.ts) compares this ledger with
 * the catalogs.
 */

export type LedgerKey = string;

export const key = (classid: number, objid: number): LedgerKey => `${classid}:${objid}`;
export const commentKey = (classoid: number, objoid: number, objsubid: number): LedgerKey => `comment:${classoid}:${objsubid}:${objoid}`;
export const labelKey = (classoid: number, objoid: number, objsubid: number, provider: string): LedgerKey => `label:${classoid}:${objsubid}:${provider}:${objoid}`;
export const extDepKey = (classid: number, objid: number, extoid: number): LedgerKey => `extdep:${classid}:${extoid}:${objid}`;
export const dataKey = (relid: number): LedgerKey => `data:${relid}`;
export const extConfigKey = (relid: number): LedgerKey => `extconfig:${relid}`;

/**
 * Keys are stored by their last part, an OID, in one set of numbers per prefix (`1259`, `comment:1259:0`, …): about
 * 20 bytes per written object instead of ~55 for a set of strings (a dump of 20 000 tables records ~200 000 keys).
 */
export class RenderLedger {
  private readonly byPrefix = new Map<string, Set<number>>();
  private count = 0;

  /** A catalog object was written to the script. */
  object(classid: number, objid: number): void {
    this.add(key(classid, objid));
  }

  /** Anything, with one of the key builders above. */
  add(k: LedgerKey): void {
    const i = k.lastIndexOf(':');
    const prefix = k.slice(0, i);
    const id = Number(k.slice(i + 1));
    let set = this.byPrefix.get(prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(prefix, set);
    }
    if (!set.has(id)) {
      set.add(id);
      this.count++;
    }
  }

  has(k: LedgerKey): boolean {
    const i = k.lastIndexOf(':');
    return this.byPrefix.get(k.slice(0, i))?.has(Number(k.slice(i + 1))) ?? false;
  }

  get size(): number {
    return this.count;
  }
}
