/** `pgvault ls <snapshot>`: the tables of a snapshot with rows, bytes and SHA-256, from the manifest alone. */
import type { Command } from 'commander';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { snapshotTables } from '../../snapshot/tables.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';
import { addFilterFlags, filterOf, type FilterFlags } from './snapshots.js';

export function register(program: Command): void {
  const cmd = program.command('ls')
    .description('list the tables of snapshots: rows, bytes and SHA-256 of each table\'s data, as recorded at backup time')
    .argument('<snapshot>', 'snapshot id (unique prefix) or "latest" (the newest snapshot of each database)');
  addFilterFlags(cmd);
  cmd.action(async (ref: string, f: FilterFlags, c: Command) => {
    const g = globalsOf(c);
    const repo = await openRepository(g, loggerFor(g));
    let snaps;
    try {
      snaps = await resolveSnapshots(repo, ref, filterOf(f));
    } finally {
      await repo.close();
    }
    if (g.json) {
      printJson(snaps.map((s) => ({ snapshot: s.id, database: s.database, host: s.host, time: s.time, tables: snapshotTables(s) })));
      return;
    }
    snaps.forEach((s, i) => {
      const tables = snapshotTables(s);
      if (i > 0) printLine();
      printLine(`snapshot ${s.id.slice(0, 8)} (${s.database} on ${s.host}, ${s.time}): ${tables.length} table(s)`);
      printLine(formatTable(['Table', 'Rows', 'Bytes', 'Size', 'SHA-256'],
        tables.map((t) => [t.qualified, t.rows, t.bytes, formatBytes(t.bytes), t.sha256.slice(0, 16)])));
    });
  });
}
