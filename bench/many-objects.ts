/**
 * Many objects (issue 10 item 20): a PostgreSQL 15 database with N small tables shaped like a real schema, and the
 * time, CPU and peak RSS of `pg_dump -Fp --clean --if-exists > /dev/null`, `pgvault dump > /dev/null` and
 * `pgvault backup` (into a fresh local repository) of it, measured in one run.
 *
 *   npx tsx bench/many-objects.ts                     # 2 000 tables, ~1 minute
 *   npx tsx bench/many-objects.ts --tables 20000      # the case (building it takes a few minutes)
 *   npx tsx bench/many-objects.ts --url postgres://u@h:5432/db   # reuse a database (built there if missing)
 *   npx tsx bench/many-objects.ts --keep              # leave the throwaway cluster running, print its URL
 *   npx tsx bench/many-objects.ts --keep --build-only # only build it (then measure with --url)
 *   npx tsx bench/many-objects.ts --out bench/results # also write many-objects-<N>-<stamp>.{json,md} there
 *   npx tsx bench/many-objects.ts --before /tmp/old   # also measure the pgvault checkout in /tmp/old (its node_modules resolve)
 *
 * Each table, in schema `app`: `id bigserial PRIMARY KEY, name text NOT NULL, v numeric(12,2), created_at timestamptz
 * NOT NULL DEFAULT now(), parent_id bigint` (every tenth table with a foreign key to the previous one), an index on
 * `name`, a comment on the table and on a column, `GRANT SELECT` to a role, and 3 rows: per table one table, one
 * sequence (and its value), a primary key, an index, two defaults, two comments and an ACL. pgvault runs as its real
 * CLI (bundled with esbuild when available, like an installed build), under GNU time, with the Node that runs this.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCluster, type PgCluster } from '../test/helpers/pg.js';
import { cleanEnv, measure, type Measured } from './suite/measure.js';
import { pgvaultCli, ROOT } from './suite/pgvault-cli.js';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const PASSWORD = 'many-objects-bench';

interface Target { host: string; port: number; user: string; database: string }

export interface ManyObjectsRow { what: string; wallSeconds: number; cpuSeconds: number; peakRssMiB: number }

export interface ManyObjectsResult {
  tables: number;
  /** Size of pgvault's script, MB (10^6 bytes). */
  scriptMB: number;
  node: string;
  pgDumpVersion: string;
  pgvaultRuns: string;
  load: string;
  rows: ManyObjectsRow[];
}

function tableName(i: number): string {
  return `t${String(i).padStart(6, '0')}`;
}

/** Create schema `app` with `n` tables (in batches of 250 per transaction, so lock tables never overflow). */
export async function buildDataset(t: Target, n: number, log: (l: string) => void): Promise<void> {
  const c = new pg.Client({ host: t.host, port: t.port, user: t.user, database: t.database });
  await c.connect();
  try {
    const have = await c.query<{ n: string }>(
      "SELECT count(*)::text AS n FROM pg_catalog.pg_class k JOIN pg_catalog.pg_namespace s ON s.oid = k.relnamespace WHERE s.nspname = 'app' AND k.relkind = 'r'");
    if (Number(have.rows[0]!.n) === n) return;
    log(`building ${n} tables ...`);
    await c.query('DROP SCHEMA IF EXISTS app CASCADE');
    await c.query("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'reader') THEN CREATE ROLE reader; END IF; END $$");
    await c.query('CREATE SCHEMA app');
    for (let from = 1; from <= n; from += 250) {
      const to = Math.min(n, from + 249);
      await c.query(`DO $$
        DECLARE i int; t text; p text;
        BEGIN
          FOR i IN ${from}..${to} LOOP
            t := 't' || lpad(i::text, 6, '0');
            p := 't' || lpad((i - 1)::text, 6, '0');
            EXECUTE format('CREATE TABLE app.%I (id bigserial PRIMARY KEY, name text NOT NULL, v numeric(12,2), '
              || 'created_at timestamptz NOT NULL DEFAULT now(), parent_id bigint%s)', t,
              CASE WHEN i % 10 = 0 THEN format(' REFERENCES app.%I (id)', p) ELSE '' END);
            EXECUTE format('CREATE INDEX %I ON app.%I (name)', t || '_name_idx', t);
            EXECUTE format('COMMENT ON TABLE app.%I IS %L', t, 'table number ' || i || ' of the many-objects bench');
            EXECUTE format('COMMENT ON COLUMN app.%I.name IS %L', t, 'display name');
            EXECUTE format('GRANT SELECT ON app.%I TO reader', t);
            EXECUTE format('INSERT INTO app.%I (name, v, created_at) SELECT ''row '' || g, g * 1.25, '
              || 'timestamptz ''2026-01-01 00:00:00+00'' + g * interval ''1 hour'' FROM generate_series(1, 3) g', t);
          END LOOP;
        END $$`);
      if (to % 2000 === 0 || to === n) log(`  ${to} / ${n}`);
    }
    await c.query('VACUUM ANALYZE');
  } finally {
    await c.end();
  }
}

function loadAverage(): string {
  try {
    return spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout.split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

export interface ManyObjectsOptions {
  tables?: number;
  url?: string;
  keep?: boolean;
  /** Skip the backup (dump only). */
  noBackup?: boolean;
  /** Only build the database (with `keep`: then wait for Ctrl-C). */
  buildOnly?: boolean;
  /** Another pgvault checkout (e.g. the code before a change) to measure first, bundled like this one. */
  before?: string;
  log?: (line: string) => void;
}

export async function run(opts: ManyObjectsOptions = {}): Promise<ManyObjectsResult> {
  const n = opts.tables ?? 2000;
  const log = opts.log ?? ((): void => undefined);
  let cluster: PgCluster | undefined;
  const work = mkdtempSync(join(tmpdir(), 'pgvault-many-objects-'));
  const cli = await pgvaultCli(log);
  let beforeBundle: string | undefined;
  try {
    let target: Target;
    if (opts.url) {
      const u = new URL(opts.url);
      target = { host: decodeURIComponent(u.hostname), port: Number(u.port || 5432), user: decodeURIComponent(u.username || 'postgres'), database: decodeURIComponent(u.pathname.slice(1)) };
    } else {
      log('starting a PostgreSQL 15 cluster ...');
      // pg_dump and pgvault lock every table in one transaction: the lock table must hold N of them.
      cluster = await startCluster({ major: 15, settings: { max_locks_per_transaction: String(Math.max(256, Math.ceil(n / 16))), shared_buffers: '256MB' } });
      await cluster.createDatabase('objects');
      target = { host: cluster.host, port: cluster.port, user: cluster.user, database: 'objects' };
    }
    await buildDataset(target, n, log);
    const url = `postgres://${encodeURIComponent(target.user)}@${target.host}:${target.port}/${encodeURIComponent(target.database)}`;
    if (opts.keep) log(`database: ${url}`);
    if (opts.buildOnly) {
      if (opts.keep && cluster) {
        log(`keeping the cluster at ${url}; press Ctrl-C to stop it`);
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      }
      return { tables: n, scriptMB: 0, node: process.version, pgDumpVersion: '', pgvaultRuns: '', load: loadAverage(), rows: [] };
    }
    const node = process.execPath;
    const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
    const rows: ManyObjectsRow[] = [];
    const add = (what: string, m: Measured): void => {
      const row = { what, wallSeconds: m.wallSeconds, cpuSeconds: m.userSeconds + m.sysSeconds, peakRssMiB: m.peakRssMiB };
      log(`${what}: ${row.wallSeconds.toFixed(1)} s, ${row.cpuSeconds.toFixed(1)} CPU s, ${row.peakRssMiB.toFixed(0)} MiB`);
      rows.push(row);
    };
    const load0 = loadAverage();
    add('pg_dump -Fp --clean --if-exists > /dev/null', await measure({
      shell: `${q(join(PG_BIN, 'pg_dump'))} -Fp --clean --if-exists -h ${q(target.host)} -p ${target.port} -U ${q(target.user)} ${q(target.database)} > /dev/null`,
    }));
    const summary = join(work, 'summary.json');
    const variants: { label: string; nodeArgs: string[] }[] = [];
    if (opts.before) {
      beforeBundle = await bundle(opts.before);
      variants.push({ label: 'before: ', nodeArgs: [beforeBundle] });
    }
    variants.push({ label: '', nodeArgs: cli.nodeArgs });
    for (const [i, v] of variants.entries()) {
      const pgvault = [node, ...v.nodeArgs].map(q).join(' ');
      add(`${v.label}pgvault dump > /dev/null`, await measure({ shell: `${pgvault} -q dump --summary ${q(summary)} ${q(url)} > /dev/null` }));
      if (!opts.noBackup) {
        const repo = join(work, `repo-${i}`);
        const env = cleanEnv({ PGVAULT_PASSWORD: PASSWORD, PGVAULT_REPOSITORY: repo });
        const cache = join(work, `cache-${i}`);
        await measure({ cmd: node, args: [...v.nodeArgs, '-q', '--cache-dir', cache, 'init'], env });
        add(`${v.label}pgvault backup (local repository)`, await measure({ shell: `${pgvault} -q --cache-dir ${q(cache)} backup ${q(url)}`, env }));
      }
    }
    const { totalBytes } = JSON.parse(readFileSync(summary, 'utf8')) as { totalBytes: number };
    const pgDumpVersion = spawnSync(join(PG_BIN, 'pg_dump'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    const nodeVersion = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    if (opts.keep && cluster) {
      log(`keeping the cluster at ${url}; press Ctrl-C to stop it`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return { tables: n, scriptMB: totalBytes / 1e6, node: nodeVersion, pgDumpVersion, pgvaultRuns: cli.how, load: `${load0} → ${loadAverage()}`, rows };
  } finally {
    cli.cleanup();
    if (beforeBundle) rmSync(beforeBundle, { force: true });
    rmSync(work, { recursive: true, force: true });
    await cluster?.stop();
  }
}

/** Bundle another checkout's CLI with esbuild (its bare imports resolve to that checkout's node_modules). */
async function bundle(root: string): Promise<string> {
  const esbuild = await import('esbuild');
  const outfile = join(root, `.pgvault-many-objects-cli-${process.pid}.mjs`);
  await esbuild.build({
    entryPoints: [join(root, 'src', 'cli', 'main.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20',
    packages: 'external', logLevel: 'silent',
  });
  return outfile;
}

export function markdown(r: ManyObjectsResult): string {
  const base = r.rows[0]!;
  const lines = [
    `Many objects — ${r.tables} tables (script ${r.scriptMB.toFixed(1)} MB), ${r.pgDumpVersion}, Node ${r.node}, pgvault ${r.pgvaultRuns}, load ${r.load}`,
    '',
    '| command | wall (s) | CPU (s) | time ÷ pg_dump time | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|',
    ...r.rows.map((x) => `| ${x.what} | ${x.wallSeconds.toFixed(1)} | ${x.cpuSeconds.toFixed(1)} | ${(x.wallSeconds / base.wallSeconds).toFixed(2)}× | ${x.peakRssMiB.toFixed(0)} |`),
  ];
  return `${lines.join('\n')}\n`;
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const o: ManyObjectsOptions = { log: (l) => process.stderr.write(`${l}\n`), keep: argv.includes('--keep'), noBackup: argv.includes('--no-backup'), buildOnly: argv.includes('--build-only') };
  const tables = arg(argv, '--tables');
  const url = arg(argv, '--url');
  if (tables) o.tables = Number(tables);
  if (url) o.url = url;
  const before = arg(argv, '--before');
  if (before) o.before = before;
  const r = await run(o);
  if (o.buildOnly) return;
  const md = markdown(r);
  console.log(`\n${md}`);
  const out = arg(argv, '--out');
  if (out) {
    const dir = isAbsolute(out) ? out : join(ROOT, out);
    mkdirSync(dir, { recursive: true });
    const stamp = new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
    const file = join(dir, `many-objects-${r.tables}-${stamp}`);
    writeFileSync(`${file}.json`, `${JSON.stringify(r, null, 2)}\n`);
    writeFileSync(`${file}.md`, `# bench/many-objects.ts\n\n\`npx tsx bench/many-objects.ts ${argv.join(' ')}\`\n\n${md}`);
    console.log(`wrote ${file}.json and .md`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
