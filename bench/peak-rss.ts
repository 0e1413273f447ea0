/**
 * Peak RSS of every repository command on a small database (issue 14: ≤ 150 MiB for every command at every
 * size; row-level layers included: `backup --layers`, first and again), measured as an operator runs them: `node bin/pgvault.js` on the compiled dist/ (built first if
 * missing) under GNU time (`%M`, the process's maximum resident set, worker threads included), against a
 * throwaway Debian PostgreSQL 15 cluster (test/helpers/pg.ts) holding `pgbench -i -s SCALE`.
 * Each command runs N times; medians (and max) of peak RSS and CPU are printed with the load average.
 *
 * The command is `bin/pgvault`, the launcher an install puts on the PATH (it sets MALLOC_ARENA_MAX=1 for glibc, then
 * runs `node bin/pgvault.js`); `--direct` runs `node bin/pgvault.js` itself, as every run before 2026-12-05 did.
 *
 *   npm run bench:rss                 # scale 5 (~75 MB of SQL), 3 runs
 *   npm run bench:rss -- 3 20         # 3 runs, scale 20
 *   npm run bench:rss -- 3 50 --direct
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_CLIENT_BIN, startCluster } from '../test/helpers/pg.js';
import { compiledCommand, pathWithNode } from './suite/pgvault-cli.js';

const ROOT = join(import.meta.dirname, '..');
const direct = process.argv.includes('--direct');
const [runsArg, scaleArg] = process.argv.slice(2).filter((a) => a !== '--direct');
const runs = Number(runsArg ?? 3);
const scale = Number(scaleArg ?? 5);
const command = compiledCommand(direct);
const med = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

interface Sample { cpu: number; rssMiB: number }

function timed(args: string[], env: NodeJS.ProcessEnv): Sample {
  // stdout is discarded, not captured: `restore --stdout` of a large database outgrows any string.
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', ...command, ...args],
    { env: { ...env, PATH: pathWithNode }, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`pgvault ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [u, s, m] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: u! + s!, rssMiB: m! / 1024 };
}

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-rss-'));
const pg = await startCluster({ major: 15 });
try {
  await pg.createDatabase('bench');
  execFileSync(join(PG_CLIENT_BIN, 'pgbench'), ['-i', '-q', '-s', String(scale), '-h', pg.host, '-p', String(pg.port), '-U', pg.user, 'bench'], { stdio: 'ignore' });
  const [{ size }] = await pg.query<{ size: string }>('bench', 'select pg_size_pretty(pg_database_size(current_database())) as size');
  const env = { ...process.env, PGVAULT_PASSWORD: 'bench rss', XDG_CACHE_HOME: join(work, 'cache'), PGVAULT_REPOSITORY: join(work, 'repo'), PGVAULT_CONFIG: '' };
  timed(['init'], env);
  const url = pg.url('bench');
  const commands: [string, string[]][] = [
    ['backup (full, first)', ['backup', url]],
    ['backup (again, nothing new)', ['backup', url]],
    ['snapshots', ['snapshots']],
    ['restore latest --stdout', ['restore', 'latest', '--stdout']],
    ['restore latest --target (.sql.gz)', ['restore', 'latest', '--target', join(work, 'gz'), '--force']],
    ['backup --jobs 2 (full, first)', ['backup', '--jobs', '2', url]],
    ['check', ['check']],
    ['check --read-data', ['check', '--read-data']],
    ['backup --layers (full, first)', ['backup', '--layers', url]],
    ['backup --layers (again)', ['backup', '--layers', url]],
    ['--help', ['--help']],
  ];
  const results = new Map<string, Sample[]>(commands.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of commands) {
      if ((name === 'backup (full, first)' && i > 0) || name === 'backup --jobs 2 (full, first)' || name === 'backup --layers (full, first)') {
        // A fresh repository each round, so that the first backup uploads everything again.
        rmSync(join(work, 'repo'), { recursive: true, force: true });
        rmSync(join(work, 'cache'), { recursive: true, force: true });
        timed(['init'], env);
      }
      results.get(name)!.push(timed(args, env));
    }
  }
  console.log(`${direct ? 'node bin/pgvault.js' : 'bin/pgvault (MALLOC_ARENA_MAX=' + (process.env.MALLOC_ARENA_MAX ?? '1') + ')'}, ` +
    `Node ${process.version}, PostgreSQL 15, pgbench scale ${scale} (database ${size}), ${runs} runs each, ` +
    `load ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);
  for (const [name, s] of results) {
    const rss = s.map((x) => x.rssMiB);
    console.log(`${name.padEnd(30)} peak RSS median ${med(rss).toFixed(0)} MiB (max ${Math.max(...rss).toFixed(0)}), CPU median ${med(s.map((x) => x.cpu)).toFixed(2)} s`);
  }
} finally {
  await pg.stop();
  rmSync(work, { recursive: true, force: true });
}
