import { createProgressRenderer } from '../progress.js';
import type { Command } from 'commander';
import { checkFailure, checkRepository, type CheckOptions } from '../../maintenance/check.js';
import { withLock } from '../../maintenance/locks.js';
import { parseSubset } from '../../maintenance/subset.js';
import { UsageError } from '../../errors.js';
import { compareSeen } from '../../repo/seen.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, printJson, printLine } from '../output.js';
import { addLockFlags, lockOptionsOf, type LockFlags } from './unlock.js';

interface CheckFlags extends LockFlags {
  readData?: boolean;
  readDataSubset?: string;
}

export function register(program: Command): void {
  const cmd = program.command('check')
    .description('verify the repository: every snapshot decrypts and every chunk it needs exists; --read-data also downloads and verifies the chunks')
    .option('--read-data', 'download, decrypt and verify every referenced data chunk')
    .option('--read-data-subset <n/m|P%>', 'verify only partition n of m (run 1/m ... m/m over several days to cover everything) or a random P percent');
  addLockFlags(cmd);
  cmd.action(async (f: CheckFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const opts: CheckOptions = { logger, readData: f.readData === true || f.readDataSubset !== undefined };
    if (f.readDataSubset !== undefined) opts.subset = parseSubset(f.readDataSubset);
    if (g.concurrency !== undefined) {
      const n = Number(g.concurrency);
      if (!Number.isInteger(n) || n < 1) throw new UsageError(`--concurrency must be a positive whole number, got ${g.concurrency}`);
      opts.concurrency = n;
    }
    const repo = await openRepository(g, logger, { unlockOffThread: true });
    const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
    opts.onProgress = progress.update;
    try {
      let seenList: { id: string; time: string; host: string }[] | null = null;
      opts.onSnapshots = (list) => { seenList = list; };
      const report = await withLock(repo, 'shared', () => checkRepository(repo, opts), lockOptionsOf(f, 'check', logger)).finally(() => progress.done());
      const rollback = seenList && report.problems.every((p) => p.code !== 'snapshot-unreadable') ? await compareSeen(repo.seen, seenList, logger) : [];
      if (g.json) {
        printJson({ ...report, warnings: rollback });
      } else {
        for (const p of report.problems) printLine(`${p.severity === 'error' ? 'error' : 'info'}: ${p.message}`);
        printLine(`${report.snapshots} snapshot(s), ${report.indexObjects} index object(s), ${report.dataObjects} data object(s) ` +
          `(${formatBytes(report.dataBytes)}), ${report.referencedChunks} chunk(s) referenced (${report.referencedDumpChunks} of dump data, ` +
          `${report.referencedListChunks} of chunk lists), ${report.unreferenced.count} unreferenced (${formatBytes(report.unreferenced.bytes)})`);
        if (report.readData) {
          printLine(`read data (${report.readData.subset}): ${report.readData.verified} of ${report.readData.selected} selected dump chunk(s) ` +
            `(of ${report.referencedDumpChunks}) verified, ${formatBytes(report.readData.bytes)}`);
        }
        const errors = report.problems.filter((p) => p.severity === 'error').length;
        printLine(errors === 0 ? 'no errors were found' : `${errors} error(s) found`);
      }
      if (!report.ok) throw checkFailure(report);
    } finally {
      await repo.close();
    }
  });
}

