import type { Command } from 'commander';
import { listSnapshots, type SnapshotFilter } from '../../snapshot/snapshots.js';
import { describeServer, describeSource, hostSourceKey } from '../../snapshot/source.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';

export interface FilterFlags { db?: string[]; host?: string[]; tag?: string[] }

export { collectList } from '../dump-flags.js';
import { collectList } from '../dump-flags.js';

export function addFilterFlags(cmd: Command): Command {
  return cmd
    .option('--db <name>', 'only snapshots of this database: its configured name, else its database name (repeatable)', collectList)
    .option('--host <host>', 'only snapshots from this host (repeatable)', collectList)
    .option('--tag <tags>', 'only snapshots with these tags (comma = all of them; repeat = any group)', collectList);
}

export function filterOf(f: FilterFlags): SnapshotFilter {
  const out: SnapshotFilter = {};
  if (f.db) out.databases = f.db;
  if (f.host) out.hosts = f.host;
  if (f.tag) out.tags = f.tag;
  return out;
}

export function register(program: Command): void {
  const cmd = program.command('snapshots').description('list snapshots')
    .option('--latest <n>', 'only the newest N snapshots of each database (each source: configured name and server)');
  addFilterFlags(cmd);
  cmd.action(async (f: FilterFlags & { latest?: string }, c: Command) => {
    const g = globalsOf(c);
    const repo = await openRepository(g, loggerFor(g));
    let list = await listSnapshots(repo, filterOf(f));
    await repo.close();
    if (f.latest !== undefined) {
      const n = Number(f.latest);
      const count = new Map<string, number>();
      list = list.reverse().filter((s) => {
        const k = hostSourceKey(s);
        const seen = count.get(k) ?? 0;
        count.set(k, seen + 1);
        return seen < n;
      }).reverse();
    }
    if (g.json) {
      printJson(list.map((s) => ({
        id: s.id, time: s.time, host: s.host, database: s.database, origin: s.origin ?? null, tags: s.tags, size: s.dump.size, sha256: s.dump.sha256,
        server: s.server.version, tables: s.parts.filter((p) => p.table).length, added: s.added, durationMs: s.durationMs,
        unsupported: s.unsupported ?? [],
      })));
      return;
    }
    printLine(formatTable(['ID', 'Time', 'Host', 'Database', 'Server', 'Tags', 'Size', 'Added'],
      list.map((s) => [s.id.slice(0, 8), s.time, s.host, describeSource(s), describeServer(s) || '-', s.tags.join(','), formatBytes(s.dump.size), formatBytes(s.added.storedBytes)])));
    printLine(`${list.length} snapshot(s)`);
    const incomplete = list.filter((s) => (s.unsupported?.length ?? 0) > 0);
    for (const s of incomplete) {
      printLine(`WARNING: snapshot ${s.id.slice(0, 8)} (${s.database}) lacks ${s.unsupported!.length} object(s) pgvault could not write (backed up with --allow-unsupported):`);
      for (const u of s.unsupported!) printLine(`  - ${u.kind} ${u.name}`);
    }
  });
}
