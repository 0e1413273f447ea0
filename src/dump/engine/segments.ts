/**
 * The segment digest of a dump script (manifest field `dump.segments`; docs/format.md "Segment digest").
 *
 * The script is cut into segments that alternate strictly: other bytes, a table's COPY rows, other bytes, …, a
 * table's COPY rows, other bytes. With n tables there are 2n + 1 segments: one row segment per table (exactly the
 * bytes its `table.sha256` covers, `dataOffset`/`dataLength` of its part record; empty for an empty table) and the
 * runs of other bytes around them (prologue, COPY lines, `\.` trailers, sequences, large objects, epilogue; a run is
 * empty when nothing stands there, e.g. before a script that starts with rows). Each segment is encoded as a record
 * of 41 bytes
 *
 *     kind (1 byte: 0 = other bytes, 1 = table rows) || length (8 bytes, big-endian) || SHA-256 of its bytes (32 bytes)
 *
 * and the digest is the SHA-256 of the records in script order (hex). A row segment's SHA-256 is the table's rows
 * hash, which the dump engine computes anyway: every byte of the script is hashed once, not twice. Given the part
 * records (which fix where the row segments are), the digest identifies the script as a SHA-256 of it would.
 */
import { createHash, type Hash } from 'node:crypto';

export const SEGMENT_OTHER = 0;
export const SEGMENT_ROWS = 1;
/** Bytes of one segment record. */
export const SEGMENT_RECORD_BYTES = 41;

/** The digest over segment records, fed one segment at a time. */
export class SegmentRecords {
  readonly #hash = createHash('sha256');
  #count = 0;

  add(kind: typeof SEGMENT_OTHER | typeof SEGMENT_ROWS, length: number, sha256: Uint8Array): void {
    if (sha256.length !== 32) throw new Error(`a segment's SHA-256 has 32 bytes, not ${sha256.length}`);
    const rec = Buffer.allocUnsafe(SEGMENT_RECORD_BYTES);
    rec[0] = kind;
    rec.writeBigUInt64BE(BigInt(length), 1);
    rec.set(sha256, 9);
    this.#hash.update(rec);
    this.#count++;
  }

  /** Segments added so far. */
  get count(): number {
    return this.#count;
  }

  hex(): string {
    return this.#hash.digest('hex');
  }
}

/**
 * The writer's side (the dump engine): script bytes as they stream, with each table's rows marked by
 * beginTable / endTable. `endTable` returns the table's rows SHA-256 (hex), `end` the segment digest.
 */
export class SegmentHasher {
  readonly #records = new SegmentRecords();
  #other: Hash = createHash('sha256');
  #otherBytes = 0;
  #rows: Hash | null = null;
  #rowBytes = 0;

  scriptBytes(b: Uint8Array): void {
    if (this.#rows) throw new Error('script bytes inside a table\'s rows: end the table first');
    this.#other.update(b);
    this.#otherBytes += b.length;
  }

  beginTable(): void {
    if (this.#rows) throw new Error('a table began inside another table\'s rows');
    this.#records.add(SEGMENT_OTHER, this.#otherBytes, this.#other.digest());
    this.#rows = createHash('sha256');
    this.#rowBytes = 0;
  }

  tableBytes(b: Uint8Array): void {
    if (!this.#rows) throw new Error('table bytes outside a table: begin the table first');
    this.#rows.update(b);
    this.#rowBytes += b.length;
  }

  endTable(): string {
    if (!this.#rows) throw new Error('endTable without beginTable');
    const d = this.#rows.digest();
    this.#records.add(SEGMENT_ROWS, this.#rowBytes, d);
    this.#rows = null;
    this.#other = createHash('sha256');
    this.#otherBytes = 0;
    return d.toString('hex');
  }

  end(): string {
    if (this.#rows) throw new Error('the script ended inside a table\'s rows');
    this.#records.add(SEGMENT_OTHER, this.#otherBytes, this.#other.digest());
    return this.#records.hex();
  }
}

/** Where a table's rows are in the script (a part record's `table.dataOffset` / `table.dataLength`). */
export interface RowRange {
  offset: number;
  length: number;
}

/** Row ranges are usable when ascending and non-overlapping, with whole non-negative numbers. */
export function rowRangesValid(rows: readonly RowRange[]): boolean {
  let at = 0;
  for (const r of rows) {
    if (!Number.isSafeInteger(r.offset) || !Number.isSafeInteger(r.length) || r.length < 0 || r.offset < at) return false;
    at = r.offset + r.length;
  }
  return true;
}

/**
 * The reader's side: the segment digest of bytes as they are produced (a restore), the row segments placed by the
 * manifest's row ranges. One SHA-256 pass over the bytes. `verifiedRows` takes the bytes of a table's rows that the
 * caller has checked against the table's recorded SHA-256 itself (a layered table's rebuilt rows): they are not
 * hashed again, the recorded SHA-256 stands in for them, provided they fill exactly that table's row segment.
 */
export class SegmentVerifier {
  readonly #rows: readonly RowRange[];
  readonly #records = new SegmentRecords();
  /** Index of the current segment: even = other bytes before row range k/2 (or after the last), odd = row range (k-1)/2. */
  #k = 0;
  #hash: Hash = createHash('sha256');
  #start = 0;
  #pos = 0;
  /** The current row segment is being filled with verified rows (their recorded SHA-256). */
  #verified: Uint8Array | null = null;
  /** Set when the bytes cannot match (verified rows out of place): the digest is then not computed. */
  #broken = false;

  constructor(rows: readonly RowRange[]) {
    if (!rowRangesValid(rows)) throw new Error('row ranges must be ascending and non-overlapping');
    this.#rows = rows;
    this.#close();
  }

  /** Bytes produced so far. */
  get size(): number {
    return this.#pos;
  }

  #end(): number {
    const j = this.#k >> 1;
    if ((this.#k & 1) === 0) return j < this.#rows.length ? this.#rows[j]!.offset : Number.POSITIVE_INFINITY;
    return this.#rows[j]!.offset + this.#rows[j]!.length;
  }

  /** Close every segment that ends where we are (several when row segments are empty). */
  #close(): void {
    while (this.#pos === this.#end()) {
      const kind = (this.#k & 1) === 0 ? SEGMENT_OTHER : SEGMENT_ROWS;
      this.#records.add(kind, this.#pos - this.#start, this.#verified ?? this.#hash.digest());
      this.#verified = null;
      this.#hash = createHash('sha256');
      this.#start = this.#pos;
      this.#k++;
    }
  }

  update(b: Uint8Array): void {
    let at = 0;
    while (at < b.length) {
      if (this.#verified) { this.#broken = true; return; }
      const take = Math.min(b.length - at, this.#end() - this.#pos);
      this.#hash.update(at === 0 && take === b.length ? b : b.subarray(at, at + take));
      at += take;
      this.#pos += take;
      this.#close();
    }
  }

  /** Bytes of the rows of the table at `range`, already checked against `sha256` (hex) by the caller. */
  verifiedRows(b: Uint8Array, range: RowRange, sha256: string): void {
    if (b.length === 0 || this.#broken) return;
    if (!/^[0-9a-f]{64}$/.test(sha256)) { this.#broken = true; return; }
    const j = this.#k >> 1;
    const inRows = (this.#k & 1) === 1 && this.#rows[j]!.offset === range.offset && this.#rows[j]!.length === range.length;
    if (!inRows || (this.#verified === null && this.#pos !== this.#start) || this.#pos + b.length > this.#end()) { this.#broken = true; return; }
    this.#verified ??= Buffer.from(sha256, 'hex');
    this.#pos += b.length;
    this.#close();
  }

  /** The segment digest (hex), or null when the bytes cannot be the script (too short for its row ranges, misplaced rows). */
  digest(): string | null {
    if (this.#broken || this.#k !== 2 * this.#rows.length) return null;
    this.#records.add(SEGMENT_OTHER, this.#pos - this.#start, this.#hash.digest());
    return this.#records.hex();
  }
}

/** The segment digest of a whole script held in memory (tests, small tools). */
export function segmentDigestOf(script: Uint8Array, rows: readonly RowRange[]): string | null {
  const v = new SegmentVerifier(rows);
  v.update(script);
  return v.digest();
}
