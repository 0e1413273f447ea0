/**
 * Snapshot manifests: one per database per backup, sealed in `snapshots/<id>` where id is the keyed
 * hash of the manifest's JSON (the repository's chunk-ID scheme). Writing the manifest is the commit point of a backup.
 * Documented in docs/format.md ("snapshots/").
 */
import { IntegrityError } from '../errors.js';
import type { UploadStats } from '../repo/chunk-store.js';
import type { ChunkRef } from '../repo/records.js';
import type { DumpPartKind, TableStats } from '../dump/index.js';
import type { GlobalsRecord } from '../globals/types.js';

/** The manifest version this pgvault writes (docs/format.md "Manifest versions"). */
export const MANIFEST_VERSION = 2;
/** Every manifest version this pgvault reads: version 1 manifests (written before `origin` existed) stay readable. */
export const READABLE_MANIFEST_VERSIONS: readonly number[] = [1, 2];

export type PartKind = DumpPartKind;

/**
 * A table's data as recorded at backup time: the dump engine's statistics (rows, bytes, SHA-256 of
 * the COPY rows, read order; see docs/dump-engine.md), plus what restore and verify need.
 */
export interface TableRecord extends TableStats {
  /** Quoted column names in COPY order. */
  columns: string[];
  /**
   * Offset and length of the row data inside the dump script (after the COPY line, before `\.`). For a
   * layered table these bytes are not in the dump stream: `layer` gives them (docs/format.md "Layered tables").
   */
  dataOffset: number;
  dataLength: number;
  /** A layered table's rows (manifest version 2, optional): a base, and a delta against it unless this snapshot wrote the base. */
  layer?: TableLayer;
}

/**
 * A table's rows as a base plus, optionally, a delta against it (docs/incremental.md, docs/format.md
 * "Layered tables"). Every snapshot that uses a base names all of the base's objects, so forget, prune
 * and check treat them like any other stream of the snapshot.
 */
export interface TableLayer {
  base: LayerBase;
  /** Absent when this snapshot wrote the base: the table's rows are then the base's rows. */
  delta?: LayerDelta;
}

export interface LayerBase {
  /** Time of the snapshot that wrote the base (RFC 3339, as its `time`). */
  time: string;
  /** The base's COPY rows: refs of the chunk-list stream, rows, bytes and SHA-256 (hex) of the rows. */
  list: ChunkRef[];
  rows: number;
  size: number;
  sha256: string;
  /** The base's row list (20 bytes per row, docs/format.md "Row lists"): refs of its chunk-list stream. */
  rowList: ChunkRef[];
}

export interface LayerDelta {
  /** The op list (docs/format.md "Op lists"): chunk-list refs, bytes, number of ops. */
  ops: ChunkRef[];
  opsSize: number;
  opCount: number;
  /** The literal rows, in the order the op list uses them: chunk-list refs, rows, bytes. */
  literals: ChunkRef[];
  literalRows: number;
  literalSize: number;
}

/** Every saved stream of a snapshot, dump first, then each layered table's base, row list, op list and literal rows. */
export function streamsOf(s: SnapshotManifest): { what: string; list: ChunkRef[] }[] {
  const out: { what: string; list: ChunkRef[] }[] = [{ what: 'chunk list', list: s.dump.list }];
  for (const p of s.parts) {
    const l = p.table?.layer;
    if (!l) continue;
    out.push({ what: `base rows of ${p.name}`, list: l.base.list }, { what: `row list of ${p.name}`, list: l.base.rowList });
    if (l.delta) out.push({ what: `op list of ${p.name}`, list: l.delta.ops }, { what: `literal rows of ${p.name}`, list: l.delta.literals });
  }
  return out;
}

/** True when some table of the snapshot is layered (its rows are not in the dump stream). */
export function hasLayers(s: SnapshotManifest): boolean {
  return s.parts.some((p) => p.table?.layer !== undefined);
}

export interface PartRecord {
  kind: PartKind;
  name: string;
  /** Byte range of the part inside the dump stream. */
  offset: number;
  length: number;
  /**
   * SHA-256 (hex) of the part's bytes, for parts that are not table data (schema changes show in `diff`);
   * for the prologue and epilogue, of the text without psql's `\restrict`/`\unrestrict` lines (their key is random per dump).
   */
  sha256?: string;
  table?: TableRecord;
}

/**
 * Which PostgreSQL server and which configured entry a snapshot came from (manifest version 2).
 * Retention groups, `latest`, `--db`, run metrics and the run state key on it.
 */
export interface SnapshotOrigin {
  /** The configured name (`databases[].name`), or the database name given on the command line. */
  name: string;
  /** The server's `system_identifier` (pg_control_system(), decimal), or "" when it could not be read. */
  systemIdentifier: string;
  /** The server's port (`inet_server_port()`, or the connection's port over a Unix socket). */
  port: number;
}

export interface SnapshotManifest {
  /** 1 for manifests written before `origin` existed (still readable), 2 for new ones. */
  version: 1 | 2;
  /** RFC 3339 with the recording clock's UTC offset. */
  time: string;
  host: string;
  tags: string[];
  /** Database name (the grouping key next to host). */
  database: string;
  /** Where it came from, password redacted (e.g. `postgres://bus@127.0.0.1:5432/bus`). */
  source: string;
  server: { version: string; versionNum: number };
  /** Source identity (version 2); absent in version 1 manifests, which group by host + database. */
  origin?: SnapshotOrigin;
  pgvaultVersion: string;
  dump: {
    /** Bytes of the whole script (layered tables' rows included). */
    size: number;
    /**
     * SHA-256 (hex) of the whole script: written by backups before 2026-12-04 (manifest versions 1 and 2), and
     * still checked by every restore of such a snapshot. New backups record `segments` instead.
     */
    sha256?: string;
    /**
     * Segment digest (hex) of the whole script (version 2, written by backups since 2026-12-04 instead of
     * `sha256`): docs/format.md "Segment digest", src/dump/engine/segments.ts. A manifest has one or the other.
     */
    segments?: string;
    /** Bytes of the stored dump stream when layered tables' rows are stored apart (absent: equal to `size`). */
    stored?: number;
    chunks: number;
    /** Refs of the chunk-list stream (see docs/format.md). */
    list: ChunkRef[];
    /** Dump options that shape the script (for the record and for verify). */
    options: Record<string, unknown>;
  };
  parts: PartRecord[];
  /**
   * What a bare server needs for this database (roles, memberships, tablespaces, database properties),
   * inline (it is small: one record per referenced role). Absent in snapshots of older pgvault versions.
   */
  globals?: GlobalsRecord;
  /**
   * Objects of the database that the dump left out, let through by --allow-unsupported (issue 11's completeness
   * guard; absent when the dump wrote everything). A restore of this snapshot lacks them.
   */
  unsupported?: { kind: string; name: string }[];
  /** What this backup added to the repository. */
  added: UploadStats;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

export interface Snapshot extends SnapshotManifest {
  id: string;
}

export function encodeManifest(m: SnapshotManifest): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(m));
}

export function decodeManifest(bytes: Uint8Array, id: string): Snapshot {
  let m: Partial<SnapshotManifest>;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Partial<SnapshotManifest>;
  } catch (cause) {
    throw new IntegrityError(`snapshot manifest snapshots/${id} is not valid JSON`, `snapshots/${id}`, { cause });
  }
  if (typeof m.version !== 'number' || !READABLE_MANIFEST_VERSIONS.includes(m.version)) {
    throw new IntegrityError(`snapshot snapshots/${id} has manifest version ${String(m.version)}; this pgvault reads versions ${READABLE_MANIFEST_VERSIONS.join(' and ')}: upgrade pgvault`, `snapshots/${id}`);
  }
  if (typeof m.time !== 'string' || typeof m.database !== 'string' || !m.dump || !Array.isArray(m.parts)) {
    throw new IntegrityError(`snapshot manifest snapshots/${id} is incomplete`, `snapshots/${id}`);
  }
  if (typeof m.dump.sha256 !== 'string' && typeof m.dump.segments !== 'string') {
    throw new IntegrityError(`snapshot manifest snapshots/${id} (${m.database}, ${m.time}) records no checksum of its script (neither dump.sha256 nor ` +
      'dump.segments), so no restore of it could be checked: it is damaged or was not written by pgvault; ' +
      'restore another snapshot (pgvault snapshots) and run "pgvault check"', `snapshots/${id}`);
  }
  return { ...(m as SnapshotManifest), id };
}
