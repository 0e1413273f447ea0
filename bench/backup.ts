/**
 * Full-backup A/B benchmark: one reference data set, then rounds that alternate between contenders so
 * load changes on a shared machine hit every contender alike.
 *
 *   npx tsx bench/backup.ts [--scale 5] [--events 200000] [--rounds 2] [--cpus 0 --cpus 0,1]
 *                           [--variant before=/tmp/pgvault-main] [--init-args 'name=--compression zstd']
 *                           [--backup-args '--jobs 2'] [--node /path/to/node] [--no-restore] [--no-dump]
 *                           [--no-restic] [--out bench/results]
 *
 * Per round and CPU set: `pg_dump > /dev/null` (the ceiling), `pgvault dump > /dev/null`,
 * `pg_dump --clean --if-exists | restic backup --stdin` into a fresh restic repository, and for every
 * pgvault variant `init` + `backup` into a fresh repository and `restore latest --target` (`.sql.gz`).
 * A variant is a source tree (a folder holding `src/cli/main.ts`, e.g. `git archive main src | tar -x -C DIR`),
 * bundled with esbuild like the suite does; the default is this checkout. `--cpus` pins the contender
 * AND the PostgreSQL server (taskset on the postmaster: backends inherit it) to those CPUs, for the
 * 1-core vs 2-core comparison. Every figure carries the 1-minute load average when it started.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, PG_BIN, type Db } from './suite/dataset.js';
import { currentLoad } from './suite/machine.js';
import { cleanEnv, duBytes, measure, type Measured } from './suite/measure.js';
import { ROOT, shownPath } from './suite/pgvault-cli.js';
import { findRestic, PGVAULT_PASSWORD, q, RESTIC_PASSWORD } from './suite/tools.js';

interface Variant { name: string; root: string; initArgs: string[]; bundle: string }

export interface BackupBenchRow {
  round: number;
  cpus: string;
  what: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  storedMiB?: number;
  load1: number;
}

const args = process.argv.slice(2);
const all = (name: string): string[] => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]!] : []));
const one = (name: string, dflt: string): string => all(name)[0] ?? dflt;
const log = (l: string): void => { process.stderr.write(`${l}\n`); };
/** Extra arguments of every variant's `backup` (e.g. `--jobs 2`). */
const backupArgs = one('backup-args', '').split(' ').filter(Boolean);

async function bundle(root: string, dir: string, name: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(dir, `${name}.mjs`);
  await esbuild.build({
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent',
    entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile,
  });
  return outfile;
}

function postmasterPid(db: Db): number {
  const r = spawnSync(join(PG_BIN, 'psql'), [...db.conn, '-Atc', 'SELECT pg_backend_pid()', db.database], { env: cleanEnv(), encoding: 'utf8' });
  const backend = Number(r.stdout.trim());
  const stat = readFileSync(`/proc/${backend}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

function pin(pid: number, cpus: string): void {
  const r = spawnSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`taskset failed: ${r.stderr}`);
}

async function main(): Promise<void> {
  const scale = Number(one('scale', '5'));
  const events = Number(one('events', '200000'));
  const rounds = Number(one('rounds', '2'));
  const cpuSets = all('cpus').length ? all('cpus') : [''];
  const node = one('node', process.execPath);
  const restic = findRestic()[0];
  if (!restic) throw new Error('restic not found: run bash scripts/fetch-restic.sh');
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-backup-'));
  const bundleDir = mkdtempSync(join(ROOT, 'bench', 'suite', '.cli-'));
  const variants: Variant[] = [];
  const specs = all('variant').length ? all('variant') : [`pgvault=${ROOT}`];
  for (const spec of specs) {
    const [name, root] = spec.split('=') as [string, string];
    const init = all('init-args').find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? '';
    variants.push({ name, root, initArgs: init.split(' ').filter(Boolean), bundle: await bundle(root, bundleDir, name.replace(/\W/g, '_')) });
  }
  const ds = await buildDataset({ scale, events, log });
  const rows: BackupBenchRow[] = [];
  try {
    const db = ds.db;
    const pm = postmasterPid(db);
    const pgDump = `${q(join(PG_BIN, 'pg_dump'))} ${db.conn.map(q).join(' ')}`;
    for (let round = 1; round <= rounds; round++) {
      for (const cpuSet of cpuSets) {
        pin(pm, cpuSet || `0-${Math.max(0, cpus().length - 1)}`);
        const wrap = (cmd: string): string => (cpuSet ? `taskset -c ${cpuSet} bash -o pipefail -c ${q(cmd)}` : cmd);
        const add = (what: string, m: Measured, load1: number, storedBytes?: number): void => {
          const row: BackupBenchRow = { round, cpus: cpuSet || 'all', what, wallSeconds: m.wallSeconds, cpuSeconds: m.userSeconds + m.sysSeconds, peakRssMiB: m.peakRssMiB, load1 };
          if (storedBytes !== undefined) row.storedMiB = storedBytes / 2 ** 20;
          rows.push(row);
          log(`round ${round} cpus ${row.cpus} ${what}: ${m.wallSeconds.toFixed(2)} s wall, ${row.cpuSeconds.toFixed(2)} CPU s, ` +
            `${m.peakRssMiB.toFixed(0)} MiB RSS${row.storedMiB !== undefined ? `, ${row.storedMiB.toFixed(1)} MiB stored` : ''} (load ${load1.toFixed(1)})`);
        };
        let l = currentLoad().one;
        add('pg_dump > /dev/null', await measure({ shell: wrap(`${pgDump} -Fp ${q(db.database)} > /dev/null`) }), l);
        if (!args.includes('--no-dump')) {
          for (const v of variants) {
            l = currentLoad().one;
            add(`${v.name} dump > /dev/null`, await measure({ shell: wrap(`${q(node)} ${q(v.bundle)} -q dump ${q(db.url)} > /dev/null`) }), l);
          }
        }
        if (!args.includes('--no-restic')) {
          const rrepo = join(work, `restic-${round}-${cpuSet}`);
          const renv = cleanEnv({ RESTIC_PASSWORD, RESTIC_REPOSITORY: rrepo, RESTIC_CACHE_DIR: join(work, 'restic-cache'), RESTIC_PROGRESS_FPS: '0.0001' });
          await measure({ cmd: restic.path, args: ['init'], env: renv });
          l = currentLoad().one;
          add(`pg_dump | restic ${restic.version.split(' ')[1]} backup --stdin`, await measure({
            shell: wrap(`${pgDump} --clean --if-exists ${q(db.database)} | ${q(restic.path)} backup -q --stdin --stdin-filename bench.sql`), env: renv,
          }), l, duBytes(rrepo));
          rmSync(rrepo, { recursive: true, force: true });
        }
        for (const v of variants) {
          const repo = join(work, `pgvault-${v.name}-${round}-${cpuSet}`);
          const env = cleanEnv({ PGVAULT_PASSWORD, PGVAULT_REPOSITORY: repo });
          const cache = join(work, `cache-${v.name}-${round}-${cpuSet}`);
          await measure({ cmd: node, args: [v.bundle, '-q', '--cache-dir', cache, 'init', ...v.initArgs], env });
          l = currentLoad().one;
          add(`${v.name} backup${backupArgs.length ? ` ${backupArgs.join(' ')}` : ''}`, await measure({
            shell: wrap(`${q(node)} ${q(v.bundle)} -q --cache-dir ${q(cache)} backup ${backupArgs.map(q).join(' ')} ${q(db.url)}`), env,
          }), l, duBytes(repo));
          if (!args.includes('--no-restore')) {
            const target = join(work, 'restore');
            mkdirSync(target, { recursive: true });
            l = currentLoad().one;
            add(`${v.name} restore --target (.sql.gz)`, await measure({ shell: wrap(`${q(node)} ${q(v.bundle)} -q --cache-dir ${q(cache)} restore latest --target ${q(target)}`), env }), l);
            rmSync(target, { recursive: true, force: true });
          }
          rmSync(repo, { recursive: true, force: true });
          rmSync(cache, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await ds.cluster.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(bundleDir, { recursive: true, force: true });
  }
  const line = (c: string[]): string => `| ${c.join(' | ')} |`;
  const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const md = [
    `# bench/backup.ts ${new Date().toISOString()}`,
    '',
    `pgbench scale ${scale} + ${events} events; Node.js ${nodeVersion}; ${restic.version}; ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}).`,
    `Variants: ${variants.map((v) => `${v.name} = ${shownPath(v.root) === '.' ? 'this checkout' : shownPath(v.root)}${v.initArgs.length ? ` (init ${v.initArgs.join(' ')})` : ''}`).join('; ')}.`,
    'CPU s = user + system of the command and its children (for pg_dump, the client only: the server is not counted).',
    '',
    line(['round', 'cpus', 'what', 'wall s', 'CPU s', 'peak RSS MiB', 'stored MiB', 'load 1 min']),
    line(['---', '---', '---', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map((r) => line([String(r.round), r.cpus, r.what, r.wallSeconds.toFixed(2), r.cpuSeconds.toFixed(2), r.peakRssMiB.toFixed(0),
      r.storedMiB === undefined ? '' : r.storedMiB.toFixed(1), r.load1.toFixed(1)])),
  ].join('\n');
  console.log(md);
  const out = one('out', '');
  if (out) {
    mkdirSync(out, { recursive: true });
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    writeFileSync(join(out, `backup-ab-${stamp}.md`), `${md}\n`);
    writeFileSync(join(out, `backup-ab-${stamp}.json`), `${JSON.stringify({ scale, events, node: nodeVersion, restic: restic.version, variants: variants.map((v) => ({ name: v.name, initArgs: v.initArgs })), backupArgs, rows }, null, 2)}\n`);
    log(`wrote ${join(out, `backup-ab-${stamp}.md`)}`);
  }
}

await main();
