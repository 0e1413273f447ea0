import type { Command } from 'commander';
import { globalsHeader, globalsOfSnapshot, renderGlobals } from '../../globals/index.js';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { printJson } from '../output.js';
import { addHostnameFilter, collectList, filterOf } from './snapshots.js';

interface GlobalsFlags { db?: string[]; hostname?: string[]; fromHost?: string[] }

export function register(program: Command): void {
  const cmd = program.command('globals')
    .description('print what a bare server needs for the snapshots\' databases as SQL (roles, memberships, role settings, tablespaces, ' +
      'CREATE DATABASE with its properties), like pg_dumpall --globals-only; --json prints the records')
    .argument('<snapshot>', 'snapshot id (unique prefix) or "latest" (the newest snapshot of each database: roles are merged)')
    .option('--db <name>', 'only snapshots of this database (repeatable)', collectList);
  addHostnameFilter(cmd, ['--from-host']);
  cmd.action(async (ref: string, f: GlobalsFlags, c: Command) => {
      const g = globalsOf(c);
      const logger = loggerFor(g);
      const repo = await openRepository(g, logger);
      try {
        const snaps = await resolveSnapshots(repo, ref, filterOf(f, ['hostname', 'fromHost']));
        const records = snaps.map((s) => globalsOfSnapshot(s));
        if (g.json) printJson(snaps.map((s, i) => ({ snapshot: s.id, database: s.database, globals: records[i] })));
        else process.stdout.write(renderGlobals(records, globalsHeader(snaps)));
      } finally {
        await repo.close();
      }
    });
}
