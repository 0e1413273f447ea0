/**
 * `pgvault run`: one cron-safe invocation that backs up every configured database (one failing does not
 * stop the others), applies the retention policy (forget), prunes when due, writes metrics and sends
 * pings. The caller holds the host-local run lock (./lock.ts). Exit codes (src/errors.ts, docs/operations.md):
 * 0 everything succeeded; 1 some part failed; when nothing could be backed up, the cause's own code
 * (3 locked, 10 no repository, 12 wrong password, 14 store unavailable, 15 database, ...).
 */
import { formatBytes, formatSeconds } from '../units.js';
import type { OnProgress } from '../progress/types.js';
import { hostname } from 'node:os';
import { backupDatabase } from '../backup/backup.js';
import { connectionFor, dumpOptionsFor } from '../config/database.js';
import { policyFor } from '../config/policy.js';
import type { PgvaultConfig } from '../config/types.js';
import { ExitCode, exitCodeOf } from '../errors.js';
import type { Logger } from '../log.js';
import { withLock } from '../maintenance/locks.js';
import { prune } from '../maintenance/prune.js';
import { belongsTo, newestTimes, runMetrics } from '../metrics/run-metrics.js';
import { runDrill } from '../drill/drill.js';
import { parseConnectionUrl } from '../db/connection.js';
import { renderMetrics, writeTextfileAtomic } from '../metrics/textfile.js';
import { createNotifier } from '../notify/notify.js';
import { redact } from '../redact.js';
import type { Repository } from '../repo/repository.js';
import { forget } from '../retention/forget.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { listSnapshots } from '../snapshot/snapshots.js';
import { compareSeen } from '../repo/seen.js';
import type { DatabaseOutcome, RunReport } from './report.js';
import { summaryLine } from './report.js';
import type { RunState } from './state.js';

export interface RunOptions {
  config: PgvaultConfig;
  /** Opens the repository (the CLI applies flag > environment > file precedence for location and password). */
  openRepository: () => Promise<Repository>;
  logger: Logger;
  /** The last log lines, for the failure ping (the CLI logger keeps them). */
  logLines?: () => readonly string[];
  state: RunState;
  /** Host name to record (default: config "host", then this machine's). */
  host?: string;
  /** Drill now even if not due; or never (default: when due by the configuration's "drill.every"). */
  drill?: 'auto' | 'force' | 'skip';
  /** Prune now even if not due; or never. */
  prune?: 'auto' | 'force' | 'skip';
  /** Wait this long for a repository lock held elsewhere (ms). */
  repoLockWaitMs?: number;
  /** Problems found before the run (e.g. an unwritable log file): each makes the exit code 1. */
  problems?: string[];
  /** Progress for people at a terminal (never used in cron logs). */
  onProgress?: (message: string) => void;
  /** Live progress of each backup (bytes of an estimated total, current table), for a terminal. */
  onBackupProgress?: OnProgress;
  now?: () => Date;
}

const messageOf = (e: unknown): string => redact(e instanceof Error ? e.message : String(e));

export async function runAll(o: RunOptions): Promise<RunReport> {
  const { config, logger } = o;
  const now = o.now ?? (() => new Date());
  const started = now();
  const host = o.host ?? config.host ?? hostname();
  const notifier = createNotifier(config.pings, logger);
  const report: RunReport = {
    ok: false, exitCode: ExitCode.INTERNAL, host, repository: '', startedAt: started.toISOString(), finishedAt: '', durationMs: 0,
    databases: [], forget: { ran: false }, prune: { ran: false }, problems: [...(o.problems ?? [])],
  };
  logger.info(`pgvault run started: ${config.databases.length} database(s) [${config.databases.map((d) => d.name).join(', ')}], host ${host}`);
  await notifier.start();

  let repo: Repository | undefined;
  let fatal: unknown;
  let snapshots: Snapshot[] | null = null;
  try {
    repo = await o.openRepository();
    report.repository = repo.store.location;
    await withLock(repo, 'shared', async (lock) => {
      let i = 0;
      for (const db of config.databases) {
        i++;
        o.onProgress?.(`[${i}/${config.databases.length}] backing up ${db.name}...`);
        report.databases.push(await backupOne(repo!, config, db, host, logger, () => lock.confirmHeld(), now, o.onBackupProgress));
      }
    }, { operation: 'run (backup)', logger, retryLockMs: o.repoLockWaitMs ?? 0 });
    await retention(o, repo, report, host, now);
    if (config.drill) await drillWhenDue(o, repo, report, host, now);
    try {
      snapshots = (await listSnapshots(repo, { hosts: [host] }));
      // Rollback check: this host's newest snapshot must not be older than the newest it saw before.
      await compareSeen(repo.seen, snapshots.map((s) => ({ id: s.id, time: s.time, host: s.host })), logger, host);
    } catch (e) {
      logger.warn(`could not list snapshots for the metrics: ${messageOf(e)}`);
    }
  } catch (e) {
    fatal = e;
    report.error = messageOf(e);
    logger.error(`run failed: ${report.error}`);
  } finally {
    if (repo) await repo.close().catch((e: unknown) => logger.warn(`closing the repository: ${messageOf(e)}`));
  }

  // Metrics before the exit code: a failure to write them is itself a problem the exit code reports.
  const finished = now();
  report.finishedAt = finished.toISOString();
  report.durationMs = finished.getTime() - started.getTime();
  report.exitCode = exitCode(report, fatal);
  report.ok = report.exitCode === ExitCode.OK; // the metrics carry the outcome (pgvault_run_success)
  if (config.metricsFile) {
    try {
      const lastPrune = repoIdOf(repo) ? o.state.get(repoIdOf(repo)!).lastPrune : undefined;
      const databases = config.databases.map((d) => ({ name: d.name, dbname: connectionFor(d).database ?? d.name }));
      let fallback: Record<string, number> = {};
      try {
        if (snapshots) o.state.setLastSuccess(newestTimes(databases, snapshots, host));
        else fallback = o.state.lastSuccess();
      } catch (e) {
        logger.warn(`metrics: ${messageOf(e)}`);
      }
      const families = runMetrics({
        report, snapshots, databases, lastSuccessFallback: fallback,
        ...(lastPrune ? { lastPruneMs: Date.parse(lastPrune) } : {}),
        ...(repoIdOf(repo) && o.state.get(repoIdOf(repo)!).drill ? { drill: o.state.get(repoIdOf(repo)!).drill! } : {}),
        ...(repo?.store.counters ? { store: { ...repo.store.counters } } : {}),
      });
      writeTextfileAtomic(config.metricsFile, renderMetrics(families));
      logger.debug(`metrics written to ${config.metricsFile}`);
    } catch (e) {
      report.problems.push(messageOf(e));
      logger.error(messageOf(e));
      report.exitCode = exitCode(report, fatal);
    }
  }
  report.ok = report.exitCode === ExitCode.OK;
  (report.ok ? logger.info : logger.error)(`pgvault run finished: ${summaryLine(report)}`);
  await notifier.finish(report, o.logLines?.() ?? []);
  return report;
}

function repoIdOf(repo: Repository | undefined): string | undefined {
  return repo?.id;
}

async function backupOne(repo: Repository, config: PgvaultConfig, db: PgvaultConfig['databases'][number], host: string, logger: Logger,
  beforeCommit: () => Promise<void>, now: () => Date, onProgress?: OnProgress): Promise<DatabaseOutcome> {
  const t0 = Date.now();
  try {
    // beforeCommit: a lost or removed repository lock (prune from elsewhere may be running) means no manifest is written.
    // name: the configured name is the snapshot's source name (with the server's identity: its retention group).
    const result = await backupDatabase(repo, { connection: connectionFor(db), dump: dumpOptionsFor(db), rolePasswords: db.rolePasswords === true },
      { tags: [...config.tags, ...db.tags], host, logger, beforeCommit, name: db.name, now, ...(db.layers ? { layers: true as const } : {}), ...(onProgress ? { onProgress } : {}) });
    const m = result.manifest;
    return {
      database: db.name, ok: true, snapshot: result.snapshotId, bytes: m.dump.size, newBytes: m.added.newBytes,
      storedBytes: m.added.storedBytes, newChunks: m.added.newChunks, durationMs: Date.now() - t0,
    };
  } catch (e) {
    const error = messageOf(e);
    logger.error(`backup of database ${db.name} failed: ${error}`);
    return { database: db.name, ok: false, durationMs: Date.now() - t0, error, exitCode: exitCodeOf(e) };
  }
}

/**
 * The restore drill, when due (config "drill": every, default 7 days; the last drill's time is in the state
 * file): the newest snapshot of each configured database of this host, rebuilt on the scratch server and verified.
 */
async function drillWhenDue(o: RunOptions, repo: Repository, report: RunReport, host: string, now: () => Date): Promise<void> {
  const { config, logger } = o;
  const d = config.drill!;
  const mode = o.drill ?? 'auto';
  const last = o.state.get(repo.id).drill?.at;
  if (mode === 'skip') { report.drill = { ran: false, reason: 'skipped' }; return; }
  if (mode === 'auto' && last !== undefined && now().getTime() - Date.parse(last) < d.everyMs) {
    report.drill = { ran: false, reason: `not due (last drill ${last})` };
    return;
  }
  try {
    const results = await withLock(repo, 'shared', async () => {
      const all = await listSnapshots(repo, { hosts: [host] });
      const databases = config.databases.map((x) => ({ name: x.name, dbname: connectionFor(x).database ?? x.name }));
      const newest = databases.flatMap((cd) => {
        const mine = all.filter((s) => belongsTo(s, cd, host)).sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
        return mine.length ? [mine[0]!] : [];
      });
      logger.info(`restore drill: ${newest.length} database(s) onto the scratch server ${redact(d.scratch)}`);
      return runDrill(repo, newest, parseConnectionUrl(d.scratch), { logger, now, ...(d.jobs ? { jobs: d.jobs } : {}) });
    }, { operation: 'run (drill)', logger, retryLockMs: o.repoLockWaitMs ?? 0 });
    report.drill = { ran: true, results };
    for (const r of results) if (!r.ok) report.problems.push(`restore drill of ${r.database}: ${r.error ?? `tables differ: ${r.mismatches.join(', ')}`}`);
    o.state.update(repo.id, { drill: { at: now().toISOString(), results } });
  } catch (e) {
    report.drill = { ran: false, error: messageOf(e) };
    report.problems.push(`restore drill: ${messageOf(e)}`);
    logger.error(`restore drill failed: ${messageOf(e)}`);
  }
}

/** Forget by the policy (this host's snapshots of the configured databases), then prune when due. */
async function retention(o: RunOptions, repo: Repository, report: RunReport, host: string, now: () => Date): Promise<void> {
  const { config, logger } = o;
  const pruneMode = o.prune ?? 'auto';
  const lastPrune = o.state.get(repo.id).lastPrune;
  const pruneDue = config.prune !== undefined && pruneMode !== 'skip' &&
    (pruneMode === 'force' || lastPrune === undefined || now().getTime() - Date.parse(lastPrune) >= config.prune.everyMs);
  if (!config.retention && !pruneDue) {
    report.prune = { ran: false, reason: config.prune ? 'not due' : 'no "prune" section in the configuration' };
    if (config.prune && lastPrune) report.prune.reason = `not due (last prune ${lastPrune})`;
    return;
  }
  try {
    await withLock(repo, 'exclusive', async (lock) => {
      if (config.retention) {
        try {
          const policy = policyFor(config.retention);
          // This host's snapshots of the configured sources: by configured name (version 2 manifests),
          // by database name (version 1); each source is its own group (src/retention/group.ts).
          const names = [...new Set(config.databases.flatMap((d) => [d.name, connectionFor(d).database ?? d.name]))];
          const r = await forget(repo, policy, { filter: { hosts: [host], databases: names }, logger, now: now() });
          const kept = r.groups.reduce((n, g) => n + g.keep.length, 0);
          report.forget = { ran: true, policy: r.policy, removed: r.removed.length, kept };
          logger.info(`forget (${r.policy}): removed ${r.removed.length} snapshot(s), kept ${kept}`);
          if (r.failed.length > 0) {
            report.forget.error = `${r.failed.length} snapshot(s) could not be removed (first: ${r.failed[0]!.id.slice(0, 8)}: ${r.failed[0]!.error})`;
            report.problems.push(`forget: ${report.forget.error}`);
          }
        } catch (e) {
          report.forget = { ran: false, error: messageOf(e) };
          report.problems.push(`forget: ${messageOf(e)}`);
          logger.error(`forget failed: ${messageOf(e)}; prune skipped`);
          report.prune = { ran: false, reason: 'forget failed' };
          return;
        }
      }
      if (!config.prune) { report.prune = { ran: false, reason: 'no "prune" section in the configuration' }; return; }
      if (!pruneDue) { report.prune = { ran: false, reason: `not due (last prune ${lastPrune ?? 'never'})` }; return; }
      const t0 = Date.now();
      try {
        const opts: Parameters<typeof prune>[1] = { logger, assertLocked: () => lock.assertHeld() };
        if (config.prune.graceMs !== undefined) opts.graceMs = config.prune.graceMs;
        const { result } = await prune(repo, opts);
        report.prune = { ran: true, deletedObjects: result?.deletedData ?? 0, deletedBytes: result?.deletedBytes ?? 0, durationMs: Date.now() - t0 };
        logger.info(`prune: deleted ${report.prune.deletedObjects} data object(s), ${formatBytes(report.prune.deletedBytes ?? 0)}, in ${formatSeconds(report.prune.durationMs ?? 0)}`);
      } catch (e) {
        report.prune = { ran: false, error: messageOf(e), durationMs: Date.now() - t0 };
        report.problems.push(`prune: ${messageOf(e)}`);
        logger.error(`prune failed: ${messageOf(e)}; it is retried on the next run`);
        return;
      }
      try {
        o.state.update(repo.id, { lastPrune: now().toISOString() });
      } catch (e) {
        report.problems.push(`prune ran, but its time could not be recorded (it will run again next time): ${messageOf(e)}`);
        logger.error(`prune ran, but its time could not be recorded (it will run again next time): ${messageOf(e)}`);
      }
    }, { operation: 'run (forget/prune)', logger, retryLockMs: o.repoLockWaitMs ?? 0 });
  } catch (e) {
    // Could not get the exclusive lock (another host is backing up or pruning): backups are safe, retry next run.
    report.problems.push(`retention: ${messageOf(e)}`);
    logger.error(`forget/prune skipped: ${messageOf(e)}`);
  }
}

/** 0 all good; 1 some part failed; the cause's code when nothing was backed up. */
export function exitCode(r: RunReport, fatal: unknown): number {
  if (fatal !== undefined) return r.databases.some((d) => d.ok) ? ExitCode.PARTIAL_FAILURE : exitCodeOf(fatal);
  const failed = r.databases.filter((d) => !d.ok);
  if (failed.length > 0 && failed.length === r.databases.length) {
    const codes = new Set(failed.map((d) => d.exitCode ?? ExitCode.INTERNAL));
    return codes.size === 1 ? [...codes][0]! : ExitCode.PARTIAL_FAILURE;
  }
  if (failed.length > 0 || r.problems.length > 0) return ExitCode.PARTIAL_FAILURE;
  return ExitCode.OK;
}
