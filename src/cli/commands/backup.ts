import type { Command } from 'commander';
import { backupDatabase, type BackupResult } from '../../backup/backup.js';
import { ExitCode, exitCodeOf, PgvaultError } from '../../errors.js';
import { redact } from '../../redact.js';
import { withLock } from '../../maintenance/locks.js';
import { parseDurationMs } from '../../config/duration.js';
import { addConnectionFlags, addDumpFlags, connectionOf, dumpOptionsOf, type DumpFlags } from '../dump-flags.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';

interface BackupFlags extends DumpFlags {
  retryLock?: string;
  restrictKey?: boolean;
  tag?: string[];
  hostname?: string;
  time?: string;
}

const collectList = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export function register(program: Command): void {
  const cmd = program
    .command('backup')
    .description('back up one or more databases (connection URLs or names) into the repository, one snapshot each')
    .argument('<database...>', 'postgres://user@host:port/db URL, key=value string, or database name')
    .option('--tag <tag>', 'tag the snapshots (repeatable)', collectList)
    .option('--hostname <name>', 'host name to record (default: this machine\'s)')
    .option('--time <rfc3339>', 'record this time instead of now, e.g. 2026-11-26T06:00:00+01:00')
    .option('--no-restrict-key', 'omit psql\'s \\restrict / \\unrestrict lines, so restores load with psql older than 15.14 / 16.10 / 17.6')
    .option('--retry-lock <duration>', 'wait up to this long (e.g. 10m) when prune holds the repository lock');
  addConnectionFlags(cmd);
  addDumpFlags(cmd);
  cmd.action(async (databases: string[], f: BackupFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const repo = await openRepository(g, logger);
    const results: ({ database: string } & ({ ok: true; result: BackupResult } | { ok: false; error: unknown }))[] = [];
    try {
      // A shared lock: backups may run side by side, prune (exclusive) waits for them.
      await withLock(repo, 'shared', async (lock) => { for (const db of databases) {
        try {
          const opts: Parameters<typeof backupDatabase>[2] = { logger, beforeCommit: () => lock.assertHeld() };
          if (f.tag) opts.tags = f.tag;
          if (f.hostname) opts.host = f.hostname;
          if (f.time) opts.time = f.time;
          const dump = dumpOptionsOf(f);
          if (f.restrictKey === false) dump.restrictKey = null;
          const result = await backupDatabase(repo, { connection: connectionOf(db, f), dump }, opts);
          results.push({ database: result.manifest.database, ok: true, result });
        } catch (e) {
          logger.error(`backup of ${redact(db)} failed: ${e instanceof Error ? e.message : String(e)}`);
          results.push({ database: db, ok: false, error: e });
        }
      } }, { operation: 'backup', logger, retryLockMs: parseDurationMs(f.retryLock ?? '0', '--retry-lock') });
    } finally {
      await repo.close();
    }
    if (g.json) {
      printJson(results.map((r) => r.ok
        ? { database: r.database, ok: true, snapshot: r.result.snapshotId, size: r.result.manifest.dump.size, durationMs: r.result.manifest.durationMs, newChunks: r.result.manifest.added.newChunks, newBytes: r.result.manifest.added.newBytes, storedBytes: r.result.manifest.added.storedBytes }
        : { database: redact(r.database), ok: false, error: redact(r.error instanceof Error ? r.error.message : String(r.error)) }));
    } else {
      printLine(formatTable(['Database', 'Snapshot', 'Size', 'New', 'Stored', 'Seconds'], results.map((r) => r.ok
        ? [r.database, r.result.snapshotId.slice(0, 8), formatBytes(r.result.manifest.dump.size), formatBytes(r.result.manifest.added.newBytes),
          formatBytes(r.result.manifest.added.storedBytes), (r.result.manifest.durationMs / 1000).toFixed(1)]
        : [redact(r.database), 'FAILED', '-', '-', '-', '-'])));
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length === 0) return;
    if (failed.length === results.length && results.length === 1) {
      const e = (failed[0] as { error: unknown }).error;
      throw e instanceof PgvaultError ? e : new PgvaultError('BACKUP_FAILED', ExitCode.INTERNAL, String(e));
    }
    process.exitCode = failed.length === results.length ? exitCodeOf((failed[0] as { error: unknown }).error) : ExitCode.PARTIAL_FAILURE;
  });
}
