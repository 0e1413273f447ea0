import type { Command } from 'commander';
import { VerifyMismatchError } from '../../errors.js';
import { createProgressRenderer } from '../progress.js';
import { verifyInTemporaryDatabase } from '../../restore/verify.js';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { addConnectionFlags, connectionOf, type DumpFlags } from '../dump-flags.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';
import { addHostnameFilter, collectList, filterOf } from './snapshots.js';

interface VerifyFlags extends Pick<DumpFlags, 'host' | 'port' | 'username'> { scratch: string; db?: string[]; hostname?: string[]; keep?: boolean }

export function register(program: Command): void {
  const cmd = program.command('verify')
    .description('prove snapshots restore: load each into a temporary database on the scratch server and compare every table with the checksums recorded at backup time')
    .argument('<snapshot>', 'snapshot id (unique prefix) or "latest"')
    .requiredOption('--scratch <database>', 'scratch server connection (URL or name; -h/-p/-U apply); pgvault creates and drops a temporary database there')
    .option('--db <name>', 'only snapshots of this database (repeatable)', collectList)
    .option('--keep', 'keep the temporary database for inspection');
  addHostnameFilter(cmd, []);
  addConnectionFlags(cmd);
  cmd.action(async (ref: string, f: VerifyFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const repo = await openRepository(g, logger, { unlockOffThread: true });
    const reports = [];
    const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
    try {
      for (const s of await resolveSnapshots(repo, ref, filterOf(f, ['hostname']))) {
        const opts: { logger: typeof logger; keep?: boolean; onProgress: typeof progress.update } = { logger, onProgress: progress.update };
        if (f.keep) opts.keep = true;
        const r = await verifyInTemporaryDatabase(repo, s, connectionOf(f.scratch, f), opts);
        reports.push(r);
        logger.info(`verify ${s.id.slice(0, 8)} (${s.database}): ${r.ok ? 'OK' : 'MISMATCH'}, ${r.tables.length} tables, restore ${r.restoreMs} ms, check ${r.checkMs} ms`);
      }
    } finally {
      progress.done();
      await repo.close();
    }
    if (g.json) printJson(reports);
    else {
      for (const r of reports) {
        printLine(`snapshot ${r.snapshot.slice(0, 8)} (${r.database}): ${r.ok ? 'restores exactly' : 'DOES NOT MATCH'}`);
        printLine(formatTable(['Table', 'Rows', 'Bytes', 'Result'], r.tables.map((t) => [t.table, t.actual.rows, t.actual.bytes,
          t.ok ? 'ok' : `MISMATCH (recorded ${t.expected.rows} rows, ${t.expected.bytes} bytes)`])));
        if (r.unsupported.length > 0) {
          printLine(`WARNING: snapshot ${r.snapshot.slice(0, 8)} lacks ${r.unsupported.length} object(s) pgvault could not write (backed up with --allow-unsupported):`);
          for (const u of r.unsupported) printLine(`  - ${u.kind} ${u.name}`);
        }
      }
    }
    const bad = reports.filter((r) => !r.ok);
    if (bad.length) {
      throw new VerifyMismatchError(`verify failed for ${bad.map((r) => `${r.database} (${r.tables.filter((t) => !t.ok).map((t) => t.table).join(', ')})`).join('; ')}`);
    }
  });
}
