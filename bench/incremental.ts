/**
 * `npm run bench:incremental`: how much does the next backup store when the data changed a little, for
 * the change patterns of issue 15, side by side with `pg_dump | restic backup --stdin` and the ticket's
 * pipeline (`pg_dump | gzip`, `restic backup dir`) in the same run. Storage is what it measures (bytes
 * the repository grew by), so the figures do not depend on the machine's load.
 *
 *   U1     two tables with random UUID v4 primary keys (orders, events); 1 % rows inserted, 0.5 % updated
 *   small  a database of ~850 KiB of SQL, backed up again unchanged
 *   one-of-20  twenty tables; a few rows of one table updated
 *
 *   week   U1's tables backed up 14 times (twice a day), each run after 1 % inserts, 0.5 % updates, 0.2 % deletes:
 *          the sum of what the 14 backups stored, against one full backup
 *
 *   npm run bench:incremental                    # U1 at 200 k + 300 k rows (~90 MiB of SQL); the week on the same size
 *   npm run bench:incremental -- --u1-rows 20000 --week-rows 20000 # a quick run
 * Results: bench/results/incremental-<YYYYmmdd-HHMM>.{md,json}.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import pg from 'pg';
import { startCluster, type PgCluster } from '../test/helpers/pg.js';
import { currentLoad, machineInfo } from './suite/machine.js';
import { haveGnuTime } from './suite/measure.js';
import { pgvaultCli, ROOT } from './suite/pgvault-cli.js';
import { findRestic, Pgvault, ResticStdin, SeedPipeline, type RunResult } from './suite/tools.js';
import type { Db } from './suite/dataset.js';
import { dumpDatabase } from '../src/dump/index.js';
import { rowDelta, type RowDeltaStats } from './lib/row-delta.js';
import { DEFAULT_WINDOW, keyColumnsOf } from '../src/layers/index.js';

interface Args { u1Rows: number; weekRows: number; out: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { u1Rows: 500_000, weekRows: 500_000, out: join(ROOT, 'bench', 'results') };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--u1-rows') a.u1Rows = Number(argv[++i]);
    else if (argv[i] === '--week-rows') a.weekRows = Number(argv[++i]);
    else if (argv[i] === '--out') a.out = argv[++i]!;
    else { process.stderr.write(`unknown argument ${argv[i]}\nusage: npm run bench:incremental -- [--u1-rows N] [--week-rows N (0: skip the week)] [--out DIR]\n`); process.exit(2); }
  }
  if (!Number.isInteger(a.u1Rows) || a.u1Rows < 1000) { process.stderr.write('--u1-rows needs an integer >= 1000\n'); process.exit(2); }
  if (!Number.isInteger(a.weekRows) || (a.weekRows !== 0 && a.weekRows < 1000)) { process.stderr.write('--week-rows needs 0 or an integer >= 1000\n'); process.exit(2); }
  return a;
}

/** A Markdown table cell: tool names such as `pg_dump | restic` hold pipes. */
const cell = (t: string): string => t.replace(/\|/g, '\\|');

const log = (l: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${l}\n`); };

function dbOf(c: PgCluster, database: string): Db {
  return { host: c.host, port: c.port, user: c.user, database, url: c.url(database), conn: ['-h', c.host, '-p', String(c.port), '-U', c.user] };
}

async function sql(db: Db, text: string): Promise<void> {
  const c = new pg.Client({ host: db.host, port: db.port, user: db.user, database: db.database });
  await c.connect();
  try {
    // VACUUM cannot run inside the implicit transaction of a multi-statement query.
    const vacuum = /\n?\s*VACUUM ANALYZE;\s*$/.test(text);
    await c.query(text.replace(/\n?\s*VACUUM ANALYZE;\s*$/, ''));
    if (vacuum) await c.query('VACUUM ANALYZE');
  } finally { await c.end(); }
}

/** orders : events = 2 : 3 of `rows`, random UUID v4 keys as an ORM's default would give them. */
async function buildU1(db: Db, rows: number): Promise<void> {
  const orders = Math.round(rows * 0.4);
  const events = rows - orders;
  await sql(db, `
    CREATE TABLE public.orders (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), customer uuid NOT NULL, amount numeric(10,2) NOT NULL,
      status text NOT NULL, created_at timestamptz NOT NULL, note text);
    CREATE TABLE public.events (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), order_id uuid, kind text NOT NULL, at timestamptz NOT NULL, payload jsonb NOT NULL);
    SELECT setseed(0.15);
    INSERT INTO public.orders (customer, amount, status, created_at, note)
      SELECT gen_random_uuid(), round((random() * 1000)::numeric, 2), (ARRAY['new','paid','shipped','done'])[1 + g % 4],
             timestamptz '2026-01-01' + g * interval '7 seconds', 'order note ' || md5(g::text)
        FROM generate_series(1, ${orders}) g;
    INSERT INTO public.events (order_id, kind, at, payload)
      SELECT gen_random_uuid(), (ARRAY['view','click','purchase','login'])[1 + g % 4], timestamptz '2026-01-01' + g * interval '3 seconds',
             jsonb_build_object('session', md5(g::text), 'path', '/p/' || (g % 997), 'agent', 'Mozilla/5.0 Firefox/' || (100 + g % 40))
        FROM generate_series(1, ${events}) g;
    VACUUM ANALYZE;`);
}

/** 1 % inserts and 0.5 % updates spread over both tables (random keys put new rows everywhere in key order). */
async function changeU1(db: Db, rows: number): Promise<void> {
  const orders = Math.round(rows * 0.4);
  const events = rows - orders;
  await sql(db, `
    INSERT INTO public.orders (customer, amount, status, created_at, note)
      SELECT gen_random_uuid(), 9.99, 'new', timestamptz '2026-06-01' + g * interval '1 second', 'late ' || g FROM generate_series(1, ${Math.round(orders / 100)}) g;
    INSERT INTO public.events (order_id, kind, at, payload)
      SELECT gen_random_uuid(), 'late', timestamptz '2026-06-01' + g * interval '1 second', '{"late": true}' FROM generate_series(1, ${Math.round(events / 100)}) g;
    UPDATE public.orders SET status = 'refunded' WHERE ctid IN (SELECT ctid FROM public.orders TABLESAMPLE BERNOULLI (0.5) REPEATABLE (7));
    UPDATE public.events SET kind = 'edited' WHERE ctid IN (SELECT ctid FROM public.events TABLESAMPLE BERNOULLI (0.5) REPEATABLE (8));
    VACUUM ANALYZE;`);
}

/** One run of the week: 1 % inserts, 0.5 % updates, 0.2 % deletes over both tables (run `k` varies the sample). */
async function changeWeek(db: Db, rows: number, k: number): Promise<void> {
  const orders = Math.round(rows * 0.4);
  const events = rows - orders;
  await sql(db, `
    INSERT INTO public.orders (customer, amount, status, created_at, note)
      SELECT gen_random_uuid(), 19.99, 'new', timestamptz '2026-07-01' + (${k} * 100000 + g) * interval '1 second', 'run ${k} ' || g FROM generate_series(1, ${Math.round(orders / 100)}) g;
    INSERT INTO public.events (order_id, kind, at, payload)
      SELECT gen_random_uuid(), 'run${k}', timestamptz '2026-07-01' + (${k} * 100000 + g) * interval '1 second', '{"run": ${k}}' FROM generate_series(1, ${Math.round(events / 100)}) g;
    UPDATE public.orders SET status = 'run ${k}' WHERE ctid IN (SELECT ctid FROM public.orders TABLESAMPLE BERNOULLI (0.5) REPEATABLE (${100 + k}));
    UPDATE public.events SET kind = 'edit ${k}' WHERE ctid IN (SELECT ctid FROM public.events TABLESAMPLE BERNOULLI (0.5) REPEATABLE (${200 + k}));
    DELETE FROM public.orders WHERE ctid IN (SELECT ctid FROM public.orders TABLESAMPLE BERNOULLI (0.2) REPEATABLE (${300 + k}));
    DELETE FROM public.events WHERE ctid IN (SELECT ctid FROM public.events TABLESAMPLE BERNOULLI (0.2) REPEATABLE (${400 + k}));
    VACUUM ANALYZE;`);
}

interface WeekRow { tool: string; fullBytes: number; weekBytes: number; timesFull: number; runs: number }

/** The week: 14 backups, the data changing between them; what the repository grew by in all, against the first backup. */
async function week(cluster: PgCluster, work: string, rows: number, restic: string, resticName: string, cli: Awaited<ReturnType<typeof pgvaultCli>>): Promise<WeekRow[]> {
  await cluster.createDatabase('week');
  const db = dbOf(cluster, 'week');
  log(`week (${rows} rows, 14 runs): building ...`);
  await buildU1(db, rows);
  const dir = join(work, 'week');
  mkdirSync(dir);
  // Row-level layers are opt-in (`--layers`); the week measures them.
  const tools = [new Pgvault({ name: 'pgvault --layers', work: dir, cli, flags: ['--layers'] }), new ResticStdin(dir, restic, resticName)];
  for (const t of tools) { if (t instanceof Pgvault) await t.init({ cheapKdf: true }); else await t.init(); }
  const full = [0, 0];
  const total = [0, 0];
  for (let run = 0; run < 14; run++) {
    if (run > 0) await changeWeek(db, rows, run);
    const time = new Date(Date.UTC(2026, 10, 2 + Math.floor(run / 2), run % 2 ? 18 : 6)).toISOString().replace('.000Z', 'Z');
    for (const [i, t] of tools.entries()) {
      const r = await t.backup(db, time);
      if (run === 0) full[i] = r.addedBytes;
      total[i]! += r.addedBytes;
    }
    log(`  run ${run + 1}/14: pgvault --layers ${(total[0]! / full[0]!).toFixed(2)}× one full so far, restic ${(total[1]! / full[1]!).toFixed(2)}×`);
  }
  return tools.map((t, i) => ({ tool: t.name, fullBytes: full[i]!, weekBytes: total[i]!, timesFull: total[i]! / full[i]!, runs: 14 }));
}

async function buildSmall(db: Db): Promise<void> {
  await sql(db, `CREATE TABLE public.notes (id int PRIMARY KEY, body text);
    INSERT INTO public.notes SELECT g, repeat(md5(g::text), 5) FROM generate_series(1, 5000) g; VACUUM ANALYZE;`);
}

async function buildTwenty(db: Db): Promise<void> {
  let s = '';
  for (let i = 1; i <= 20; i++) {
    const t = `public.t${String(i).padStart(2, '0')}`;
    s += `CREATE TABLE ${t} (id int PRIMARY KEY, body text);
      INSERT INTO ${t} SELECT g, md5((g * ${i})::text) || md5(g::text) || repeat('x', 40) FROM generate_series(1, 30000) g;\n`;
  }
  await sql(db, s + 'VACUUM ANALYZE;');
}

/** Each keyed table's COPY rows, as a backup reads them (key order). */
async function tableRows(db: Db): Promise<Map<string, { rows: Buffer; keyColumns: number[] }>> {
  const out = new Map<string, { rows: Buffer; keyColumns: number[] }>();
  const dump = dumpDatabase({ host: db.host, port: db.port, user: db.user, database: db.database }, { stableOrder: true });
  for await (const part of dump) {
    const bufs: Buffer[] = [];
    for await (const piece of part.stream) if (part.kind === 'table-data') bufs.push(Buffer.from(piece));
    const st = part.stats();
    if (part.kind !== 'table-data' || !st || st.order !== 'ordered') continue;
    const all = Buffer.concat(bufs);
    // The part is a comment block, the COPY line, the rows, then `\\.` and two blank lines.
    const end = all.length - Buffer.byteLength('\\.\n\n\n');
    out.set(part.name, { rows: all.subarray(end - st.bytes, end), keyColumns: keyColumnsOf(part.table?.columns ?? [], st.orderKey) });
  }
  return out;
}

interface ModelRow { scenario: string; tables: number; rows: number; literalRows: number; dropped: number; ops: number;
  deltaBytes: number; rowListBytes: number }

interface Row { scenario: string; tool: string; fullBytes: number; nextBytes: number; percent: number; sqlBytes: number; wallSeconds: number }

async function main(): Promise<void> {
  if (!haveGnuTime()) { process.stderr.write('GNU time (/usr/bin/time) is missing: apt-get install time\n'); process.exit(2); }
  const args = parseArgs(process.argv.slice(2));
  const restic = findRestic()[0];
  if (!restic) throw new Error('no restic binary: run `bash scripts/fetch-restic.sh`');
  const startedAt = new Date().toISOString();
  const loads = [currentLoad()];
  const cli = await pgvaultCli(log);
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-incr-'));
  const cluster = await startCluster({ major: 15, settings: { shared_buffers: '256MB', autovacuum: 'off' } });
  const rows: Row[] = [];
  const model: ModelRow[] = [];
  let weekRows: WeekRow[] = [];
  try {
    const scenarios: { name: string; db: string; build: (d: Db) => Promise<void>; change: (d: Db) => Promise<void> }[] = [
      { name: `U1 (${args.u1Rows} rows, random UUID keys; +1 %, 0.5 % updated)`, db: 'u1', build: (d) => buildU1(d, args.u1Rows), change: (d) => changeU1(d, args.u1Rows) },
      { name: 'small (~850 KiB, unchanged)', db: 'small', build: buildSmall, change: async () => {} },
      { name: 'one table of twenty changed (3 rows)', db: 'twenty', build: buildTwenty, change: (d) => sql(d, "UPDATE public.t07 SET body = 'changed' WHERE id IN (10, 15000, 29000)") },
    ];
    for (const sc of scenarios) {
      await cluster.createDatabase(sc.db);
      const db = dbOf(cluster, sc.db);
      log(`${sc.name}: building ...`);
      await sc.build(db);
      const dir = join(work, sc.db);
      mkdirSync(dir);
      const tools = [
        // Row-level layers are opt-in: `--layers`, the default (key order, chunks only), and heap order.
        new Pgvault({ name: 'pgvault --layers', work: dir, cli, flags: ['--layers'] }),
        new Pgvault({ name: 'pgvault', work: dir, cli }),
        new Pgvault({ name: 'pgvault --no-stable-order', work: dir, cli, flags: ['--no-stable-order'] }),
        new ResticStdin(dir, restic.path, `pg_dump | restic ${restic.version.split(' ')[1] ?? ''} --stdin`),
        new SeedPipeline(dir, restic.path, 'pg_dump|gzip + restic backup'),
      ];
      const full: RunResult[] = [];
      let sqlBytes = 0;
      for (const t of tools) {
        if (t instanceof Pgvault) await t.init({ cheapKdf: true }); else await t.init();
        let r: RunResult;
        if (t instanceof Pgvault) {
          const pr = await t.backup(db, '2026-11-02T06:00:00Z');
          if (t.flags.length === 0) sqlBytes = pr.backup.size;
          r = pr;
        } else {
          r = t instanceof SeedPipeline ? await t.backup(db, '20261102_060000', '2026-11-02T06:00:00Z') : await t.backup(db, '2026-11-02T06:00:00Z');
        }
        full.push(r);
      }
      const before = await tableRows(db);
      await sc.change(db);
      const after = await tableRows(db);
      const m: ModelRow = { scenario: sc.name, tables: 0, rows: 0, literalRows: 0, dropped: 0, ops: 0, deltaBytes: 0, rowListBytes: 0 };
      for (const [name, now] of after) {
        const was = before.get(name);
        if (!was) continue;
        const d: RowDeltaStats = await rowDelta(was.rows, now.rows, DEFAULT_WINDOW, now.keyColumns);
        m.tables++; m.rows += d.rows; m.literalRows += d.literalRows; m.dropped += d.dropped; m.ops += d.ops;
        m.deltaBytes += d.literalStoredBytes + d.opBytes; m.rowListBytes += d.rowListBytes;
      }
      model.push(m);
      log(`  row-layer model: ${m.tables} keyed tables, ${m.literalRows} literal rows of ${m.rows}, ${m.ops} ops, delta ${(m.deltaBytes / 1024).toFixed(1)} KiB (row list ${(m.rowListBytes / 2 ** 20).toFixed(2)} MiB per base)`);
      for (const [i, t] of tools.entries()) {
        const r = t instanceof Pgvault ? await t.backup(db, '2026-11-02T18:00:00Z')
          : t instanceof SeedPipeline ? await t.backup(db, '20261102_180000', '2026-11-02T18:00:00Z') : await t.backup(db, '2026-11-02T18:00:00Z');
        const row: Row = { scenario: sc.name, tool: t.name, fullBytes: full[i]!.addedBytes, nextBytes: r.addedBytes,
          percent: 100 * r.addedBytes / full[i]!.addedBytes, sqlBytes, wallSeconds: r.wallSeconds };
        rows.push(row);
        log(`  ${t.name.padEnd(32)} full ${(row.fullBytes / 2 ** 20).toFixed(2)} MiB, next +${(row.nextBytes / 1024).toFixed(1)} KiB (${row.percent.toFixed(1)} %)`);
      }
      loads.push(currentLoad());
    }
    if (args.weekRows > 0) {
      weekRows = await week(cluster, work, args.weekRows, restic.path, `pg_dump | restic ${restic.version.split(' ')[1] ?? ''} --stdin`, cli);
      loads.push(currentLoad());
    }
  } finally {
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const stamp = startedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  mkdirSync(args.out, { recursive: true });
  const md = [`# Incremental backups: what the next backup stores (${startedAt})`, '',
    `Machine: ${JSON.stringify(machineInfo())}; load at start/after each scenario: ${loads.map((l) => l.one.toFixed(1)).join(', ')}.`, '',
    '| scenario | tool | SQL | full backup stored | next backup stored | next / full |', '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.scenario} | ${cell(r.tool)} | ${(r.sqlBytes / 2 ** 20).toFixed(1)} MiB | ${(r.fullBytes / 2 ** 20).toFixed(2)} MiB | ${(r.nextBytes / 1024).toFixed(1)} KiB | ${r.percent.toFixed(1)} % |`),
    '', '## Row layer (src/layers run on the two states; docs/incremental.md)', '',
    'What a delta against the base would store for the keyed tables of the same two states: literal rows (gzip -1) plus the op list. ' +
    'The base also stores its row list once (16 bytes per row: 12-byte row hash + 4-byte key hash).', '',
    '| scenario | keyed tables | rows now | literal rows | base rows dropped | ops | delta stored | row list per base |', '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...model.map((m) => `| ${m.scenario} | ${m.tables} | ${m.rows} | ${m.literalRows} | ${m.dropped} | ${m.ops} | ${(m.deltaBytes / 1024).toFixed(1)} KiB | ${(m.rowListBytes / 2 ** 20).toFixed(2)} MiB |`),
    '', ...(weekRows.length ? [`## The week (${args.weekRows} rows of U1's tables; 14 backups; 1 % inserts, 0.5 % updates, 0.2 % deletes before each)`, '',
      '| tool | first (full) backup stored | all 14 backups stored | × one full |', '|---|---:|---:|---:|',
      ...weekRows.map((w) => `| ${cell(w.tool)} | ${(w.fullBytes / 2 ** 20).toFixed(2)} MiB | ${(w.weekBytes / 2 ** 20).toFixed(2)} MiB | ${w.timesFull.toFixed(2)}× |`), ''] : []),
    ''].join('\n');
  writeFileSync(join(args.out, `incremental-${stamp}.md`), md);
  writeFileSync(join(args.out, `incremental-${stamp}.json`), JSON.stringify({ startedAt, machine: machineInfo(), loads, args: { ...args, out: relative(ROOT, args.out) || '.' }, rows, model, week: weekRows }, null, 2));
  process.stdout.write(md);
}

await main();
