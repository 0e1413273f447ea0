/**
 * What the renderers wrote. Every renderer records the catalog objects it put into the script, keyed
 * `classid:objid[:subid]` (pg_depend's identity), plus a few keys for things that are not catalog rows of
 * their own: comments (`comment:classoid:objoid:objsubid`), security labels (`label:…`), `DEPENDS ON
 * EXTENSION` markers (`extdep:classid:objid:extoid`), the data of a table (`data:relid`) and of an extension
 * configuration table (`extconfig:relid`). The completeness guard (./check.ts) compares this ledger with
 * the catalogs.
 */

export type LedgerKey = string;

export const key = (classid: number, objid: number, subid = 0): LedgerKey => (subid === 0 ? `${classid}:${objid}` : `${classid}:${objid}:${subid}`);
export const commentKey = (classoid: number, objoid: number, objsubid: number): LedgerKey => `comment:${classoid}:${objoid}:${objsubid}`;
export const labelKey = (classoid: number, objoid: number, objsubid: number, provider: string): LedgerKey => `label:${classoid}:${objoid}:${objsubid}:${provider}`;
export const extDepKey = (classid: number, objid: number, extoid: number): LedgerKey => `extdep:${classid}:${objid}:${extoid}`;
export const dataKey = (relid: number): LedgerKey => `data:${relid}`;
export const extConfigKey = (relid: number): LedgerKey => `extconfig:${relid}`;

export class RenderLedger {
  private readonly keys = new Set<LedgerKey>();

  /** A catalog object (or one of its sub-objects) was written to the script. */
  object(classid: number, objid: number, subid = 0): void {
    this.keys.add(key(classid, objid, subid));
  }

  /** Anything else, with one of the key builders above. */
  add(k: LedgerKey): void {
    this.keys.add(k);
  }

  has(k: LedgerKey): boolean {
    return this.keys.has(k);
  }

  get size(): number {
    return this.keys.size;
  }
}
