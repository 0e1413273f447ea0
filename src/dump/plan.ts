/**
 * The contract between the schema side of the dumper (src/dump/schema: catalog queries and SQL
 * generation) and the dump engine (src/dump/engine: session, snapshot, COPY streaming, parts).
 *
 * The engine opens the snapshot transaction with pinned session settings, calls `readSchema()`
 * (which locks the dumped tables and reads the catalogs), then emits the script as ordered parts:
 *
 *   1. `prologue`  : header comment + fixed SET lines + DROP pass + pre-data DDL
 *   2. per entry of `tables`: `COPY <qualified> (<cols>) FROM stdin;\n` + rows + `\.\n\n\n`
 *   3. `dataSql`   : data-section statements that are not COPY (sequence setval), then large-object
 *                    contents (streamed by the engine for each oid in `largeObjects`)
 *   4. `epilogue`  : post-data DDL, ACL pass, event triggers, matview refreshes, footer
 *
 * Concatenated, the parts are one psql script equivalent to `pg_dump --clean --if-exists`.
 */

export interface DumpFilterOptions {
  /** pg_dump-style patterns (`*` and `?` wildcards, optional `schema.` prefix for tables). */
  schemas?: string[];
  excludeSchemas?: string[];
  tables?: string[];
  excludeTables?: string[];
  excludeTableData?: string[];
}

export interface SchemaOptions extends DumpFilterOptions {
  /** Omit `ALTER ... OWNER TO` (pg_dump --no-owner). */
  noOwner?: boolean;
  /** Omit GRANT/REVOKE and default privileges (pg_dump --no-privileges). */
  noPrivileges?: boolean;
  /** Emit the `--clean --if-exists` DROP pass (default true). */
  clean?: boolean;
  /**
   * Key for `\restrict` / `\unrestrict` lines, or null to omit them (see docs/dump-objects.md).
   * Undefined (the default) = readSchema draws a fresh random 64-character alphanumeric key per dump
   * (crypto.randomBytes), exactly like pg_dump >= 15.14: the key must be unpredictable to whoever
   * controls object names or data. Fixed length, so it never shifts the rest of the script (only the
   * first and last chunk of a dump differ between two dumps of the same data). Pass null for scripts
   * that must load with psql older than 15.14/16.10/17.6 (they reject `\restrict`).
   */
  restrictKey?: string | null;
  /** Milliseconds to wait for each table lock before failing (0 = wait forever). */
  lockWaitTimeoutMs?: number;
  /**
   * The completeness guard: by default a dump whose scope holds objects pgvault cannot write fails with an
   * UnsupportedObjectsError naming them. true = dump anyway, listing them in `SchemaPlan.unsupported` and the warnings.
   */
  allowUnsupported?: boolean;
  /**
   * Test-only injection point: catalogs (e.g. `pg_type`, `pg_description`) whose renderers are switched off, so a
   * test can prove that the completeness guard notices an object the script lacks. Never set it in production.
   */
  skipRenderers?: string[];
  /**
   * Test-only observer: the script writer's statistics once the schema is rendered (entries written, and the most
   * entries ever held before being written, which stays at one object's entries: rendered SQL is never kept per object).
   */
  onWriterStats?: (stats: { entries: number; maxHeld: number }) => void;
  /**
   * Test-only observer: when the render reaches post-data, how many column records the schema side still holds (a
   * table's are let go once its CREATE TABLE is printed; views keep theirs). Every table's, before that was done.
   */
  onRenderStats?: (stats: { columnsHeldAtPostData: number }) => void;
  /**
   * Test-only: rows per page of the paged catalog reads (default 5 000), so a test can show with a small schema that
   * no read of a whole catalog holds more than one page of rows.
   */
  pageRows?: number;
}

export interface TableDataSpec {
  oid: number;
  schema: string;
  name: string;
  /** Quoted, qualified name, e.g. `public."Order"`. */
  qualified: string;
  /** Quoted column names in COPY order (no dropped or generated columns). Empty for zero-column tables. */
  columns: string[];
  /**
   * The line that starts this table's data in the script, e.g. `COPY public.t (a, b) FROM stdin;\n` — only that line:
   * the engine prints the pg_dump-style `--\n-- Data for Name: ...` comment block before it (from schema/name/owner).
   * Exception (as pg_dump 15.3+): a leaf of a table hash-partitioned on an enum column is loaded through its root,
   * and then this is `-- load via partition root <root>\n\nCOPY <root> (<cols>) FROM stdin;\n` (the engine still
   * reads the leaf's own rows with `qualified`/`columns`).
   */
  copyFromLine: string;
  /** Quoted columns of the primary key or of a unique index over NOT NULL columns, for stable row order; null if none. */
  orderKey: string[] | null;
  /** Relation size estimate in bytes (pg_relation_size), to schedule parallel jobs largest first. */
  estimatedBytes: number;
  /**
   * Optional (additive): the row filter of an extension configuration table, exactly as registered with
   * `pg_extension_config_dump(table, filter)` (e.g. `WHERE NOT shipped`); only the rows it selects are dumped,
   * read with `COPY (SELECT <columns> FROM ONLY <table> <filter>) TO STDOUT`, as pg_dump does. Undefined = every row.
   */
  filter?: string;
  /**
   * Optional (additive): owner role name, only for the cosmetic `-- Data for Name: ...; Owner: x` comment the engine
   * prints before the COPY line (pg_dump prints `Owner: -` with --no-owner). Omitted or null → `-`.
   */
  owner?: string | null;
}

export interface SequenceSpec {
  oid: number;
  /** Quoted, qualified name, e.g. `public."Order_id_seq"`; the engine reads `SELECT last_value, is_called FROM <qualified>`. */
  qualified: string;
  /** Optional (additive): unquoted schema / name / owner, only for the cosmetic `-- Name: ...; Type: SEQUENCE SET` comment. */
  schema?: string;
  name?: string;
  owner?: string | null;
}

/**
 * Script text as one string or as segments to be read in order (the schema side hands over the prologue of a schema
 * of many objects — tens of megabytes — as segments, never joined into one string).
 */
export type ScriptText = string | readonly string[];

/** The text of a {@link ScriptText} as one string. */
export function scriptText(t: ScriptText): string {
  return typeof t === 'string' ? t : t.join('');
}

export interface SchemaPlan {
  /** server_version_num of the source. */
  serverVersionNum: number;
  /** server_version string for the header comment. */
  serverVersion: string;
  /** Header, DROP pass and pre-data DDL: one string, or its segments in order (see {@link scriptText}). */
  prologue: ScriptText;
  /** Tables whose data is dumped, in script order. */
  tables: TableDataSpec[];
  /** Sequences whose value is dumped (`SELECT pg_catalog.setval(...)` is generated by the engine from last_value/is_called). */
  sequences: SequenceSpec[];
  /** Large objects whose contents are dumped in the data section. */
  largeObjects: number[];
  /**
   * TOC comment printed once before the large-object contents block when `largeObjects` is not
   * empty (`--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\n`); the engine then
   * writes `BEGIN;\n\n` + per object lo_open/lowrite/lo_close + `COMMIT;\n\n` as pg_dump does.
   */
  largeObjectsHeader: string;
  /** Post-data DDL, ACLs, matview refreshes, event triggers and footer: one string, or its segments in order. */
  epilogue: ScriptText;
  /** Non-fatal notes (e.g. a dependency loop broken arbitrarily); never contain secrets. */
  warnings: string[];
  /** Objects the script leaves out, let through by `allowUnsupported` (empty or absent otherwise). */
  unsupported?: { kind: string; name: string }[];
}
