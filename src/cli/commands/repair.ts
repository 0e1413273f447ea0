import type { Command } from 'commander';
import { withLock } from '../../maintenance/locks.js';
import { rebuildIndex, repairChunks, type RebuildIndexResult } from '../../maintenance/repair.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { printJson, printLine } from '../output.js';
import { addLockFlags, lockOptionsOf, type LockFlags } from './unlock.js';

function printIndex(r: RebuildIndexResult): void {
  printLine(`index rebuilt: ${r.entries} entr${r.entries === 1 ? 'y' : 'ies'} in ${r.indexWritten.length} index object(s), ` +
    `${r.indexDeleted} old index object(s) removed (${r.indexUnreadable.length} of them unreadable)`);
  if (r.fromSnapshots > 0) printLine(`${r.fromSnapshots} entr${r.fromSnapshots === 1 ? 'y' : 'ies'} recovered from snapshot references`);
  if (r.fromData > 0) printLine(`${r.fromData} entr${r.fromData === 1 ? 'y' : 'ies'} recovered by reading unindexed data objects`);
  if (r.droppedMissing > 0) printLine(`${r.droppedMissing} entr${r.droppedMissing === 1 ? 'y' : 'ies'} dropped: their data object is missing (the next backup that needs them uploads them again)`);
  if (r.damaged.length > 0) printLine(`${r.damaged.length} damaged data object(s) left out of the index (first: data/${r.damaged[0]!}); "pgvault repair chunks" deletes them`);
  if (r.unreadableSnapshots.length > 0) printLine(`WARNING: ${r.unreadableSnapshots.length} snapshot(s) could not be read; run "pgvault check"`);
}

export function register(program: Command): void {
  const repair = program.command('repair')
    .description('repair the repository\'s bookkeeping: rebuild the index, or drop damaged chunks so the next backup uploads them again');

  const index = repair.command('index')
    .description('rebuild the index from the data objects and the snapshots (when an index object is damaged or lost, or backups fail with exit 13 on index/…)');
  addLockFlags(index);
  index.action(async (f: LockFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const repo = await openRepository(g, logger);
    try {
      const r = await withLock(repo, 'exclusive', (lock) => rebuildIndex(repo, { logger, assertLocked: () => lock.assertHeld() }),
        lockOptionsOf(f, 'repair index', logger));
      if (g.json) printJson(r);
      else printIndex(r);
    } finally {
      await repo.close();
    }
  });

  const chunks = repair.command('chunks')
    .description('verify the named chunks again (ids as "pgvault check" prints them); drop damaged or missing ones from the index and delete ' +
      'damaged objects, so the next backup with the same data uploads them again. Intact chunks are left alone.')
    .argument('<id...>', 'chunk id (64 hex) or an unambiguous prefix of at least 8');
  addLockFlags(chunks);
  chunks.action(async (ids: string[], f: LockFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const repo = await openRepository(g, logger);
    try {
      const r = await withLock(repo, 'exclusive', (lock) => repairChunks(repo, ids, { logger, assertLocked: () => lock.assertHeld() }),
        lockOptionsOf(f, 'repair chunks', logger));
      if (g.json) {
        printJson(r);
        return;
      }
      for (const ch of r.chunks) {
        const what = ch.state === 'intact' ? 'intact, left as it is' : ch.state === 'missing' ? 'missing: dropped from the index' : `damaged (${ch.message ?? ''}): dropped from the index and deleted`;
        printLine(`data/${ch.id}: ${what}`);
      }
      if (r.index) {
        printIndex(r.index);
        printLine('Back up again: the next backup of the same data uploads these chunks again. Snapshots that used them stay damaged ("pgvault check" names them; "pgvault forget <id>" removes them).');
      } else {
        printLine('nothing to repair');
      }
    } finally {
      await repo.close();
    }
  });
}
