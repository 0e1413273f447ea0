/**
 * Where a backup's main-thread time goes: builds the data set, runs `pgvault backup` twice (the first
 * uploads everything, the second deduplicates everything, so it shows the dump + hashing + chunking path
 * without compression), the second under `node --cpu-prof`, and prints wall/CPU/RSS of both and the
 * functions with the most self time.
 *
 *   npx tsx bench/suite/profile.ts [--scale 5] [--events 200000] [--top 25]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset } from './dataset.js';
import { cleanEnv, TIME_BIN } from './measure.js';
import { pgvaultCli } from './pgvault-cli.js';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

const log = (l: string): void => { process.stderr.write(`${l}\n`); };
const ds = await buildDataset({ scale: arg('--scale', 5), events: arg('--events', 200000), log });
const cli = await pgvaultCli(log);
const work = mkdtempSync(join(tmpdir(), 'pgvault-prof-'));
try {
  const env = cleanEnv({ PGVAULT_PASSWORD: 'bench', PGVAULT_REPOSITORY: join(work, 'repo') });
  const run = (nodeFlags: string[], args: string[]): void => {
    const r = spawnSync(TIME_BIN, ['-f', '%e s wall, %U s user, %S s sys, %M KiB peak RSS', process.execPath, ...nodeFlags, ...cli.nodeArgs,
      '-q', '--cache-dir', join(work, 'cache'), ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pgvault ${args.join(' ')} failed: ${r.stderr}`);
    console.log(`pgvault ${args[0]}${nodeFlags.length ? ' (profiled)' : ''}: ${r.stderr.trim().split('\n').pop()}`);
  };
  run([], ['init']);
  run([], ['backup', ds.db.url]);
  run(['--cpu-prof', `--cpu-prof-dir=${join(work, 'prof')}`], ['backup', ds.db.url]);
  const file = readdirSync(join(work, 'prof'))[0]!;
  const prof = JSON.parse(readFileSync(join(work, 'prof', file), 'utf8')) as CpuProfile;
  const self = new Map<number, number>();
  prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const n of prof.nodes) {
    const t = self.get(n.id) ?? 0;
    total += t;
    const where = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^.*\/bench\/suite\/\.cli-[^/]+\//, 'bundle:');
    const key = `${n.callFrame.functionName || '(anonymous)'} ${where}:${n.callFrame.lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  }
  console.log(`\nself time, ${(total / 1e6).toFixed(2)} s profiled (idle = the main thread waiting):`);
  for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, arg('--top', 25))) {
    console.log(`${(v / 1e6).toFixed(2).padStart(7)} s ${(100 * v / total).toFixed(1).padStart(5)} %  ${k}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
  cli.cleanup();
  await ds.cluster.stop();
}
