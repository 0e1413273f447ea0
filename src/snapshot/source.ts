/**
 * The source identity of a snapshot: which configured database on which PostgreSQL server it came
 * from. Version 2 manifests record it in `origin` (configured name, the server's system_identifier
 * and port); version 1 manifests fall back to host + database name, what pgvault 0.1.0 grouped by.
 * Retention groups, `latest`, `--db`, the `snapshots` listing and run metrics key on it
 * (docs/format.md "Manifest versions", docs/retention.md).
 */
import type { SnapshotOrigin } from './manifest.js';

/** The fields a source identity is computed from (a Snapshot, or a retention test's stand-in). */
export interface SourcedSnapshot {
  host: string;
  database: string;
  origin?: SnapshotOrigin | undefined;
}

/**
 * A string that is equal for two snapshots exactly when they come from the same source. For version 2
 * it is the origin (name, system identifier, port); the host that ran pgvault is not part of it (group
 * by host separately). For version 1 it is the database name (host is added by the callers that group by host).
 */
export function sourceKey(s: SourcedSnapshot): string {
  return s.origin
    ? JSON.stringify(['origin', s.origin.name, s.origin.systemIdentifier, s.origin.port])
    : JSON.stringify(['database', s.database]);
}

/** Host + source: the key of "the newest snapshot of each database" (`latest`, `snapshots --latest`). */
export function hostSourceKey(s: SourcedSnapshot): string {
  return JSON.stringify([s.host, sourceKey(s)]);
}

/** The name people use for the source: the configured name (version 2), else the database name. */
export function sourceName(s: SourcedSnapshot): string {
  return s.origin?.name ?? s.database;
}

/** `7715137681539697657:5432`, or `port 5432` when the system identifier could not be read; "" for version 1. */
export function describeServer(s: SourcedSnapshot): string {
  if (!s.origin) return '';
  return s.origin.systemIdentifier ? `${s.origin.systemIdentifier}:${s.origin.port}` : `port ${s.origin.port}`;
}

/** "app", "app (database shop)" when the configured name differs from the database name. */
export function describeSource(s: SourcedSnapshot): string {
  const name = sourceName(s);
  return name === s.database ? name : `${name} (database ${s.database})`;
}

/**
 * `--db NAME` (repeatable). A version 2 snapshot matches when its configured name (origin.name) is NAME,
 * or, only when no snapshot in `list` has that configured name, when its database name is NAME; so
 * `--db app` picks the configured entry `app` even when another entry's database is also called `app`.
 * A version 1 snapshot (no origin) matches by database name.
 */
export function selectByDatabase<S extends SourcedSnapshot>(list: readonly S[], names: readonly string[] | undefined): S[] {
  if (!names?.length) return [...list];
  const configured = new Set(list.flatMap((s) => (s.origin ? [s.origin.name] : [])));
  const match = (s: S, name: string): boolean => (s.origin
    ? s.origin.name === name || (!configured.has(name) && s.database === name)
    : s.database === name);
  return list.filter((s) => names.some((n) => match(s, n)));
}
