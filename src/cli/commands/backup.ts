import type { Command } from 'commander';
import { backupDatabase, type BackupOptions, type BackupResult, type BackupTarget } from '../../backup/backup.js';
import { connectionFor, dumpOptionsFor } from '../../config/database.js';
import type { DatabaseConfig, PgvaultConfig } from '../../config/types.js';
import { describeConnection } from '../../db/connection.js';
import { ExitCode, exitCodeOf, PgvaultError } from '../../errors.js';
import { redact } from '../../redact.js';
import { withLock } from '../../maintenance/locks.js';
import { createProgressRenderer } from '../progress.js';
import { parseDurationMs } from '../../config/duration.js';
import { parseSnapshotTime } from '../../snapshot/time.js';
import { addConnectionFlags, addDumpFlags, collectList, connectionOf, dumpOptionsOf, type DumpFlags } from '../dump-flags.js';
import { configFor, globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';

interface BackupFlags extends DumpFlags {
  retryLock?: string;
  restrictKey?: boolean;
  tag?: string[];
  hostname?: string;
  time?: string;
  rolePasswords?: boolean;
  layers?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('backup')
    .description('back up one or more databases (connection URLs or names) into the repository, one snapshot each')
    .argument('<database...>', 'a name from the configuration (its configured connection, options and tags), a postgres://user@host:port/db URL, a key=value string, or a database name')
    .option('--tag <tag>', 'tag the snapshots (repeatable)', collectList)
    .option('--hostname <name>', 'host name to record (default: this machine\'s)')
    .option('--time <rfc3339>', 'record this time instead of now, e.g. 2026-11-26T06:00:00+01:00 (a real date, UTC offset within ±14:00, at most a day ahead)')
    .option('--no-restrict-key', 'omit psql\'s \\restrict / \\unrestrict lines, so restores load with psql older than 15.14 / 16.10 / 17.6')
    .option('--role-passwords', 'record role password hashes in the snapshot\'s globals (the role must be able to read pg_authid, e.g. a superuser); never by default')
    .option('--retry-lock <duration>', 'wait up to this long (e.g. 10m) when prune holds the repository lock');
  addConnectionFlags(cmd);
  addDumpFlags(cmd);
  cmd.option('--no-stable-order', 'read tables in heap order (backups use key order by default: it deduplicates far better)');
  cmd.option('--layers', 'store keyed tables of 4 MiB or more as row-level base/delta layers (opt-in; docs/incremental.md)');
  cmd.option('--no-layers', 'store every table in the dump stream (the default)');
  cmd.action(async (databases: string[], f: BackupFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const retryLockMs = parseDurationMs(f.retryLock ?? '0', '--retry-lock');
    // Checked before the repository is opened (deriving the key takes seconds).
    if (f.time !== undefined) parseSnapshotTime(f.time);
    const dump = dumpOptionsOf(f);
    if (f.restrictKey === false) dump.restrictKey = null;
    // Names from the configuration (--config / PGVAULT_CONFIG) resolve to their configured connection.
    const configured = configFor(g)?.config;
    const repo = await openRepository(g, logger, { unlockOffThread: true });
    const outcomes: Outcome[] = [];
    const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
    try {
      // A shared lock: backups may run side by side; prune (exclusive) waits for them.
      await withLock(repo, 'shared', async (lock) => {
        for (const db of databases) {
          const opts: BackupOptions = { logger, beforeCommit: () => lock.confirmHeld(), onProgress: progress.update };
          if (f.tag) opts.tags = f.tag;
          if (f.hostname) opts.host = f.hostname;
          if (f.time) opts.time = f.time;
          if (f.layers === true) opts.layers = true;
          try {
            const entry = configured?.databases.find((d) => d.name === db);
            const target: BackupTarget = entry
              ? configuredTarget(configured!, entry, f, c, opts)
              : { connection: connectionOf(db, f), dump, rolePasswords: f.rolePasswords === true };
            if (entry) logger.info(`${db}: the configured database ${describeConnection(target.connection)}`);
            const result = await backupDatabase(repo, target, opts);
            outcomes.push({ database: result.manifest.database, ok: true, result });
          } catch (e) {
            logger.error(`backup of ${redact(db)} failed: ${e instanceof Error ? e.message : String(e)}`);
            outcomes.push({ database: redact(db), ok: false, error: e });
          }
        }
      }, { operation: 'backup', logger, retryLockMs });
    } finally {
      progress.done();
      await repo.close();
    }
    if (g.json) printJson(outcomes.map(toJson));
    else printLine(formatTable(['Database', 'Snapshot', 'Size', 'New', 'Stored', 'Seconds'], outcomes.map(toRow)));
    setExitCode(outcomes);
  });
}

type Outcome = { database: string } & ({ ok: true; result: BackupResult } | { ok: false; error: unknown });

const messageOf = (e: unknown): string => redact(e instanceof Error ? e.message : String(e));

function toJson(o: Outcome): Record<string, unknown> {
  if (!o.ok) return { database: o.database, ok: false, error: messageOf(o.error) };
  const m = o.result.manifest;
  return {
    database: o.database, ok: true, snapshot: o.result.snapshotId, size: m.dump.size, durationMs: m.durationMs,
    newChunks: m.added.newChunks, newBytes: m.added.newBytes, storedBytes: m.added.storedBytes,
  };
}

function toRow(o: Outcome): string[] {
  if (!o.ok) return [o.database, 'FAILED', '-', '-', '-', '-'];
  const m = o.result.manifest;
  return [o.database, o.result.snapshotId.slice(0, 8), formatBytes(m.dump.size), formatBytes(m.added.newBytes),
    formatBytes(m.added.storedBytes), (m.durationMs / 1000).toFixed(1)];
}

/** All fine: 0. One database, failed: its own error (and exit code). Several, all failed: the first one's code; some failed: 1. */
function setExitCode(outcomes: Outcome[]): void {
  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  if (failed.length === 0) return;
  if (outcomes.length === 1) {
    const e = failed[0]!.error;
    throw e instanceof PgvaultError ? e : new PgvaultError('BACKUP_FAILED', ExitCode.INTERNAL, messageOf(e));
  }
  process.exitCode = failed.length === outcomes.length ? exitCodeOf(failed[0]!.error) : ExitCode.PARTIAL_FAILURE;
}

/**
 * A database named in the configuration, backed up as `pgvault run` does it: its configured connection,
 * dump options and tags, the configuration's host, and its name as the snapshot's source name (so the
 * snapshot joins the same retention group). Flags given on the command line win over the configuration.
 */
function configuredTarget(config: PgvaultConfig, entry: DatabaseConfig, f: BackupFlags, c: Command, opts: BackupOptions): BackupTarget {
  const given = (key: string): boolean => c.getOptionValueSource(key) === 'cli';
  const connection = connectionFor(entry);
  const cli = connectionOf(undefined, { ...(given('host') ? { host: f.host } : {}), ...(given('port') ? { port: f.port } : {}), ...(given('username') ? { username: f.username } : {}) });
  if (given('host')) connection.host = cli.host;
  if (given('port')) connection.port = cli.port;
  if (given('username')) connection.user = cli.user;
  const explicit = Object.fromEntries(Object.entries(f).filter(([k]) => given(k))) as BackupFlags;
  const dump = { ...dumpOptionsFor(entry), ...dumpOptionsOf({ ...explicit, ...(given('jobs') ? {} : { jobs: undefined }) }) };
  if (f.restrictKey === false) dump.restrictKey = null;
  opts.name = entry.name;
  opts.tags = [...config.tags, ...entry.tags, ...(f.tag ?? [])];
  if (!given('hostname') && config.host) opts.host = config.host;
  return { connection, dump, rolePasswords: f.rolePasswords === true || entry.rolePasswords === true };
}
