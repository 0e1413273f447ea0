import type { Command } from 'commander';
import { describeLock, formatAge, removeLocks, type LockOptions, type UnlockResult } from '../../maintenance/locks.js';
import { LockedError, UsageError } from '../../errors.js';
import { parseDurationMs } from '../../config/duration.js';
import type { Logger } from '../../log.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { printJson, printLine } from '../output.js';

export interface LockFlags {
  retryLock?: string;
}

/** `--retry-lock <duration>` for commands that take a repository lock (backup, prune, check, forget). */
export function addLockFlags(cmd: Command): Command {
  return cmd.option('--retry-lock <duration>', 'if the repository is locked, keep trying for this long (e.g. 5m, 1h) instead of failing at once');
}

export function lockOptionsOf(f: LockFlags, operation: string, logger: Logger): LockOptions {
  const opts: LockOptions = { operation, logger };
  if (f.retryLock !== undefined) opts.retryLockMs = parseDurationMs(f.retryLock, '--retry-lock');
  return opts;
}

export function register(program: Command): void {
  program.command('unlock')
    .description('remove stale locks (of processes that are gone, or not refreshed for 30 minutes); --remove-all --force also removes live ones')
    .option('--remove-all', 'remove every lock; live ones only together with --force')
    .option('--force', 'with --remove-all: also remove live locks (only when you are sure their holders are gone: a backup whose lock is removed fails instead of committing)')
    .action(async (f: { removeAll?: boolean; force?: boolean }, c: Command) => {
      const g = globalsOf(c);
      const logger = loggerFor(g);
      const repo = await openRepository(g, logger);
      try {
        if (f.force === true && f.removeAll !== true) throw new UsageError('--force only goes with --remove-all');
        const r = await removeLocks(repo, { all: f.removeAll === true, force: f.force === true });
        if (g.json) {
          printJson({
            removed: r.removed.map((l) => ({ name: l.name, stale: l.stale, reason: l.reason ?? null, lock: l.info })),
            kept: r.kept.map((l) => ({ name: l.name, lock: l.info })),
          });
        } else {
          printUnlock(r);
        }
        if (f.removeAll === true && r.kept.length > 0) {
          throw new LockedError(`${r.kept.length} live lock(s) kept: their holders may still be running (a backup or prune in progress). ` +
            'Wait for them, or if you are sure those processes are gone (e.g. a host that was switched off), run "pgvault unlock --remove-all --force".');
        }
      } finally {
        await repo.close();
      }
    });
}

function printUnlock(r: UnlockResult): void {
  const now = Date.now();
  for (const l of r.removed) {
    printLine(`removed locks/${l.name}: ${l.info ? describeLock(l.info, now) : 'unreadable lock'}${l.reason ? ` (${l.reason})` : ' (live, --force)'}`);
  }
  for (const l of r.kept) {
    printLine(`kept live locks/${l.name}: ${l.info ? describeLock(l.info, now) : ''}; it goes stale ${formatAge(30 * 60_000)} after its last refresh`);
  }
  if (r.removed.length === 0 && r.kept.length === 0) printLine('no locks');
  else printLine(`${r.removed.length} lock(s) removed, ${r.kept.length} live lock(s) kept`);
}
