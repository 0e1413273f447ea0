import type { Command } from 'commander';
import { runDrill, type DrillResult } from '../../drill/drill.js';
import { PgvaultError, UsageError, type ExitCodeValue } from '../../errors.js';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { addConnectionFlags, connectionOf, type DumpFlags } from '../dump-flags.js';
import { configFor, globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';
import { collectList } from './snapshots.js';

interface DrillFlags extends Pick<DumpFlags, 'host' | 'port' | 'username'> { scratch?: string; db?: string[]; fromHost?: string[]; jobs?: string; keep?: boolean }

class DrillFailedError extends PgvaultError {
  constructor(message: string, exitCode: ExitCodeValue) {
    super('DRILL_FAILED', exitCode, message);
  }
}

export function register(program: Command): void {
  const cmd = program.command('drill')
    .description('restore drill: rebuild the newest snapshot of each database on a scratch server as a disaster recovery would ' +
      '(roles, database, data), verify every table against the backup\'s checksums, report recovery time and data age, drop it again')
    .argument('[snapshot]', 'snapshot id or "latest" (default: latest)', 'latest')
    .option('--scratch <server>', 'scratch server connection (URL or name; -h/-p/-U apply; default: the configuration\'s drill.scratch); never production')
    .option('--db <name>', 'only these databases (repeatable)', collectList)
    .option('--from-host <host>', 'only snapshots taken on this host (repeatable)', collectList)
    .option('-j, --jobs <n>', 'load over N connections, as restore --jobs (default: the configuration\'s drill.jobs, else 1)')
    .option('--keep', 'keep the scratch database and the roles the drill created, for inspection');
  addConnectionFlags(cmd);
  cmd.action(async (ref: string, f: DrillFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const cfg = configFor(g)?.config;
    const scratch = f.scratch ?? cfg?.drill?.scratch;
    const jobs = f.jobs === undefined ? cfg?.drill?.jobs ?? 1 : Number(f.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64 (got ${String(f.jobs)})`);
    if (!scratch) throw new DrillFailedError('drill needs a scratch server: --scratch postgres://postgres@127.0.0.1:5499/postgres, or "drill": { "scratch": ... } in the configuration', 2);
    const repo = await openRepository(g, logger, { unlockOffThread: true });
    let results: DrillResult[];
    try {
      const filter: Parameters<typeof resolveSnapshots>[2] = {};
      if (f.db) filter.databases = f.db;
      if (f.fromHost) filter.hosts = f.fromHost;
      const snaps = await resolveSnapshots(repo, ref, filter);
      const opts: Parameters<typeof runDrill>[3] = { logger };
      if (jobs > 1) opts.jobs = jobs;
      if (f.keep) opts.keep = true;
      results = await runDrill(repo, snaps, connectionOf(scratch, f), opts);
    } finally {
      await repo.close();
    }
    if (g.json) printJson(results);
    else {
      printLine(formatTable(['Database', 'Snapshot', 'Data age', 'Restore s', 'Verify s', 'Recovery s', 'Tables', 'Result'], results.map((r) => [
        r.database, r.snapshot.slice(0, 8), `${(r.dataAgeSeconds / 3600).toFixed(1)} h`, r.restoreSeconds, r.verifySeconds, r.recoverySeconds, r.tables,
        r.ok ? 'ok' : r.error ? `FAILED: ${r.error}` : `MISMATCH: ${r.mismatches.join(', ')}`])));
    }
    const bad = results.filter((r) => !r.ok);
    if (bad.length) {
      const codes = [...new Set(bad.map((r) => r.exitCode ?? 1))];
      throw new DrillFailedError(`restore drill failed for ${bad.map((r) => r.database).join(', ')}`,
        (codes.length === 1 && bad.length === results.length ? codes[0] : 1) as ExitCodeValue);
    }
  });
}
