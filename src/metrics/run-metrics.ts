/** The metrics of a `pgvault run`: this run's outcome plus what the repository says about each database. */
import type { Snapshot } from '../snapshot/manifest.js';
import { parseTime } from '../snapshot/time.js';
import type { RunReport } from '../run/report.js';
import type { MetricFamily } from './textfile.js';
import type { DrillResult } from '../drill/drill.js';

export interface ConfiguredDatabase {
  /** Configured name (the `database` label; `origin.name` of version 2 snapshots). */
  name: string;
  /** Database name as recorded in snapshots (how version 1 snapshots, which have no origin, are matched). */
  dbname: string;
}

/**
 * Whether snapshot `s` taken on `host` belongs to the configured database `d`: by configured name for
 * version 2 manifests (two entries whose databases share a name on two servers stay apart), by database
 * name for version 1.
 */
export function belongsTo(s: Snapshot, d: ConfiguredDatabase, host: string): boolean {
  if (s.host !== host) return false;
  return s.origin ? s.origin.name === d.name : s.database === d.dbname;
}

export interface MetricsInput {
  report: RunReport;
  databases: readonly ConfiguredDatabase[];
  /** Snapshots of this host after forget; null when the repository could not be read. */
  snapshots: readonly Snapshot[] | null;
  /** Last prune of this repository (ms since epoch), if known. */
  lastPruneMs?: number;
  /** Last known newest-snapshot times (Unix seconds) by configured name, used when `snapshots` is null. */
  lastSuccessFallback?: Record<string, number>;
  /** The last restore drill (from the state file), if any. */
  drill?: { at: string; results: DrillResult[] };
  /** Store requests retried during the run (remote stores only). */
  store?: { retries: number; stalls: number };
}

/** Newest snapshot time (Unix seconds) of each configured database that has one. */
export function newestTimes(databases: readonly ConfiguredDatabase[], snapshots: readonly Snapshot[], host: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const d of databases) {
    for (const s of snapshots) {
      if (!belongsTo(s, d, host)) continue;
      const t = epochSeconds(s.time);
      if (out[d.name] === undefined || t > out[d.name]!) out[d.name] = t;
    }
  }
  return out;
}

function epochSeconds(time: string): number {
  return parseTime(time).date.getTime() / 1000;
}

export function runMetrics(m: MetricsInput): MetricFamily[] {
  const f = (name: string, help: string): MetricFamily => ({ name, help, type: 'gauge', samples: [] });
  const lastSuccess = f('pgvault_last_success_timestamp_seconds', 'Time of the newest snapshot of the database in the repository (Unix seconds).');
  const lastError = f('pgvault_last_error', '1 if the last run failed to back up the database, else 0.');
  const duration = f('pgvault_backup_duration_seconds', 'Duration of the newest backup of the database.');
  const logical = f('pgvault_backup_logical_bytes', 'Logical size of the newest snapshot (bytes a restore produces).');
  const fresh = f('pgvault_backup_new_bytes', 'Plaintext bytes the newest backup added to the repository.');
  const stored = f('pgvault_backup_stored_bytes', 'Bytes the newest backup uploaded (compressed and encrypted).');
  const dedup = f('pgvault_backup_dedup_ratio', 'Share of the newest snapshot\'s bytes that were already in the repository (0..1).');
  const count = f('pgvault_snapshots', 'Snapshots of the database in the repository after retention.');
  const unsupported = f('pgvault_backup_unsupported_objects', 'Objects the newest snapshot lacks because the dump cannot write them (let through by allow_unsupported; 0 = complete).');
  for (const d of m.databases) {
    const labels = { database: d.name };
    const outcome = m.report.databases.find((o) => o.database === d.name);
    lastError.samples.push({ labels, value: outcome && outcome.ok ? 0 : 1 });
    if (!m.snapshots) {
      // Keep the series alive with the last known value, so "time() - last success" alerts still fire.
      const known = m.lastSuccessFallback?.[d.name];
      if (known !== undefined) lastSuccess.samples.push({ labels, value: known });
      continue;
    }
    const mine = m.snapshots.filter((s) => belongsTo(s, d, m.report.host));
    count.samples.push({ labels, value: mine.length });
    let newest: Snapshot | undefined;
    for (const s of mine) if (!newest || epochSeconds(s.time) > epochSeconds(newest.time)) newest = s;
    if (!newest) continue;
    lastSuccess.samples.push({ labels, value: epochSeconds(newest.time) });
    duration.samples.push({ labels, value: newest.durationMs / 1000 });
    logical.samples.push({ labels, value: newest.dump.size });
    fresh.samples.push({ labels, value: newest.added.newBytes });
    stored.samples.push({ labels, value: newest.added.storedBytes });
    dedup.samples.push({ labels, value: newest.dump.size > 0 ? Math.max(0, 1 - newest.added.newBytes / newest.dump.size) : 1 });
    unsupported.samples.push({ labels, value: newest.unsupported?.length ?? 0 });
  }
  const run = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'gauge', samples: [{ value }] });
  const out = [lastSuccess, lastError, duration, logical, fresh, stored, dedup, count, unsupported,
    run('pgvault_run_timestamp_seconds', 'When the last run finished (Unix seconds).', Date.parse(m.report.finishedAt) / 1000),
    run('pgvault_run_duration_seconds', 'Duration of the last run.', m.report.durationMs / 1000),
    run('pgvault_run_exit_code', 'Exit code of the last run (0 = everything succeeded).', m.report.exitCode),
    run('pgvault_run_success', '1 if the last run succeeded completely, else 0.', m.report.ok ? 1 : 0),
  ];
  if (m.report.forget.ran) out.push(run('pgvault_forget_removed_snapshots', 'Snapshots removed by retention in the last run.', m.report.forget.removed ?? 0));
  if (m.store) {
    out.push({ name: 'pgvault_store_retries_total', help: 'Store requests retried during the last run (throttling, 5xx, network errors, stalls).', type: 'counter', samples: [{ value: m.store.retries }] });
    out.push({ name: 'pgvault_store_stalls_total', help: 'Store requests retried during the last run because they stalled (no data for the socket idle limit).', type: 'counter', samples: [{ value: m.store.stalls }] });
  }
  if (m.drill) out.push(...drillMetrics(m.drill));
  if (m.lastPruneMs !== undefined) out.push(run('pgvault_last_prune_timestamp_seconds', 'Time of the last successful prune (Unix seconds).', m.lastPruneMs / 1000));
  return out;
}

/** pgvault_drill_*: the last restore drill, per database. */
export function drillMetrics(d: { at: string; results: readonly DrillResult[] }): MetricFamily[] {
  const f = (name: string, help: string, value: (r: DrillResult) => number): MetricFamily => ({
    name, help, type: 'gauge', samples: d.results.map((r) => ({ labels: { database: r.database }, value: value(r) })),
  });
  return [
    { name: 'pgvault_drill_timestamp_seconds', help: 'When the last restore drill ran (Unix seconds).', type: 'gauge', samples: [{ value: Date.parse(d.at) / 1000 }] },
    f('pgvault_drill_success', '1 if the last restore drill rebuilt and verified the database, else 0.', (r) => (r.ok ? 1 : 0)),
    f('pgvault_drill_recovery_seconds', 'Recovery time measured by the last drill: restore (download + load) and verify.', (r) => r.recoverySeconds),
    f('pgvault_drill_restore_seconds', 'Download and load time of the last drill (streamed together).', (r) => r.restoreSeconds),
    f('pgvault_drill_verify_seconds', 'Verification time of the last drill (every table re-read and compared with its checksum).', (r) => r.verifySeconds),
    f('pgvault_drill_data_age_seconds', 'Age of the snapshot the last drill restored, when it ran (what a recovery then would have lost).', (r) => r.dataAgeSeconds),
  ];
}
