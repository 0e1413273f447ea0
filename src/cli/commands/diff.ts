import type { Command } from 'commander';
import { diffSnapshots } from '../../snapshot/diff.js';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { describeServer, sourceKey, sourceName } from '../../snapshot/source.js';
import { UsageError } from '../../errors.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program.command('diff')
    .description('which tables changed between two snapshots (from the per-table checksums)')
    .argument('<a>', 'older snapshot id (prefix)')
    .argument('<b>', 'newer snapshot id (prefix)')
    .option('--all', 'also list unchanged tables')
    .option('--across-sources', 'compare snapshots of different databases (refused by default: every table would differ)')
    .action(async (a: string, b: string, f: { all?: boolean; acrossSources?: boolean }, c: Command) => {
      const g = globalsOf(c);
      const logger = loggerFor(g);
      const repo = await openRepository(g, logger);
      try {
        if (a === 'latest' || b === 'latest') throw new UsageError('diff needs two snapshot ids');
        const [sa] = await resolveSnapshots(repo, a);
        const [sb] = await resolveSnapshots(repo, b);
        if (sourceKey(sa!) !== sourceKey(sb!)) {
          const what = (s: typeof sa): string => `${s!.id.slice(0, 8)} is ${sourceName(s!)}${describeServer(s!) ? ` on server ${describeServer(s!)}` : ''}`;
          if (!f.acrossSources) {
            throw new UsageError(`these are snapshots of different databases: ${what(sa)} and ${what(sb)}; ` +
              'diff compares two snapshots of one database (pass --across-sources to compare them anyway)');
          }
          logger.warn(`comparing snapshots of different databases: ${what(sa)} and ${what(sb)}`);
        }
        const d = diffSnapshots(sa!, sb!);
        if (g.json) { printJson(d); return; }
        printLine(`schema: ${d.schemaChanged ? 'changed' : 'unchanged'}`);
        const rows = d.tables.filter((t) => f.all || t.change !== 'unchanged')
          .map((t) => [t.table, t.change, t.rowsBefore ?? '-', t.rowsAfter ?? '-']);
        printLine(formatTable(['Table', 'Change', 'Rows before', 'Rows after'], rows));
      } finally {
        await repo.close();
      }
    });
}
