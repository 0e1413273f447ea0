import type { Command } from 'commander';
import { diffSnapshots } from '../../snapshot/diff.js';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { UsageError } from '../../errors.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program.command('diff')
    .description('which tables changed between two snapshots (from the per-table checksums)')
    .argument('<a>', 'older snapshot id (prefix)')
    .argument('<b>', 'newer snapshot id (prefix)')
    .option('--all', 'also list unchanged tables')
    .action(async (a: string, b: string, f: { all?: boolean }, c: Command) => {
      const g = globalsOf(c);
      const repo = await openRepository(g, loggerFor(g));
      try {
        if (a === 'latest' || b === 'latest') throw new UsageError('diff needs two snapshot ids');
        const [sa] = await resolveSnapshots(repo, a);
        const [sb] = await resolveSnapshots(repo, b);
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
