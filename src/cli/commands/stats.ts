import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { DEFAULT_PRICE_PER_TB_MONTH, repositoryStats } from '../../repo/stats.js';
import { listSnapshots } from '../../snapshot/snapshots.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';
import { addFilterFlags, filterOf, type FilterFlags } from './snapshots.js';

export function register(program: Command): void {
  const cmd = program.command('stats')
    .description('storage use: logical and stored bytes, deduplication and compression ratios, monthly cost')
    .option('--price <usd>', 'storage price in US$ per TB-month', String(DEFAULT_PRICE_PER_TB_MONTH));
  addFilterFlags(cmd);
  cmd.action(async (f: FilterFlags & { price: string }, c: Command) => {
    const price = Number(f.price);
    if (!Number.isFinite(price) || price < 0) throw new UsageError(`--price must be a number (got ${f.price})`);
    const g = globalsOf(c);
    const repo = await openRepository(g, loggerFor(g));
    try {
      const st = await repositoryStats(repo, await listSnapshots(repo, filterOf(f)), price);
      if (g.json) { printJson(st); return; }
      const row = (name: string, u: typeof st.total): (string | number)[] => [name, u.snapshots, formatBytes(u.logicalBytes), formatBytes(u.uniqueBytes),
        formatBytes(u.storedBytes), `${u.dedupRatio.toFixed(1)}x`, `${u.compressionRatio.toFixed(1)}x`, `$${u.monthlyCost.toFixed(4)}`];
      printLine(formatTable(['Database', 'Snapshots', 'Logical', 'Unique', 'Stored', 'Dedup', 'Compression', 'Per month'],
        [...st.databases.map((d) => row(`${d.database}@${d.host}${d.server ? ` (server ${d.server})` : ''}`, d)), row('TOTAL', st.total)]));
      printLine(`data objects in the repository: ${st.dataObjects} (${formatBytes(st.dataObjectBytes)}); price $${price}/TB-month`);
    } finally {
      await repo.close();
    }
  });
}
