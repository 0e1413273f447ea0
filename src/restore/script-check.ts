/**
 * The end-to-end check of a restored script against what the backup recorded: the segment digest
 * (`dump.segments`, written by current backups; docs/format.md "Segment digest"), or the whole script's SHA-256
 * (`dump.sha256`, older manifests), and the size. One SHA-256 pass over the produced bytes either way; with
 * segments, the rows of a layered table that its reader already checked against the table's SHA-256 are not
 * hashed again (`verifiedRows`).
 */
import { createHash, type Hash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { rowRangesValid, SegmentVerifier, type RowRange } from '../dump/engine/segments.js';
import type { Snapshot, TableRecord } from '../snapshot/manifest.js';

/** The row ranges of a snapshot's tables in script order (the row segments of its segment digest). */
export function rowRangesOf(s: Pick<Snapshot, 'parts'>): RowRange[] {
  return s.parts.flatMap((p) => p.kind === 'table-data' && p.table ? [{ offset: p.table.dataOffset, length: p.table.dataLength }] : []);
}

export class ScriptCheck {
  readonly #s: Snapshot;
  readonly #segments: SegmentVerifier | null;
  readonly #hash: Hash | null;
  #size = 0;

  constructor(s: Snapshot) {
    this.#s = s;
    if (s.dump.segments !== undefined) {
      const rows = rowRangesOf(s);
      if (!rowRangesValid(rows)) {
        throw new IntegrityError(`snapshot ${s.id.slice(0, 8)} (${s.database}) records table rows out of script order, so its script cannot be checked; ` +
          'the manifest is damaged: restore another snapshot (pgvault snapshots)', `snapshots/${s.id}`);
      }
      this.#segments = new SegmentVerifier(rows);
      this.#hash = null;
    } else {
      this.#segments = null;
      this.#hash = createHash('sha256');
    }
  }

  update(b: Uint8Array): void {
    this.#size += b.length;
    if (this.#segments) this.#segments.update(b);
    else this.#hash!.update(b);
  }

  /** Bytes of table `t`'s rows, already checked by the caller against `t.sha256` (a layered table's reader). */
  verifiedRows(b: Uint8Array, t: TableRecord): void {
    this.#size += b.length;
    if (this.#segments) this.#segments.verifiedRows(b, { offset: t.dataOffset, length: t.dataLength }, t.sha256);
    else this.#hash!.update(b);
  }

  /** Throw the restore's IntegrityError when the bytes are not the script the backup recorded. */
  finish(): void {
    const s = this.#s;
    const [what, got, want] = this.#segments
      ? ['segment digest', this.#segments.digest(), s.dump.segments!]
      : ['sha256', this.#hash!.digest('hex'), s.dump.sha256 ?? ''];
    if (got !== want || this.#size !== s.dump.size) {
      throw new IntegrityError(`the restored script of snapshot ${s.id.slice(0, 8)} (${s.database}) does not match the checksum recorded at backup time ` +
        `(${this.#size} bytes, ${what} ${got === null ? 'not computable: the bytes do not fit its table rows' : `${got.slice(0, 16)}…`} ` +
        `instead of ${s.dump.size} bytes, ${want.slice(0, 16)}…)`, `snapshots/${s.id}`);
    }
  }
}
