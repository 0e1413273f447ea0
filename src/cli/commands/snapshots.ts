import { Option, type Command } from 'commander';
import { listSnapshots, type SnapshotFilter } from '../../snapshot/snapshots.js';
import { describeServer, describeSource, hostSourceKey } from '../../snapshot/source.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatBytes, formatTable, printJson, printLine } from '../output.js';

export interface FilterFlags { db?: string[]; hostname?: string[]; /** --host: an alias of --hostname where it shipped; elsewhere the PostgreSQL server (a string, ignored here). */ host?: string[] | string; fromHost?: string[]; tag?: string[] }

export { collectList } from '../dump-flags.js';
import { collectList } from '../dump-flags.js';

/**
 * `--hostname NAME` (repeatable): only snapshots taken on that machine, in every command that filters
 * snapshots, as `backup --hostname` and `run --hostname` record it. `--host` is kept as a hidden alias where
 * it shipped as this filter (snapshots, stats, forget: restic's spelling), `--from-host` likewise (restore,
 * globals). In commands that connect to PostgreSQL, `-h, --host` is the server, as in psql and pg_dump.
 */
export function addHostnameFilter(cmd: Command, aliases: ('--host' | '--from-host')[]): Command {
  cmd.option('--hostname <name>', 'only snapshots taken on this host, as recorded by backup/run --hostname (repeatable)', collectList);
  for (const a of aliases) cmd.addOption(new Option(`${a} <name>`, `alias of --hostname`).argParser(collectList).hideHelp());
  return cmd;
}

type HostKey = 'hostname' | 'host' | 'fromHost';

/** The host filter from --hostname and the aliases `keys` (never `host` where it names the PostgreSQL server), or undefined. */
export function hostnamesOf(f: Partial<Record<HostKey, string[] | string>>, keys: readonly HostKey[] = ['hostname', 'host']): string[] | undefined {
  const all = keys.flatMap((k) => { const v = f[k]; return v === undefined ? [] : Array.isArray(v) ? v : []; });
  return all.length ? all : undefined;
}

export function addFilterFlags(cmd: Command): Command {
  cmd.option('--db <name>', 'only snapshots of this database: its configured name, else its database name (repeatable)', collectList);
  addHostnameFilter(cmd, ['--host']);
  return cmd.option('--tag <tags>', 'only snapshots with these tags (comma = all of them; repeat = any group)', collectList);
}

/** The snapshot filter of --db, --hostname (with the aliases `hostKeys`) and --tag. */
export function filterOf(f: FilterFlags, hostKeys?: readonly HostKey[]): SnapshotFilter {
  const out: SnapshotFilter = {};
  if (f.db) out.databases = f.db;
  const hosts = hostnamesOf(f, hostKeys);
  if (hosts) out.hosts = hosts;
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
        id: s.id, time: s.time, host: s.host, database: s.database, origin: s.origin ?? null, tags: s.tags, size: s.dump.size,
        // The script's checksum as the manifest records it: `segments` (current backups) or `sha256` (older ones).
        ...(s.dump.segments !== undefined ? { segments: s.dump.segments } : {}), ...(s.dump.sha256 !== undefined ? { sha256: s.dump.sha256 } : {}),
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
