/**
 * Per-table statistics computed on the exact COPY row bytes as they stream past: row count (newlines: COPY text
 * escapes embedded newlines as `\n`, so every row, even of a zero-column table, ends with exactly one 0x0A byte),
 * byte count, and SHA-256. See docs/dump-engine.md for how a verifier recomputes the hash.
 */
import { createHash, type Hash } from 'node:crypto';

export interface TableStats {
  /** Unquoted schema and table name. */
  schema: string;
  name: string;
  /** Quoted, qualified name as in the script. */
  qualified: string;
  rows: number;
  /** Bytes of COPY row data (without the `COPY ... FROM stdin;` line and the `\.` terminator). */
  bytes: number;
  /** Lower-case hex SHA-256 of those bytes. */
  sha256: string;
  /** How the rows were read: `heap` = `COPY t (cols) TO STDOUT`; `ordered` = `COPY (SELECT cols FROM ONLY t ORDER BY key) TO STDOUT`. */
  order: 'heap' | 'ordered';
  /** The ORDER BY key (quoted columns) when order = 'ordered'. */
  orderKey?: string[];
}

export class StatsAccumulator {
  private readonly hash: Hash = createHash('sha256');
  private rows = 0;
  private bytes = 0;
  private digest: string | undefined;

  update(chunk: Uint8Array): void {
    if (this.digest !== undefined) throw new Error('StatsAccumulator updated after finish');
    this.hash.update(chunk);
    this.bytes += chunk.length;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    let i = buf.indexOf(10);
    while (i !== -1) {
      this.rows++;
      i = buf.indexOf(10, i + 1);
    }
  }

  finish(): { rows: number; bytes: number; sha256: string } {
    this.digest ??= this.hash.digest('hex');
    return { rows: this.rows, bytes: this.bytes, sha256: this.digest };
  }
}
