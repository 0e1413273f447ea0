import { createProgressRenderer } from '../progress.js';
import type { Command } from 'commander';
import { join } from 'node:path';
import { parseDuration } from '../../config/duration.js';
import { logFileFor } from '../../config/settings.js';
import { ConfigError, isPgvaultError, LockedError, UsageError } from '../../errors.js';
import { redact } from '../../redact.js';
import { Repository } from '../../repo/repository.js';
import { acquireRunLock } from '../../run/lock.js';
import { runAll } from '../../run/run.js';
import { summaryLine } from '../../run/report.js';
import { defaultStateDir, RunState } from '../../run/state.js';
import { configFor, globalsOf, openOptionsFor, passwordFor, storeFor } from '../globals.js';
import { cliLogLevels, createCliLogger } from '../logger.js';
import { onInterrupt } from '../../interrupt.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';
import { collectList } from '../dump-flags.js';
import type { PgvaultConfig } from '../../config/types.js';

interface RunFlags {
  lockWait?: string;
  prune?: boolean;
  pruneNow?: boolean;
  hostname?: string;
  allowUnsupported?: boolean;
  db?: string[];
}

export function register(program: Command): void {
  program
    .command('run')
    .description('the cron job: back up every database in the configuration, apply the retention policy, prune when due, write metrics, send pings')
    .option('--lock-wait <duration>', 'wait up to this long for another run on this host to finish, e.g. 10m (env PGVAULT_LOCK_WAIT; default: the config\'s lock.wait, else 0)')
    .option('--prune-now', 'prune even if prune.every has not passed since the last prune')
    .option('--no-prune', 'do not prune in this run')
    .option('--hostname <name>', 'host name to record in snapshots (default: the config\'s "host", else this machine\'s)')
    .option('--db <name>', 'only this configured database (repeatable); retention then applies to its snapshots only, and the metrics file is left as it is', collectList)
    .option('--allow-unsupported', 'back up databases holding objects pgvault cannot write (listed in the snapshot and the metrics) instead of failing them; per database: "allow_unsupported"')
    .action(async (f: RunFlags, c: Command) => {
      const g = globalsOf(c);
      const env = process.env;
      const loaded = configFor(g, env);
      if (!loaded) throw new ConfigError('pgvault run needs a configuration file: pass --config FILE or set PGVAULT_CONFIG (see docs/operations.md and examples/pgvault.jsonc)');
      const config = f.allowUnsupported
        ? { ...loaded.config, databases: loaded.config.databases.map((d) => ({ ...d, allowUnsupported: true })) }
        : loaded.config;
      if (config.databases.length === 0) throw new ConfigError(`configuration file ${config.file} lists no "databases": nothing to back up`);
      const only = selectConfigured(config, f.db);
      if (!config.repository && !g.repo && !env.PGVAULT_REPOSITORY) {
        throw new ConfigError(`configuration file ${config.file} has no "repository" (and neither --repo nor PGVAULT_REPOSITORY is set)`);
      }
      const logFile = logFileFor(g.logFile, env, config);
      const logger = createCliLogger({ ...cliLogLevels(g, config.logLevel), onFileError: 'continue', ...(logFile ? { logFile } : {}) });
      for (const w of loaded.warnings) logger.warn(`config: ${w}`);
      if (only) logger.info(`--db: running ${only.databases.map((d) => d.name).join(', ')} only` + (config.metricsFile ? `; the metrics file ${config.metricsFile} is left as it is` : ''));

      const waitText = f.lockWait ?? (env.PGVAULT_LOCK_WAIT || undefined);
      let waitMs = config.lockWaitMs;
      if (waitText !== undefined) {
        const ms = parseDuration(waitText);
        if (ms === null) throw new ConfigError(`--lock-wait: expected a duration such as 30s, 10m or 1h, got "${waitText}"`);
        waitMs = ms;
      }
      const stateDir = config.stateDir ?? (env.PGVAULT_STATE_DIR || defaultStateDir(env));
      const lockPath = config.lockFile ?? join(stateDir, 'run.lock');
      let lock;
      try {
        lock = await acquireRunLock(lockPath, {
          waitMs, command: `pgvault run --config ${config.file}`,
          onWait: (h) => logger.info(`another run (pid ${h?.pid ?? '?'}) holds ${lockPath}; waiting up to ${Math.round(waitMs / 1000)} s`),
        });
      } catch (e) {
        // Logged (to stderr and the log file) rather than thrown, so cron mail shows it once.
        if (!isPgvaultError(e)) throw e;
        logger.error(e instanceof LockedError ? e.message : `cannot take the run lock: ${e.message}`);
        process.exitCode = e.exitCode;
        return;
      }
      // SIGINT/SIGTERM: the CLI's handler (src/cli/interrupt.ts) logs what stopped and releases this lock and the repository's.
      const unregister = onInterrupt(`release the run lock ${lockPath}`, () => {
        logger.error('interrupted: the snapshot being written is not saved (chunks already uploaded are reused next time)');
        lock.release();
      });
      try {
        const problems = logger.fileError ? [logger.fileError] : [];
        const tty = process.stdout.isTTY === true && !g.json;
        const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
        const report = await runAll({
          config: only ?? config, logger, problems,
          logLines: () => logger.lines,
          state: new RunState(stateDir),
          prune: f.prune === false ? 'skip' : f.pruneNow ? 'force' : 'auto',
          repoLockWaitMs: waitMs,
          ...(f.hostname ? { host: f.hostname } : {}),
          ...(tty ? { onProgress: (m: string) => { progress.done(); process.stdout.write(`${m}\n`); } } : {}),
          onBackupProgress: progress.update,
          openRepository: async () => {
            const store = await storeFor(g, env);
            const password = await passwordFor(g, logger, env);
            return Repository.open(store, password, { ...openOptionsFor(g, logger, env), unlockOffThread: true });
          },
        });
        progress.done();
        if (g.json) printJson(report);
        else if (process.stdout.isTTY) {
          printLine(formatTable(['Database', 'Result', 'Snapshot', 'Size', 'New', 'Stored', 'Seconds'], report.databases.map((d) => d.ok
            ? [d.database, 'ok', d.snapshot!.slice(0, 8), formatBytes(d.bytes ?? 0), formatBytes(d.newBytes ?? 0), formatBytes(d.storedBytes ?? 0), (d.durationMs / 1000).toFixed(1)]
            : [d.database, 'FAILED', '-', '-', '-', '-', (d.durationMs / 1000).toFixed(1)])));
          printLine(redact(summaryLine(report)));
        }
        process.exitCode = report.exitCode;
      } finally {
        unregister();
        lock.release();
      }
    });
}

/**
 * `run --db NAME...`: the configuration narrowed to those databases (by configured name), without the
 * metrics file (a partial run must not replace the full run's series); undefined without --db.
 */
export function selectConfigured(config: PgvaultConfig, names: string[] | undefined): PgvaultConfig | undefined {
  if (!names?.length) return undefined;
  const known = config.databases.map((d) => d.name);
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(`--db ${unknown.join(', ')}: no such database in ${config.file} (configured: ${known.join(', ')})`);
  }
  const { metricsFile: _unused, ...rest } = config;
  return { ...rest, databases: config.databases.filter((d) => names.includes(d.name)) };
}
