import type { Command } from 'commander';
import { runBench, type BenchReport } from '../../bench/bench.js';
import { UsageError } from '../../errors.js';
import { addConnectionFlags, addDumpFlags, connectionOf, dumpOptionsOf, type DumpFlags } from '../dump-flags.js';
import { globalsOf, loggerFor, openOptionsFor, repoLocation } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';

interface BenchFlags extends DumpFlags {
  sampleMb?: string;
  keepMb?: string;
}

function mb(v: string | undefined, flag: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of megabytes (got ${v})`);
  return n * 1e6;
}

const f1 = (x: number | null): string => (x === null ? '' : x >= 100 ? x.toFixed(0) : x.toFixed(1));

export function printBench(r: BenchReport): void {
  printLine(`pgvault bench: ${r.database} (PostgreSQL ${r.serverVersion}), repository ${r.repository}`);
  printLine(`sample ${(r.sampleBytes / 1e6).toFixed(0)} MB; uploads to ${r.scratchLocation} (${r.cleanedUp ? 'removed' : 'NOT fully removed: delete it by hand'}); ` +
    `${r.concurrency} requests in flight; peak RSS ${r.peakRssMiB.toFixed(0)} MiB`);
  printLine('');
  printLine(formatTable(['Stage', 'Path', 'MB/s', 'Seconds', 'Details'], r.stages.map((s) => [
    s.label, s.path, f1(s.mbPerSec), s.seconds.toFixed(2),
    Object.entries(s.detail ?? {}).map(([k, v]) => `${k} ${v}`).join(', '),
  ])));
  printLine('');
  const top = [...r.tables].sort((a, b) => b.bytes - a.bytes).slice(0, 10);
  if (top.length) {
    printLine(formatTable(['Table (largest read)', 'MB', 'Rows', 'MB/s'], top.map((t) => [t.table, (t.bytes / 1e6).toFixed(1), t.rows < 0 ? '(sample ended)' : t.rows, f1(t.mbPerSec)])));
    printLine('');
  }
  printLine(`Bottleneck: ${r.bottleneck.stage} at ${f1(r.bottleneck.mbPerSec)} MB/s: ${r.bottleneck.advice}`);
  printLine(`Other hosts (the same model at this host's speed per core): ` +
    r.byCores.map((e) => `${e.cores} core${e.cores === 1 ? '' : 's'} ~${f1(e.mbPerSec)} MB/s (${e.limit})`).join(', '));
}

export function register(program: Command): void {
  const cmd = program.command('bench')
    .description('measure each backup/restore stage on this host against the database and the bucket, safely: read-only on the database, uploads only to a throwaway prefix next to the repository (removed afterwards), no snapshot written')
    .argument('<database>', 'postgres://user@host:port/db URL, key=value string, or database name')
    .option('--sample-mb <n>', 'stop reading the database after N MB of script', '256')
    .option('--keep-mb <n>', 'MB kept in memory for the CPU stages and uploaded to the throwaway prefix', '32');
  addConnectionFlags(cmd);
  addDumpFlags(cmd);
  cmd.action(async (database: string, f: BenchFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    const o = openOptionsFor(g, logger);
    const opts: Parameters<typeof runBench>[0] = {
      connection: connectionOf(database, f), dump: dumpOptionsOf(f), repoLocation: repoLocation(g), logger,
      sampleBytes: mb(f.sampleMb, '--sample-mb', 256e6), keepBytes: mb(f.keepMb, '--keep-mb', 32e6),
    };
    if (o.concurrency !== undefined) opts.concurrency = o.concurrency;
    const r = await runBench(opts);
    if (g.json) printJson(r); else printBench(r);
  });
}
