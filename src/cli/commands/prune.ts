import { createProgressRenderer } from '../progress.js';
import type { Command } from 'commander';
import { parseDurationMs } from '../../config/duration.js';
import { withLock } from '../../maintenance/locks.js';
import { DEFAULT_GRACE_MS, executePrune, planPrune, type PrunePlan, type PruneResult } from '../../maintenance/prune.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';
import { addLockFlags, lockOptionsOf, type LockFlags } from './unlock.js';

interface PruneFlags extends LockFlags {
  dryRun?: boolean;
  grace?: string;
}

function summary(plan: PrunePlan, result: PruneResult | null): Record<string, unknown> {
  return {
    dryRun: result === null,
    graceMs: plan.graceMs,
    snapshots: plan.snapshotNames.length,
    referencedChunks: plan.referencedChunks,
    dataObjects: plan.dataObjects,
    dataBytes: plan.dataBytes,
    toDelete: { objects: plan.deleteData.length, bytes: plan.deleteBytes },
    keptRecent: plan.keptRecent,
    missingReferenced: plan.missingReferenced,
    index: { rewrite: plan.index.rewrite, supersede: plan.index.supersede.length, keptEntries: plan.index.keptEntries.length,
      droppedMissing: plan.index.droppedMissing, droppedDeleted: plan.index.droppedDeleted },
    result,
  };
}

/** Print a plan (and result) for people. Exported for `forget --prune`. */
export function printPrune(plan: PrunePlan, result: PruneResult | null): void {
  const rows: (string | number)[][] = [
    ['snapshots', plan.snapshotNames.length, ''],
    ['data objects', plan.dataObjects, formatBytes(plan.dataBytes)],
    ['referenced chunks', plan.referencedChunks, ''],
    [result ? 'deleted (unreferenced)' : 'to delete (unreferenced)', result ? result.deletedData : plan.deleteData.length,
      formatBytes(result ? result.deletedBytes : plan.deleteBytes)],
    ['kept: unreferenced but recent (grace period)', plan.keptRecent.count, formatBytes(plan.keptRecent.bytes)],
    ['index objects superseded', plan.index.supersede.length, formatBytes(plan.index.supersede.reduce((n, o) => n + o.size, 0))],
  ];
  if (result) rows.push(['index objects written', result.indexWritten.length, formatBytes(result.indexBytesAfter)]);
  if (result && result.spared > 0) rows.push(['spared (snapshots written during prune)', result.spared, '']);
  if (result && result.tempRemoved > 0) rows.push(['temporary files of interrupted writes removed', result.tempRemoved, '']);
  if (result && result.staleLocksRemoved > 0) rows.push(['stale locks removed', result.staleLocksRemoved, '']);
  printLine(formatTable(['', 'Count', 'Size'], rows));
  if (plan.missingReferenced.count > 0) {
    printLine(`WARNING: ${plan.missingReferenced.count} referenced chunk(s) are missing; run "pgvault check" to see which snapshots are damaged`);
  }
  if (!result) printLine('dry run: nothing was changed');
  else if (result.hideOnly) printLine('NOTE: the store only hides deleted objects; B2 keeps billing them until a lifecycle rule removes hidden versions');
  else printLine(`freed ${formatBytes(result.deletedBytes + Math.max(0, result.indexBytesBefore - result.indexBytesAfter))} (every stored version deleted)`);
}

export function register(program: Command): void {
  const cmd = program.command('prune')
    .description('delete data no snapshot references (run after forget); on B2 every version is deleted so the storage is really freed')
    .option('-n, --dry-run', 'show what would be deleted, change nothing')
    .option('--grace <duration>', 'never delete unreferenced data written less than this long ago (protects backups still running)', '24h');
  addLockFlags(cmd);
  cmd.action(async (f: PruneFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const graceMs = f.grace === undefined ? DEFAULT_GRACE_MS : parseDurationMs(f.grace, '--grace');
    const repo = await openRepository(g, logger, { unlockOffThread: true });
    try {
      await withLock(repo, 'exclusive', async (lock) => {
        const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
        const opts = { graceMs, logger, assertLocked: () => lock.assertHeld(), onProgress: progress.update };
        const plan = await planPrune(repo, opts);
        const result = f.dryRun ? null : await executePrune(repo, plan, opts).finally(() => progress.done());
        if (g.json) printJson(summary(plan, result));
        else printPrune(plan, result);
      }, lockOptionsOf(f, 'prune', logger));
    } finally {
      await repo.close();
    }
  });
}
