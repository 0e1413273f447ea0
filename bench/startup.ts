/**
 * Start-up cost of the CLI (issue 12, item 17): CPU time (user + system, all threads) and peak RSS of
 * `pgvault --help` and of `pgvault snapshots` on an empty local repository, run as an operator runs them:
 * `node bin/pgvault.js` on the compiled dist/ (built first if missing). Each is run N times; min and median
 * are printed with the load average. For attribution, the Argon2id key derivation that every repository-opening
 * command does (the default of `init`: docs/format.md "Key derivation cost") is measured alone in a fresh
 * process that has libsodium loaded (bench/kdf.ts), by the implementation `snapshots` uses.
 *
 *   npm run bench:startup            # 7 runs each
 *   npm run bench:startup -- 15      # more runs
 * Needs GNU time (/usr/bin/time). Goals: --help ≤ 0.1 s CPU, snapshots ≤ 0.4 s CPU.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { defaultArgon2Implementation } from '../src/crypto/kdf.js';
import { DEFAULT_KDF_PARAMS } from '../src/crypto/keyfile.js';
import { deriveOnce, median } from './kdf.js';

const ROOT = join(import.meta.dirname, '..');
const runs = Number(process.argv[2] ?? 7);
const bin = join(ROOT, 'bin', 'pgvault.js');

interface Sample { cpu: number; rssKb: number }

function measure(args: string[], env: NodeJS.ProcessEnv): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, bin, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`pgvault ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [u, s, m] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: u! + s!, rssKb: m! };
}

function summary(name: string, samples: Sample[]): string {
  const cpu = samples.map((x) => x.cpu).sort((a, b) => a - b);
  const rss = samples.map((x) => x.rssKb).sort((a, b) => a - b);
  const med = (a: number[]): number => a[Math.floor(a.length / 2)]!;
  return `${name.padEnd(44)} CPU min ${cpu[0]!.toFixed(2)} s, median ${med(cpu).toFixed(2)} s; peak RSS median ${(med(rss) / 1024).toFixed(0)} MiB`;
}

if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-startup-'));
try {
  const env = { ...process.env, PGVAULT_PASSWORD: 'bench startup', XDG_CACHE_HOME: join(work, 'cache'), PGVAULT_REPOSITORY: join(work, 'repo') };
  measure(['init'], env);
  measure(['--help'], env); // warm the OS page cache and Node's compile cache
  const node: Sample[] = [];
  const help: Sample[] = [];
  const snapshots: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, '-e', '0'], { encoding: 'utf8' });
    const [u, s, m] = r.stderr.trim().split(' ').map(Number);
    node.push({ cpu: u! + s!, rssKb: m! });
    help.push(measure(['--help'], env));
    snapshots.push(measure(['snapshots'], env));
  }
  const impl = defaultArgon2Implementation(DEFAULT_KDF_PARAMS.memlimit);
  const kdf: number[] = [];
  for (let i = 0; i < runs; i++) kdf.push(deriveOnce(impl, { label: 'default', ...DEFAULT_KDF_PARAMS }).cpu);
  const label = `Argon2id alone (${DEFAULT_KDF_PARAMS.opslimit} passes, ${DEFAULT_KDF_PARAMS.memlimit / 1024 / 1024} MiB, ${impl})`;
  console.log(`Node ${process.version}, ${runs} runs each, load ${loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);
  console.log(summary('node -e 0 (Node itself)', node));
  console.log(summary('pgvault --help', help));
  console.log(summary('pgvault snapshots (empty, local)', snapshots));
  console.log(`${label.padEnd(44)} CPU median ${median(kdf).toFixed(2)} s (a fresh process with libsodium loaded; bench/kdf.ts)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
