/**
 * Peak RSS of the repository commands with an S3 repository (issue 14: ≤ 150 MiB for every command, a first
 * `backup --layers` included, in a repository of its own), beside the
 * same commands on a local repository: the compiled CLI (`node bin/pgvault.js` on dist/, built first if missing)
 * under GNU time, against the suite's data set in a throwaway PostgreSQL 15, a local S3 server (s3rver) behind the
 * suite's latency proxy (B2 answers in tens of milliseconds).
 *
 * The command is `bin/pgvault`, the launcher an install puts on the PATH (MALLOC_ARENA_MAX=1 for glibc, then
 * `node bin/pgvault.js`); `--direct` runs `node bin/pgvault.js` itself, as every run before 2026-12-05 did.
 *
 *   npx tsx bench/peak-rss-s3.ts [--rounds 2] [--scale 50] [--events 2000000] [--latency 50] [--concurrency 8] [--direct]
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset } from './suite/dataset.js';
import { startLatencyProxy } from './suite/latency-proxy.js';
import { compiledCommand, pathWithNode, ROOT } from './suite/pgvault-cli.js';
import { startS3Server } from '../test/helpers/s3.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}
const rounds = arg('--rounds', 2);
const scale = arg('--scale', 50);
const events = arg('--events', 2_000_000);
const latency = arg('--latency', 50);
const concurrency = String(arg('--concurrency', 8));
const direct = process.argv.includes('--direct');
const command = compiledCommand(direct);

interface Sample { rssMiB: number; cpu: number; wall: number }

async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<Sample> {
  // Asynchronous: the latency proxy runs in this process's event loop.
  const child = spawn('/usr/bin/time', ['-f', '%U %S %M %e', ...command, ...args],
    { env: { ...env, PATH: pathWithNode }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  if (code !== 0) throw new Error(`pgvault ${args.join(' ')} failed (${code}): ${err.slice(-800)}`);
  const [u, s, m, e] = err.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: u! + s!, rssMiB: m! / 1024, wall: e! };
}

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const log = (l: string): void => { process.stderr.write(`[bench:rss-s3] ${l}\n`); };
const ds = await buildDataset({ scale, events, log });
const s3 = await startS3Server({ bucket: 'bench' });
const proxy = await startLatencyProxy(s3.endpoint, 0);
const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-rss-s3-'));
const c = s3.credentials;
const results = new Map<string, Sample[]>();
const add = (name: string, s: Sample): void => { results.set(name, [...(results.get(name) ?? []), s]); };
try {
  for (let round = 1; round <= rounds; round++) {
    for (const where of ['local', 's3'] as const) {
      const env: NodeJS.ProcessEnv = {
        ...process.env, PGVAULT_PASSWORD: 'bench rss s3', PGVAULT_CONFIG: '', XDG_CACHE_HOME: join(work, `cache-${where}-${round}`),
        PGVAULT_REPOSITORY: where === 's3' ? `s3:${proxy.endpoint}/bench/r${round}` : join(work, `repo-${round}`),
        AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_REGION: 'us-east-1',
      };
      const label = where === 's3' ? `S3 +${latency} ms, --concurrency ${concurrency}` : 'local';
      proxy.setDelay(0);
      add(`${label}: init`, await timed(['init'], env));
      proxy.setDelay(latency);
      add(`${label}: backup (full, first)`, await timed(['--concurrency', concurrency, 'backup', ds.db.url], env));
      add(`${label}: snapshots`, await timed(['snapshots'], env));
      add(`${label}: restore latest --stdout`, await timed(['--concurrency', concurrency, 'restore', 'latest', '--stdout'], env));
      add(`${label}: restore latest --target (.sql.gz)`,
        await timed(['--concurrency', concurrency, 'restore', 'latest', '--target', join(work, `gz-${where}-${round}`)], env));
      add(`${label}: check --read-data`, await timed(['--concurrency', concurrency, 'check', '--read-data'], env));
      // A first layered backup (row-level layers, opt-in) in a repository of its own, so that no chunk is shared
      // with the plain backup above: every base is new.
      const layered: NodeJS.ProcessEnv = { ...env, PGVAULT_REPOSITORY: `${env.PGVAULT_REPOSITORY!}-layers`, XDG_CACHE_HOME: `${env.XDG_CACHE_HOME!}-layers` };
      proxy.setDelay(0);
      await timed(['init'], layered);
      proxy.setDelay(latency);
      add(`${label}: backup --layers (full, first)`, await timed(['--concurrency', concurrency, 'backup', '--layers', ds.db.url], layered));
    }
    log(`round ${round} done`);
  }
  const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
  console.log(`${direct ? 'node bin/pgvault.js' : 'bin/pgvault (MALLOC_ARENA_MAX=' + (process.env.MALLOC_ARENA_MAX ?? '1') + ')'}, ` +
    `Node ${process.version}, PostgreSQL 15, pgbench scale ${scale} + ${events} events, ${rounds} rounds, ` +
    `load ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);
  console.log('| command | peak RSS MiB (runs) | CPU s (median) | wall s (median) |\n|---|---|---:|---:|');
  for (const [name, s] of results) {
    console.log(`| ${name} | ${s.map((x) => x.rssMiB.toFixed(1)).join(', ')} | ${med(s.map((x) => x.cpu)).toFixed(2)} | ${med(s.map((x) => x.wall)).toFixed(2)} |`);
  }
} finally {
  await proxy.stop();
  await s3.stop();
  await ds.cluster.stop();
  rmSync(work, { recursive: true, force: true });
}
