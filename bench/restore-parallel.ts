/**
 * `npm run bench:restore`: the disaster-recovery restore of issue 13, measured in one run on one data
 * set (the suite's: pgbench tables + events, see bench/suite/dataset.ts) into a second, bare PostgreSQL 15:
 *
 *   - pgvault restore latest --into <bare server> --create --jobs 2  (and --jobs 1)
 *   - pg_dump -Fd -j 2 + pg_restore -j 2                              (both times, and their sum)
 *   - gunzip -c <db>.sql.gz | psql                                    (the .sql.gz that restore --target writes)
 *
 *   npm run bench:restore -- --scale 12 --events 500000      # about 250 MB of SQL
 *   npm run bench:restore -- --scale 50 --events 2000000     # the 1 GB set
 *
 * Each row also records CPU seconds: the client's (pgvault; pg_dump or pg_restore; gunzip + psql: user +
 * system under GNU time) and the server's (the PostgreSQL cluster's processes, read from /proc), so a
 * run on a shared machine can be judged by the work done, not only by wall time.
 *
 * Results: bench/results/restore-<scale>-<time>.{md,json}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, PG_BIN, type Db } from './suite/dataset.js';
import { haveGnuTime, measure, type Measured } from './suite/measure.js';
import { pgvaultCli, ROOT } from './suite/pgvault-cli.js';
import { serverCpuSeconds } from './suite/server-cpu.js';
import { Pgvault, psqlLoadGz } from './suite/tools.js';
import { startCluster, type PgCluster } from '../test/helpers/pg.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const log = (l: string): void => { process.stderr.write(`[bench:restore] ${l}\n`); };

async function main(): Promise<void> {
  if (!haveGnuTime()) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install time');
  const scale = arg('--scale', 12);
  const events = arg('--events', 500_000);
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-restore-'));
  const cli = await pgvaultCli(log);
  const ds = await buildDataset({ scale, events, log });
  const bare = await startCluster({ major: 15, settings: { shared_buffers: '256MB', autovacuum: 'off' } });
  const dbOn = (name: string): Db => ({ host: bare.host, port: bare.port, user: bare.user, database: name, url: bare.url(name),
    conn: ['-h', bare.host, '-p', String(bare.port), '-U', bare.user] });
  const rows: { what: string; seconds: number; clientCpu?: number; serverCpu?: number; note: string }[] = [];
  const add = (what: string, m: Measured | number, note = '', serverCpu?: number): number => {
    const seconds = typeof m === 'number' ? m : m.wallSeconds;
    const row: (typeof rows)[number] = { what, seconds, note };
    if (typeof m !== 'number') row.clientCpu = m.userSeconds + m.sysSeconds;
    if (serverCpu !== undefined) row.serverCpu = serverCpu;
    rows.push(row);
    log(`${what}: ${seconds.toFixed(1)} s${row.clientCpu !== undefined ? `, client CPU ${row.clientCpu.toFixed(1)} s` : ''}` +
      `${serverCpu !== undefined ? `, server CPU ${serverCpu.toFixed(1)} s` : ''}`);
    return seconds;
  };
  /** Run `f` after a checkpoint of `server` (no dirty pages of the previous step), with the server's CPU around it. */
  const onServer = async (server: PgCluster, f: () => Promise<Measured>): Promise<[Measured, number]> => {
    await server.query('postgres', 'CHECKPOINT');
    const before = await serverCpuSeconds(server);
    const m = await f();
    return [m, (await serverCpuSeconds(server)) - before];
  };
  try {
    const pv = new Pgvault({ name: 'pgvault', work, cli });
    await pv.init({ cheapKdf: true });
    const b = await pv.backup(ds.db, '2026-12-03T12:00:00Z');
    const loadStart = loadavg()[0]!;
    const sqlBytes = b.backup.size;
    log(`backup: ${(sqlBytes / 1e6).toFixed(0)} MB of SQL`);

    const dropBench = (): Promise<unknown> => bare.query('postgres', 'DROP DATABASE IF EXISTS bench WITH (FORCE)');
    await ds.cluster.query('postgres', 'CHECKPOINT');
    let [m, cpu] = await onServer(bare, () => pv.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create', '--jobs', '2']));
    const j2 = add('pgvault restore --into <bare server> --create --jobs 2', m, 'roles, database, load, indexes', cpu);
    await dropBench();
    [m, cpu] = await onServer(bare, () => pv.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create']));
    const j1 = add('pgvault restore --into <bare server> --create (one transaction)', m, '', cpu);
    await dropBench();

    const dumpDir = join(work, 'fd');
    [m, cpu] = await onServer(ds.cluster, () => measure({ cmd: join(PG_BIN, 'pg_dump'), args: ['-Fd', '-j', '2', '-f', dumpDir, ...ds.db.conn, ds.db.database] }));
    const dump = add('pg_dump -Fd -j 2', m, 'server CPU: the source server', cpu);
    await bare.createDatabase('bench_pgrestore');
    [m, cpu] = await onServer(bare, () => measure({ cmd: join(PG_BIN, 'pg_restore'), args: ['-j', '2', '-d', 'bench_pgrestore', ...dbOn('x').conn, dumpDir] }));
    const restore = add('pg_restore -j 2', m, '', cpu);
    const pgSum = add('pg_dump -Fd -j 2 + pg_restore -j 2', dump + restore, 'sum');

    const gzDir = join(work, 'gz');
    mkdirSync(gzDir);
    await pv.cli(['restore', 'latest', '--target', gzDir]);
    const gz = readdirSync(gzDir).find((f) => f.endsWith('.sql.gz'))!;
    await bare.createDatabase('bench_psql');
    [m, cpu] = await onServer(bare, () => psqlLoadGz(join(gzDir, gz), dbOn('bench_psql')));
    const psql = add('gunzip -c <db>.sql.gz | psql', m, '', cpu);

    const result = {
      time: new Date().toISOString(), scale, events, sqlBytes, cli: cli.how, node: process.version, loadAverage: { start: loadStart, end: loadavg()[0]! }, rows,
      goals: {
        'jobs 2 <= pg_dump -Fd + pg_restore -j 2': { value: j2, limit: pgSum, met: j2 <= pgSum },
        'jobs 2 <= 0.7 x gunzip | psql': { value: j2, limit: 0.7 * psql, met: j2 <= 0.7 * psql },
      },
      jobs1: j1,
    };
    const stamp = result.time.replace(/[-:]/g, '').replace('T', '-').slice(0, 13);
    const base = join(ROOT, 'bench', 'results', `restore-s${scale}-${stamp}`);
    writeFileSync(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
    const md = [`# Restore onto a bare server: pgbench scale ${scale} + ${events} events, ${(sqlBytes / 1e6).toFixed(0)} MB of SQL`, '',
      `${result.time}, PostgreSQL 15, Node ${process.version}, 2 cores shared with other work (1-minute load average ` +
      `${result.loadAverage.start.toFixed(1)} before the restores, ${result.loadAverage.end.toFixed(1)} after); ${cli.how}.`, '',
      '| what | seconds | client CPU s | server CPU s | note |', '|---|---:|---:|---:|---|',
      ...rows.map((r) => `| ${r.what.replace(/\|/g, "\\|")} | ${r.seconds.toFixed(1)} | ${r.clientCpu?.toFixed(1) ?? ''} | ${r.serverCpu?.toFixed(1) ?? ''} | ${r.note} |`), '',
      ...Object.entries(result.goals).map(([k, g]) => `- ${k}: ${g.value.toFixed(1)} s vs ${g.limit.toFixed(1)} s: ${g.met ? 'met' : 'NOT met'}`), ''].join('\n');
    writeFileSync(`${base}.md`, md);
    process.stdout.write(md);
  } finally {
    await bare.stop();
    await ds.cluster.stop();
    cli.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exit(1); });
