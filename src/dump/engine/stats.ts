/**
 * Per-table statistics of the exact COPY row bytes: row count (the server's `COPY n` tag, which equals the number of
 * 0x0A bytes: COPY text escapes embedded newlines as `\n`, so every row, even of a zero-column table, ends with exactly
 * one), byte count, and SHA-256 (computed by the DumpHasher). See docs/dump-engine.md for how a verifier recomputes them.
 */
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
  /** An extension configuration table's row filter (`WHERE …`, as registered): only those rows were read. */
  filter?: string;
}
