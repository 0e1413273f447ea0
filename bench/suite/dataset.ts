/**
 * The reference data set in a local PostgreSQL 15 cluster: `pgbench -i -s SCALE` plus `events`
 * (bigserial PK, timestamptz, text, a ~200-byte jsonb payload), and the change rounds between
 * backups. Everything is deterministic except pgbench's own transaction mix (seeded).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { startCluster, type PgCluster } from '../../test/helpers/pg.js';
import { cleanEnv } from './measure.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface Db {
  host: string;
  port: number;
  user: string;
  database: string;
  url: string;
  /** libpq flags for Debian's client tools. */
  conn: string[];
}

export interface Dataset {
  cluster: PgCluster;
  db: Db;
  /** A connection for scratch databases (restore --into, verify), same server. */
  scratch(name: string): Db;
}

function dbOf(c: PgCluster, database: string): Db {
  return { host: c.host, port: c.port, user: c.user, database, url: c.url(database), conn: ['-h', c.host, '-p', String(c.port), '-U', c.user] };
}

async function withClient<T>(db: Db, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: db.host, port: db.port, user: db.user, database: db.database });
  await client.connect();
  try { return await fn(client); } finally { await client.end(); }
}

/** Append `n` events after the current maximum id (deterministic content from the id). */
async function appendEvents(c: pg.Client, n: number): Promise<void> {
  const r = await c.query<{ m: string }>('SELECT coalesce(max(id), 0)::text AS m FROM public.events');
  const start = Number(r.rows[0]!.m) + 1;
  for (let from = start; from < start + n; from += 250000) {
    const to = Math.min(start + n - 1, from + 249999);
    await c.query(`INSERT INTO public.events (id, occurred_at, kind, payload)
      SELECT g, timestamptz '2026-01-01 00:00:00+00' + g * interval '1.7 seconds', (ARRAY['view', 'click', 'purchase', 'login'])[1 + g % 4],
             jsonb_build_object('user_id', g % 50000, 'session', md5(g::text), 'path', '/products/' || (g % 997) || '/reviews',
               'agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/' || (100 + g % 40), 'amount', round((g % 10000) / 7.0, 2),
               'tags', jsonb_build_array('t' || (g % 13), 't' || (g % 29)))
        FROM generate_series(${from}::bigint, ${to}::bigint) g`);
  }
  await c.query(`SELECT setval('public.events_id_seq', (SELECT max(id) FROM public.events))`);
}

/**
 * Update `fraction` × `base` events rows (every k-th id, offset by `round`): spread over the whole table, or,
 * with `hotRows`, only among the newest `hotRows` rows (an application that edits recent records).
 */
async function updateEvents(c: pg.Client, fraction: number, round: number, base: number, hotRows?: number): Promise<number> {
  if (fraction <= 0) return 0;
  const span = hotRows ?? base;
  const step = Math.max(1, Math.round(span / (fraction * base)));
  const where = hotRows ? ` AND id > (SELECT max(id) FROM public.events) - ${hotRows}` : '';
  const r = await c.query(`UPDATE public.events SET payload = payload || jsonb_build_object('edited', ${round}), kind = 'edited'
    WHERE id % ${step} = ${round % step}${where}`);
  return r.rowCount ?? 0;
}

export interface BuildOptions {
  scale: number;
  events: number;
  log: (line: string) => void;
}

export async function buildDataset(o: BuildOptions): Promise<Dataset> {
  o.log('starting a PostgreSQL 15 cluster ...');
  const cluster = await startCluster({ major: 15, settings: { shared_buffers: '256MB', autovacuum: 'off' } });
  try {
    await cluster.createDatabase('bench');
    const db = dbOf(cluster, 'bench');
    o.log(`pgbench -i -s ${o.scale} ...`);
    const r = spawnSync(join(PG_BIN, 'pgbench'), ['-i', '-q', '-s', String(o.scale), ...db.conn, db.database], { env: cleanEnv(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pgbench -i failed: ${r.stderr}`);
    o.log(`events: ${o.events} rows ...`);
    await withClient(db, async (c) => {
      await c.query('CREATE TABLE public.events (id bigserial PRIMARY KEY, occurred_at timestamptz NOT NULL, kind text NOT NULL, payload jsonb NOT NULL)');
      await appendEvents(c, o.events);
      await c.query('VACUUM ANALYZE');
    });
    return { cluster, db, scratch: (name) => dbOf(cluster, name) };
  } catch (e) {
    await cluster.stop();
    throw e;
  }
}

export interface ChangeRound {
  /** pgbench run time in seconds (0 = none). */
  pgbenchSeconds?: number;
  /** pgbench transactions (used instead of seconds when set: deterministic count). */
  pgbenchTransactions?: number;
  /** Events appended, as a fraction of the base events rows. */
  appendFraction: number;
  /** Events updated (scattered), as a fraction. */
  updateFraction: number;
  /** Distinguishes rounds (which rows are updated, what they get). */
  round: number;
  /** Update only among the newest rows (this fraction of the base rows), not all over the table. */
  hotFraction?: number;
}

export interface ChangeResult { pgbenchTransactions: number; appended: number; updated: number; seconds: number }

/** Apply one round of changes, then VACUUM (as autovacuum would): freed space is reused by later inserts. */
export async function applyChanges(ds: Dataset, baseEvents: number, ch: ChangeRound): Promise<ChangeResult> {
  const t0 = Date.now();
  let tx = 0;
  if (ch.pgbenchTransactions || ch.pgbenchSeconds) {
    const limit = ch.pgbenchTransactions ? ['-t', String(ch.pgbenchTransactions)] : ['-T', String(ch.pgbenchSeconds)];
    const r = spawnSync(join(PG_BIN, 'pgbench'), ['-n', '-c', '2', '-j', '1', `--random-seed=${1000 + ch.round}`, ...limit, ...ds.db.conn, ds.db.database],
      { env: cleanEnv(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pgbench failed: ${r.stderr}`);
    tx = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1] ?? 0);
  }
  const appended = Math.round(baseEvents * ch.appendFraction);
  let updated = 0;
  await withClient(ds.db, async (c) => {
    updated = await updateEvents(c, ch.updateFraction, ch.round, baseEvents, ch.hotFraction ? Math.round(baseEvents * ch.hotFraction) : undefined);
    await appendEvents(c, appended);
    await c.query('VACUUM ANALYZE');
  });
  return { pgbenchTransactions: tx, appended, updated, seconds: (Date.now() - t0) / 1000 };
}

/** Create an empty database for restores; returns its connection. */
export async function freshDatabase(ds: Dataset, name: string): Promise<Db> {
  await ds.cluster.dropDatabase(name);
  await ds.cluster.createDatabase(name);
  return ds.scratch(name);
}
