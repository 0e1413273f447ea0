/**
 * What an Argon2id unlock costs (issue 12: `snapshots` ≤ 0.4 s CPU; issue 14: peak RSS ≤ 150 MiB): each
 * candidate parameter set by each implementation this Node.js offers (src/crypto/kdf.ts), each derivation
 * in a fresh process that has already loaded libsodium (as pgvault has when it unlocks), N runs, medians of
 * the CPU of the derivation (every thread) and of the process's peak RSS. With restic on PATH (or in
 * .cache/restic), restic's scrypt unlock (`restic snapshots` on an empty repository minus `restic version`).
 *
 *   npm run bench:kdf              # 5 runs each
 *   npm run bench:kdf -- 9         # more runs
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { argon2Implementations } from '../src/crypto/kdf.js';
import { DEFAULT_KDF_PARAMS, MAX_KDF_PARAMS } from '../src/crypto/keyfile.js';

const ROOT = join(import.meta.dirname, '..');
const MiB = 1024 * 1024;

export interface KdfCandidate { label: string; opslimit: number; memlimit: number }

export const CANDIDATES: KdfCandidate[] = [
  { label: 'OWASP minimum (2 passes, 19 MiB)', opslimit: 2, memlimit: 19 * MiB },
  { label: `pgvault default (${DEFAULT_KDF_PARAMS.opslimit} passes, ${DEFAULT_KDF_PARAMS.memlimit / MiB} MiB)`, ...DEFAULT_KDF_PARAMS },
  { label: 'libsodium INTERACTIVE (2 passes, 64 MiB)', opslimit: 2, memlimit: 64 * MiB },
  { label: `pgvault 0.1.0 (${MAX_KDF_PARAMS.opslimit} passes, ${MAX_KDF_PARAMS.memlimit / MiB} MiB)`, ...MAX_KDF_PARAMS },
  { label: 'libsodium MODERATE (3 passes, 256 MiB)', opslimit: 3, memlimit: 256 * MiB },
];

export interface KdfSample { cpu: number; rssMiB: number }

const CHILD = `
const [kdfUrl, sodiumUrl, impl, ops, mem] = process.argv.slice(2);
const { sodium } = await import(sodiumUrl);
const { argon2id } = await import(kdfUrl);
const rss0 = process.memoryUsage().rss;
const c0 = process.cpuUsage();
await argon2id(32, 'bench kdf password', new Uint8Array(16), Number(ops), Number(mem), impl);
const c = process.cpuUsage(c0);
if (!sodium) throw new Error('libsodium not loaded');
process.stdout.write(JSON.stringify({ cpu: (c.user + c.system) / 1e6, rss: process.resourceUsage().maxRSS * 1024, rss0 }));
`;

/** One derivation in a fresh process (compiled dist/ modules, built first if missing). */
export function deriveOnce(impl: string, c: KdfCandidate): KdfSample {
  const dist = join(ROOT, 'dist', 'src', 'crypto');
  if (!existsSync(join(dist, 'kdf.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const script = join(dist, '.bench-kdf-child.mjs');
  if (!existsSync(script)) writeFileSync(script, CHILD);
  const r = spawnSync(process.execPath, [script, pathToFileURL(join(dist, 'kdf.js')).href,
    pathToFileURL(join(dist, 'sodium.js')).href, impl, String(c.opslimit), String(c.memlimit)], { encoding: 'utf8', cwd: ROOT });
  if (r.status !== 0) throw new Error(`${impl} ${c.label}: ${r.stderr}`);
  const o = JSON.parse(r.stdout) as { cpu: number; rss: number };
  return { cpu: o.cpu, rssMiB: o.rss / MiB };
}

export const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

function resticBinary(): string | undefined {
  for (const p of [join(ROOT, '.cache', 'restic', 'restic'), ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'restic'))]) {
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** restic's unlock: CPU of `restic snapshots` on an empty local repository minus `restic version`, and its scrypt parameters. */
export function resticUnlock(runs: number): { cpu: number; rssMiB: number; params: string } | undefined {
  const restic = resticBinary();
  if (!restic) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-bench-kdf-'));
  try {
    const env = { ...process.env, RESTIC_PASSWORD: 'bench kdf password', RESTIC_REPOSITORY: join(dir, 'repo') };
    execFileSync(restic, ['init'], { env, stdio: 'ignore' });
    const keyDir = join(dir, 'repo', 'keys');
    const key = JSON.parse(readFileSync(join(keyDir, readdirSync(keyDir)[0]!), 'utf8')) as { N: number; r: number; p: number };
    const time = (args: string[]): KdfSample => {
      const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', restic, ...args], { env, encoding: 'utf8' });
      const [u, s, m] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number);
      return { cpu: u! + s!, rssMiB: m! / 1024 };
    };
    const unlock: number[] = [];
    const rss: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = time(['snapshots', '--no-cache', '--no-lock']);
      unlock.push(s.cpu - time(['version']).cpu);
      rss.push(s.rssMiB);
    }
    return { cpu: median(unlock), rssMiB: median(rss), params: `scrypt N=${key.N} r=${key.r} p=${key.p} (${(128 * key.N * key.r) / MiB} MiB)` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table: one line per candidate and implementation. */
export function kdfTable(runs: number): string[] {
  const lines: string[] = [];
  for (const c of CANDIDATES) {
    for (const impl of argon2Implementations()) {
      const s: KdfSample[] = [];
      for (let i = 0; i < runs; i++) s.push(deriveOnce(impl, c));
      lines.push(`${c.label.padEnd(44)} ${impl.padEnd(7)} CPU median ${median(s.map((x) => x.cpu)).toFixed(2)} s, ` +
        `process peak RSS median ${median(s.map((x) => x.rssMiB)).toFixed(0)} MiB`);
    }
  }
  const r = resticUnlock(runs);
  lines.push(r ? `${'restic 0.18 unlock, ' + r.params}`.padEnd(52) + ` CPU median ${r.cpu.toFixed(2)} s, restic peak RSS median ${r.rssMiB.toFixed(0)} MiB`
    : 'restic not found: no scrypt comparison');
  return lines;
}

if (import.meta.url === pathToFileURL(process.argv[1]!).href) {
  const runs = Number(process.argv[2] ?? 5);
  console.log(`Node ${process.version}, ${runs} runs each, load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (${new Date().toISOString()})`);
  for (const l of kdfTable(runs)) console.log(l);
}
