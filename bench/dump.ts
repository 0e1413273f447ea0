/**
 * Dump throughput: `pg_dump -Fp > /dev/null` against `pgvault dump > /dev/null` (1 job, 2 jobs, stable order) on
 * the same PostgreSQL 15 database, in one run, with wall time, MB/s, ratio to pg_dump and peak RSS (GNU time).
 *
 *   npx tsx bench/dump.ts                              # small set (pgbench scale 5 + 200k events), ~1 minute
 *   npx tsx bench/dump.ts --scale 50 --events 2000000  # the ~1 GB set of issue 3
 *   npx tsx bench/dump.ts --url postgres://u@h:5432/db # reuse an existing database (built there if missing)
 *
 * The dataset: `pgbench -i -s SCALE` plus `events` (bigserial PK, timestamptz, text, a ~200-byte jsonb payload),
 * vacuumed. Each variant runs `--repeat` times (interleaved); the median is reported. pgvault runs as a child
 * process through the real `dump` command (src/cli/commands/dump.ts); its RSS includes Node and the tsx loader.
 * `run()` returns the numbers for a bench runner; run directly, it prints a Markdown table.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCluster, type PgCluster } from '../test/helpers/pg.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const TIME = '/usr/bin/time';
const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');

/** The `pgvault dump` command alone (what the child processes run). */
const CHILD_SOURCE = `
import { Command } from 'commander';
import { runCli } from './src/cli/run.js';
import { register } from './src/cli/commands/dump.js';
const program = new Command().name('pgvault');
program.option('-q, --quiet').option('-v, --verbose');
register(program);
await runCli(program, process.argv);
`;

/**
 * Node arguments that run `pgvault dump`: an esbuild bundle (what an installed, compiled pgvault costs to start),
 * or, if esbuild is unavailable, this file through tsx (adds ~0.5 s of TypeScript compilation per run).
 */
async function cliArgs(log: (l: string) => void): Promise<{ args: string[]; how: string }> {
  try {
    const esbuild = await import('esbuild');
    const outfile = join(ROOT, 'node_modules', '.cache', 'pgvault-bench', 'dump-cli.mjs');
    await esbuild.build({
      stdin: { contents: CHILD_SOURCE, resolveDir: ROOT, loader: 'ts', sourcefile: 'dump-cli.ts' },
      bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile, packages: 'external', logLevel: 'silent',
    });
    return { args: [outfile], how: 'bundled with esbuild' };
  } catch (e) {
    log(`esbuild bundle failed (${e instanceof Error ? e.message : String(e)}); running through tsx`);
    return { args: ['--import', 'tsx', SELF, '--child'], how: 'through tsx' };
  }
}

export interface DumpBenchOptions {
  /** pgbench scale factor (100k accounts rows each). Default 5. */
  scale?: number;
  /** Rows of the JSON `events` table. Default 200 000. */
  events?: number;
  /** Use this database instead of a throwaway PostgreSQL 15 cluster (the dataset is built there if missing). */
  url?: string;
  /** Runs per variant; the median is reported. Default 1. */
  repeat?: number;
  log?: (line: string) => void;
}

export interface DumpBenchRow {
  what: string;
  seconds: number;
  mbPerSec: number;
  /** Throughput relative to pg_dump (> 1 = faster). */
  ratio: number;
  peakRssMiB: number;
}

export interface DumpBenchResult {
  scale: number;
  events: number;
  /** Size of the pgvault script in MB (10^6 bytes). */
  scriptMB: number;
  pgDumpVersion: string;
  /** How the pgvault child runs: bundled (like an installed build) or through tsx. */
  pgvaultRuns: string;
  rows: DumpBenchRow[];
}

interface Target { host: string; port: number; user: string; database: string }

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
}

async function ensureDataset(t: Target, scale: number, events: number, log: (l: string) => void): Promise<void> {
  const client = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database });
  await client.connect();
  try {
    const have = await client.query<{ a: string | null; e: string | null }>(
      "SELECT to_regclass('public.pgbench_accounts')::text AS a, to_regclass('public.events')::text AS e");
    let accounts = 0;
    if (have.rows[0]!.a) accounts = Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM public.pgbench_accounts')).rows[0]!.n);
    if (accounts !== scale * 100000) {
      log(`building pgbench scale ${scale} ...`);
      const r = spawnSync(join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(scale), '-h', t.host, '-p', String(t.port), '-U', t.user, t.database],
        { env: cleanEnv(), encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`pgbench -i failed: ${r.stderr}`);
    }
    let ev = 0;
    if (have.rows[0]!.e) ev = Number((await client.query<{ n: string }>('SELECT count(*)::text AS n FROM public.events')).rows[0]!.n);
    if (ev !== events) {
      log(`building events (${events} rows) ...`);
      await client.query('DROP TABLE IF EXISTS public.events');
      await client.query(`CREATE TABLE public.events (id bigserial PRIMARY KEY, occurred_at timestamptz NOT NULL, kind text NOT NULL, payload jsonb NOT NULL)`);
      for (let from = 1; from <= events; from += 250000) {
        const to = Math.min(events, from + 249999);
        await client.query(`INSERT INTO public.events (occurred_at, kind, payload)
          SELECT timestamptz '2026-01-01 00:00:00+00' + g * interval '1.7 seconds', (ARRAY['view', 'click', 'purchase', 'login'])[1 + g % 4],
                 jsonb_build_object('user_id', g % 50000, 'session', md5(g::text), 'path', '/products/' || (g % 997) || '/reviews',
                   'agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/' || (100 + g % 40), 'amount', round((g % 10000) / 7.0, 2),
                   'tags', jsonb_build_array('t' || (g % 13), 't' || (g % 29)))
            FROM generate_series(${from}, ${to}) g`);
      }
    }
    await client.query('VACUUM ANALYZE');
  } finally {
    await client.end();
  }
}

interface Measured { seconds: number; peakRssKiB: number }

/** Run a command with stdout to /dev/null under GNU time; wall time and max RSS. */
async function measure(cmd: string, args: string[]): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-bench-'));
  const timeFile = join(dir, 'time');
  const devnull = openSync('/dev/null', 'w');
  try {
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME, ['-f', '%M', '-o', timeFile, cmd, ...args], { stdio: ['ignore', devnull, 'pipe'], env: cleanEnv() });
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${code}): ${stderr}`);
    const rss = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop());
    return { seconds, peakRssKiB: rss };
  } finally {
    closeSync(devnull);
    rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(opts: DumpBenchOptions = {}): Promise<DumpBenchResult> {
  const scale = opts.scale ?? 5;
  const events = opts.events ?? 200000;
  const repeat = opts.repeat ?? 1;
  const log = opts.log ?? ((): void => undefined);
  let cluster: PgCluster | undefined;
  let target: Target;
  try {
    if (opts.url) {
      const u = new URL(opts.url);
      target = { host: decodeURIComponent(u.hostname), port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), database: decodeURIComponent(u.pathname.slice(1)) };
    } else {
      log('starting a PostgreSQL 15 cluster ...');
      cluster = await startCluster({ major: 15, settings: { shared_buffers: '512MB' } });
      await cluster.createDatabase('bench');
      target = { host: cluster.host, port: cluster.port, user: cluster.user, database: 'bench' };
    }
    await ensureDataset(target, scale, events, log);
    const conn = ['-h', target.host, '-p', String(target.port), '-U', target.user];
    const pgDump = [join(PG_BIN, 'pg_dump'), [...conn, '-Fp', target.database]] as const;
    const cli = await cliArgs(log);
    log(`pgvault runs ${cli.how}`);
    const pgvault = (extra: string[]): readonly [string, string[]] =>
      [process.execPath, [...cli.args, 'dump', ...conn, ...extra, target.database]];
    const variants: { what: string; cmd: readonly [string, readonly string[]] }[] = [
      { what: 'pg_dump -Fp', cmd: pgDump },
      { what: 'pgvault dump', cmd: pgvault([]) },
      { what: 'pgvault dump --jobs 2', cmd: pgvault(['--jobs', '2']) },
      { what: 'pgvault dump --stable-order', cmd: pgvault(['--stable-order']) },
      { what: 'pgvault dump --stable-order --jobs 2', cmd: pgvault(['--stable-order', '--jobs', '2']) },
    ];
    // Script size, and a warm cache for everyone.
    const dir = mkdtempSync(join(tmpdir(), 'pgvault-bench-'));
    const summaryFile = join(dir, 'summary.json');
    log('warm-up run ...');
    await measure(process.execPath, [...cli.args, 'dump', ...conn, '--summary', summaryFile, target.database]);
    const scriptBytes = (JSON.parse(readFileSync(summaryFile, 'utf8')) as { totalBytes: number }).totalBytes;
    rmSync(dir, { recursive: true, force: true });
    const times = new Map<string, number[]>();
    const rss = new Map<string, number[]>();
    for (let i = 0; i < repeat; i++) {
      for (const v of variants) {
        const m = await measure(v.cmd[0], [...v.cmd[1]]);
        log(`${v.what}: ${m.seconds.toFixed(2)} s, ${(m.peakRssKiB / 1024).toFixed(0)} MiB`);
        times.set(v.what, [...(times.get(v.what) ?? []), m.seconds]);
        rss.set(v.what, [...(rss.get(v.what) ?? []), m.peakRssKiB]);
      }
    }
    const base = median(times.get('pg_dump -Fp')!);
    const rows = variants.map((v) => {
      const s = median(times.get(v.what)!);
      return { what: v.what, seconds: s, mbPerSec: scriptBytes / 1e6 / s, ratio: base / s, peakRssMiB: Math.max(...rss.get(v.what)!) / 1024 };
    });
    const ver = spawnSync(pgDump[0], ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { scale, events, scriptMB: scriptBytes / 1e6, pgDumpVersion: ver, pgvaultRuns: cli.how, rows };
  } finally {
    await cluster?.stop();
  }
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function child(argv: string[]): Promise<void> {
  const { Command } = await import('commander');
  const { runCli } = await import('../src/cli/run.js');
  const { register } = await import('../src/cli/commands/dump.js');
  const program = new Command().name('pgvault');
  program.option('-q, --quiet').option('-v, --verbose');
  register(program);
  await runCli(program, [process.argv[0]!, 'pgvault', ...argv]);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return child(argv.slice(1));
  const o: DumpBenchOptions = { log: (l) => process.stderr.write(`${l}\n`) };
  const scale = arg(argv, '--scale');
  const events = arg(argv, '--events');
  const url = arg(argv, '--url');
  const repeat = arg(argv, '--repeat');
  if (scale) o.scale = Number(scale);
  if (events) o.events = Number(events);
  if (url) o.url = url;
  if (repeat) o.repeat = Number(repeat);
  const r = await run(o);
  console.log(`\nDump throughput — pgbench scale ${r.scale} + ${r.events} events, script ${r.scriptMB.toFixed(0)} MB, ${r.pgDumpVersion}, pgvault ${r.pgvaultRuns}\n`);
  console.log('| command | time (s) | MB/s | vs pg_dump | peak RSS (MiB) |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of r.rows) {
    console.log(`| ${row.what} | ${row.seconds.toFixed(2)} | ${row.mbPerSec.toFixed(0)} | ${row.ratio.toFixed(2)}× | ${row.peakRssMiB.toFixed(0)} |`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
