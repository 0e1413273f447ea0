/** Public types of the dump engine (re-exported by src/dump/index.ts). */
import type pg from 'pg';
import type { SchemaOptions, SchemaPlan, TableDataSpec } from '../plan.js';
import type { TableStats } from './stats.js';
import type { ScriptDigestKind } from './hasher.js';

export type { TableStats } from './stats.js';

export interface DumpOptions extends SchemaOptions {
  /** Connections reading table data in parallel, all on the same snapshot (default 1). */
  jobs?: number;
  /** Read tables that have a primary key / unique NOT NULL key in key order (`COPY (SELECT ... ORDER BY key)`). */
  stableOrder?: boolean;
  /** Open the snapshot with SERIALIZABLE READ ONLY DEFERRABLE (waits for a safe snapshot) instead of REPEATABLE READ. */
  serializableDeferrable?: boolean;
  /** Tuning (jobs > 1): split heap-order tables larger than twice this many bytes into block ranges of this size. Default 4 MiB. */
  parallelChunkBytes?: number;
  /** Tuning (jobs > 1): bytes buffered per prefetched range before its COPY is paused. Default 8 MiB. */
  prefetchBytes?: number;
  /** true: hash on the main thread; false: in a worker thread; default: a worker only on hosts with ≥ 3 cores. Same results. */
  inlineHashing?: boolean;
  /**
   * The script's digest in the summary: `sha256` (default), the SHA-256 of the whole script (`pgvault dump`, comparable
   * with `sha256sum`); `segments`, the segment digest that backups record (./segments.ts), which hashes every byte once.
   */
  scriptDigest?: ScriptDigestKind;
  /** The schema side to use (default: `readSchema` of src/dump/schema). Lets tests dump hand-made plans. */
  schemaReader?: SchemaReader;
}

export type DumpPartKind = 'prologue' | 'table-data' | 'data-sql' | 'large-objects' | 'epilogue';

export interface DumpPart {
  kind: DumpPartKind;
  /** `prologue`, the table's quoted qualified name, `sequences`, `large-objects`, `epilogue`. */
  name: string;
  /** For table-data parts: what the schema side planned for this table. */
  table?: TableDataSpec;
  /** The bytes of this part of the script. Read it to the end before asking the dump for the next part. */
  stream: AsyncIterable<Uint8Array>;
  /** Table-data parts: rows/bytes/sha256 of the COPY rows; valid once `stream` has ended (throws before). Other parts: undefined. */
  stats(): TableStats | undefined;
}

export interface DumpSummary {
  database: string;
  /** `host:port` or socket path (never credentials). */
  endpoint: string;
  serverVersion: string;
  serverVersionNum: number;
  isolation: 'repeatable read' | 'serializable deferrable';
  jobs: number;
  stableOrder: boolean;
  /** One entry per table-data part, in script order. */
  tables: TableStats[];
  sequences: number;
  largeObjects: number;
  /** Bytes of the whole script (all parts). */
  totalBytes: number;
  /** With `scriptDigest: 'sha256'` (the default): SHA-256 (hex) of the whole script, i.e. of the concatenation of all part streams. */
  sha256?: string;
  /** With `scriptDigest: 'segments'`: the script's segment digest (hex; docs/format.md "Segment digest"). */
  segments?: string;
  /** Non-fatal notes for the operator (ignored ~/.pgpass, the schema side's warnings); never secrets. */
  warnings: string[];
  /** Objects the script leaves out, let through by `allowUnsupported` (the completeness guard); [] otherwise. */
  unsupported: { kind: string; name: string }[];
  /** ISO-8601 UTC. */
  startedAt: string;
  finishedAt: string;
}

/** An async generator of parts whose return value is the summary; `summary()` gives it too once the last part was read. */
export interface Dump extends AsyncGenerator<DumpPart, DumpSummary, undefined> {
  summary(): DumpSummary;
}

/** The schema side: reads catalogs and locks tables inside the engine's snapshot transaction. */
export type SchemaReader = (client: pg.Client, opts: SchemaOptions) => Promise<SchemaPlan>;
