/**
 * `npm run bench:restore-ab`: where a restore onto a bare server spends its time, on a small set and a
 * shared machine. Builds the suite's data set once, backs it up once, then runs the chosen variants
 * interleaved for several rounds into a second, bare PostgreSQL 15, and reports for each: wall time, the
 * CPU of the client (pgvault, or gunzip + psql) and the CPU of the server's backends (read from /proc:
 * the postmaster's reaped children plus its live ones). CPU seconds move much less than wall time when
 * other work shares the cores, so they are the numbers to compare between two versions of the code.
 *
 *   npm run bench:restore-ab -- --scale 3 --events 100000 --rounds 3 --variants 'j1;j2;psql'
 *   (kinds: j1, j2 = pgvault restore --into --create [--jobs 2]; j1z, j2z = the same from a repository made with
 *   `init --compression zstd`; psql = gunzip | psql; pgr = pg_restore -j 2 of a pg_dump -Fd)
 *   npm run bench:restore-ab -- --prof /tmp/prof     # also write V8 CPU profiles of the pgvault runs
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, PG_BIN } from './suite/dataset.js';
import { haveGnuTime, measure, type Measured } from './suite/measure.js';
import { pgvaultCli } from './suite/pgvault-cli.js';
import { serverCpuSeconds } from './suite/server-cpu.js';
import { Pgvault, q } from './suite/tools.js';
import { startCluster } from '../test/helpers/pg.js';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const log = (l: string): void => { process.stderr.write(`[bench:restore-ab] ${l}\n`); };
interface Sample { wall: number; client: number; server: number }

async function main(): Promise<void> {
  if (!haveGnuTime()) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install time');
  const scale = Number(arg('--scale', '3'));
  const events = Number(arg('--events', '100000'));
  const rounds = Number(arg('--rounds', '3'));
  // "j2;j2 NAME=value": a kind (j1, j2, psql), then environment variables for that run.
  const variants = arg('--variants', 'j1;j2;psql').split(';').map((v) => v.trim()).filter(Boolean);
  const prof = arg('--prof', '');
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-restore-ab-'));
  const cli = await pgvaultCli(log);
  const ds = await buildDataset({ scale, events, log });
  const bare = await startCluster({ major: 15, settings: { shared_buffers: '256MB', autovacuum: 'off' } });
  try {
    const pv = new Pgvault({ name: 'pgvault', work, cli });
    await pv.init({ cheapKdf: true });
    const b = await pv.backup(ds.db, '2026-12-03T12:00:00Z');
    log(`backup: ${(b.backup.size / 1e6).toFixed(0)} MB of SQL`);
    // The zstd kinds restore the same database from a second repository whose data chunks are zstd frames.
    const pz = new Pgvault({ name: 'pgvault-zstd', work, cli });
    if (variants.some((v) => /^j\dz\b/.test(v))) {
      await pz.init({ cheapKdf: true, compression: 'zstd' });
      const bz = await pz.backup(ds.db, '2026-12-03T12:00:00Z');
      log(`backup into a zstd repository: ${(bz.storedBytes / 2 ** 20).toFixed(1)} MiB stored (gzip: ${(b.storedBytes / 2 ** 20).toFixed(1)} MiB)`);
    }
    const gzDir = join(work, 'gz');
    mkdirSync(gzDir);
    await pv.cli(['restore', 'latest', '--target', gzDir]);
    const gz = join(gzDir, readdirSync(gzDir).find((f) => f.endsWith('.sql.gz'))!);
    // pg_restore's input (variant pgr): a directory-format dump of the source, made once.
    const fdDir = join(work, 'fd');
    if (variants.some((v) => v.split(/\s+/)[0] === 'pgr')) await measure({ cmd: join(PG_BIN, 'pg_dump'), args: ['-Fd', '-j', '2', '-f', fdDir, ...ds.db.conn, ds.db.database] });
    const profArgs = (name: string): string[] => (prof ? ['--cpu-prof', '--cpu-prof-dir', prof, '--cpu-prof-name', `${name}-${Date.now()}.cpuprofile`] : []);

    const run: Record<string, (env: NodeJS.ProcessEnv) => Promise<Measured>> = {
      j1: (env) => pv.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create'], { node: profArgs('j1'), env }),
      j2: (env) => pv.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create', '--jobs', '2'], { node: profArgs('j2'), env }),
      j1z: (env) => pz.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create'], { node: profArgs('j1z'), env }),
      j2z: (env) => pz.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create', '--jobs', '2'], { node: profArgs('j2z'), env }),
      pgr: async () => {
        await bare.createDatabase('bench');
        return measure({ cmd: join(PG_BIN, 'pg_restore'), args: ['-j', '2', '-d', 'bench', '-h', bare.host, '-p', String(bare.port), '-U', bare.user, fdDir] });
      },
      psql: async () => {
        await bare.createDatabase('bench');
        return measure({ shell: `gunzip -c ${q(gz)} | ${q(join(PG_BIN, 'psql'))} -X -q -v ON_ERROR_STOP=1 -h ${bare.host} -p ${bare.port} -U ${bare.user} -d bench > /dev/null` });
      },
    };
    const samples = new Map<string, Sample[]>(variants.map((v) => [v, []]));
    for (let r = 0; r < rounds; r++) {
      for (const v of variants) {
        await bare.query('postgres', 'DROP DATABASE IF EXISTS bench WITH (FORCE)');
        await bare.query('postgres', 'CHECKPOINT');
        const s0 = await serverCpuSeconds(bare);
        const [kind, ...vars] = v.split(/\s+/);
        const m = await run[kind!]!(Object.fromEntries(vars.map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)])));
        const s1 = await serverCpuSeconds(bare);
        const s = { wall: m.wallSeconds, client: m.userSeconds + m.sysSeconds, server: s1 - s0 };
        samples.get(v)!.push(s);
        log(`round ${r + 1} ${v}: wall ${s.wall.toFixed(2)} s, client CPU ${s.client.toFixed(2)} s, server CPU ${s.server.toFixed(2)} s`);
      }
    }
    const med = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };
    const lines = [`| variant | wall s (median) | client CPU s | server CPU s | total CPU s |`, '|---|---:|---:|---:|---:|'];
    for (const [v, ss] of samples) {
      const c = med(ss.map((s) => s.client));
      const sv = med(ss.map((s) => s.server));
      lines.push(`| ${v} | ${med(ss.map((s) => s.wall)).toFixed(2)} | ${c.toFixed(2)} | ${sv.toFixed(2)} | ${med(ss.map((s) => s.client + s.server)).toFixed(2)} |`);
    }
    process.stdout.write(`scale ${scale} + ${events} events, ${(b.backup.size / 1e6).toFixed(0)} MB of SQL, ${rounds} rounds, ${new Date().toISOString()}\n${lines.join('\n')}\n`);
  } finally {
    await bare.stop();
    await ds.cluster.stop();
    cli.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exit(1); });
