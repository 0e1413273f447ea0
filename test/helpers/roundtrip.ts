/**
 * Round-trip fidelity harness for plain-SQL dumpers (pgvault's native dumper, or pg_dump as the
 * reference): load corpora into a source database A, dump A, restore the script into an empty B
 * with `psql -X -v ON_ERROR_STOP=1 -f`, compare A and B, restore the same script over B again,
 * compare again. See docs/dump-testing.md for what is compared and every normalization.
 *
 * Comparisons (each a named check with a readable diff):
 *   - `pg_dump --schema-only` of A and B, byte for byte (only on a PostgreSQL 15 cluster: pg_dump 15
 *     refuses newer servers); run with pinned session settings so database defaults cannot leak in;
 *   - the catalog fingerprint (test/helpers/fingerprint.ts), section by section;
 *   - table row counts and content hashes, sequence values, large objects.
 * Also checked: the dump did not change the source (fingerprint of A before and after dumping).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { oraclePgDumpBin, PG_CLIENT_BIN, quoteIdent, type PgCluster } from './pg.js';
import { fingerprint, type Sections } from './fingerprint.js';
import { unifiedDiff } from './textdiff.js';
import { CORPORA_DIR } from '../corpora/index.js';
import { dumpDatabase, type DumpOptions } from '../../src/dump/index.js';

/** Produces the whole plain-SQL script of database `db` of `cluster`. */
export type Dumper = (cluster: PgCluster, db: string) => Promise<string | Buffer>;

/**
 * Hostile per-database defaults given to the source after the corpora are loaded (a dumper must pin
 * its session). Values are SQL as written after `ALTER DATABASE db SET name =`.
 */
export const HOSTILE_SOURCE_SETTINGS: Record<string, string> = {
  DateStyle: `'SQL, DMY'`,
  IntervalStyle: 'sql_standard',
  TimeZone: `'Pacific/Chatham'`,
  extra_float_digits: '-15',
  search_path: 'evil, public',
  bytea_output: 'escape',
  standard_conforming_strings: 'off',
  quote_all_identifiers: 'on',
  xmloption: 'document',
  default_transaction_read_only: 'on',
  row_security: 'on',
  idle_in_transaction_session_timeout: `'200ms'`,
};

/** Hostile per-database defaults given to the target before each restore (the script must pin the restore session). */
export const HOSTILE_TARGET_SETTINGS: Record<string, string> = {
  DateStyle: `'SQL, DMY'`,
  IntervalStyle: 'sql_standard',
  TimeZone: `'Pacific/Chatham'`,
  search_path: 'evil, public',
  standard_conforming_strings: 'off',
  quote_all_identifiers: 'on',
  xmloption: 'document',
  check_function_bodies: 'on',
  statement_timeout: `'50ms'`,
  idle_in_transaction_session_timeout: `'200ms'`,
};

/**
 * Settings for the comparison `pg_dump --schema-only` runs (libpq startup options override
 * database defaults), so hostile defaults of A or B cannot make the two texts differ.
 */
const COMPARE_PGOPTIONS = [
  'standard_conforming_strings=on', 'quote_all_identifiers=off', 'DateStyle=ISO', 'IntervalStyle=postgres',
  'TimeZone=UTC', 'extra_float_digits=3', 'search_path=', 'default_transaction_read_only=off',
  'statement_timeout=0', 'idle_in_transaction_session_timeout=0',
].map((s) => `-c ${s}`).join(' ');

/** Fixed `\restrict` key for the comparison dumps (pg_dump 15.14+ otherwise picks a random one). */
const COMPARE_RESTRICT_KEY = 'pgvaultfidelitycompare';

export interface RoundTripOptions {
  cluster: PgCluster;
  /** Corpus files loaded in order with psql (absolute, or relative to test/corpora). */
  corpusFiles: string[];
  dumper: Dumper;
  /** Give A (after loading) and B (before restoring) hostile database defaults. Default false. */
  hostileDefaults?: boolean;
  /** Restore the script a second time over B and compare again. Default true. */
  restoreTwice?: boolean;
  /** Compare `pg_dump --schema-only` texts (default: when a pg_dump that reads the cluster's major is installed, see oraclePgDumpBin). */
  compareSchemaDump?: boolean;
  /** Database name prefix (default `rt`); a random suffix is added. */
  name?: string;
  /** Keep the databases (for debugging); default false. */
  keepDatabases?: boolean;
  /** Create source and target with this encoding (and C locale), e.g. `SQL_ASCII`; default: the cluster's (UTF8). */
  encoding?: string;
  /** Statements run in B, each in its own transaction, after restore-1 (a copy that drifted: rows, grants,
   * triggers, indexes changed); restore-2 must undo it. */
  driftSql?: string[];
}

export interface RestoreRun {
  phase: 'restore-1' | 'restore-2';
  ok: boolean;
  exitCode: number | null;
  /** psql's stderr (errors and warnings), trimmed to 20 kB. */
  stderr: string;
  ms: number;
}

export interface Comparison {
  phase: 'dump' | 'restore-1' | 'restore-2';
  /** e.g. `pg_dump --schema-only`, `catalog:constraints`, `data:table-data`, `source unchanged:...`. */
  check: string;
  equal: boolean;
  /** Unified-diff-like excerpt, empty when equal (source = `-`, restored = `+`). */
  diff: string;
}

export interface RoundTripResult {
  ok: boolean;
  source: string;
  target: string;
  /** The dumper's error, when it threw instead of producing a script. */
  dumpError?: string;
  scriptBytes: number;
  scriptSha256: string;
  /** The first lines of the script around each restore error (psql reports `psql:file:LINE:`). */
  errorContext: string[];
  restores: RestoreRun[];
  comparisons: Comparison[];
  timingsMs: Record<string, number>;
  /** Human-readable summary of everything that failed (empty when ok). */
  report: string;
}

const rolesInstalled = new WeakSet<PgCluster>();

/** Run roles.sql (cluster-global roles) once per cluster. */
export function ensureRoles(cluster: PgCluster): void {
  if (rolesInstalled.has(cluster)) return;
  runPsqlFile(cluster, 'postgres', join(CORPORA_DIR, 'roles.sql'));
  rolesInstalled.add(cluster);
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  return { ...env, ...extra };
}

function connArgs(cluster: PgCluster, db: string): string[] {
  return ['-h', cluster.host, '-p', String(cluster.port), '-U', cluster.user, '-d', db];
}

/** Load one SQL file (a corpus) into `db`; throws with psql's stderr on the first error. */
export function runPsqlFile(cluster: PgCluster, db: string, file: string): void {
  const path = file.startsWith('/') ? file : join(CORPORA_DIR, file);
  const r = spawnSync(join(PG_CLIENT_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...connArgs(cluster, db), '-f', path],
    { encoding: 'utf8', env: cleanEnv(), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`loading ${path} into ${db} failed (exit ${r.status}):\n${r.stderr}`);
}

/** Restore a script file into `db` exactly as an operator would: psql -X -v ON_ERROR_STOP=1 -f. */
export function restoreScript(cluster: PgCluster, db: string, file: string): Promise<{ exitCode: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(join(PG_CLIENT_BIN, 'psql'), ['-X', '-v', 'ON_ERROR_STOP=1', ...connArgs(cluster, db), '-f', file],
      { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => { if (stderr.length < 20_000) stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ exitCode: code, stderr: stderr.slice(0, 20_000) }));
  });
}

/** `pg_dump --schema-only` of `db` with pinned session settings, by the oracle pg_dump of the cluster's major. */
export function schemaDump(cluster: PgCluster, db: string): string {
  const bin = oraclePgDumpBin(cluster.major);
  if (bin === null) throw new Error(`no pg_dump that reads PostgreSQL ${cluster.major} is installed`);
  const r = spawnSync(join(bin, 'pg_dump'), [...connArgs(cluster, db), '--schema-only', `--restrict-key=${COMPARE_RESTRICT_KEY}`],
    { encoding: 'utf8', env: cleanEnv({ PGOPTIONS: COMPARE_PGOPTIONS }), maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`pg_dump --schema-only ${db} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** pg_dump 15 itself as a dumper: `pg_dump --clean --if-exists` (the reference the native dumper is held to). */
export const pgDumpDumper: Dumper = async (cluster, db) => {
  const r = spawnSync(join(PG_CLIENT_BIN, 'pg_dump'), [...connArgs(cluster, db), '--clean', '--if-exists'],
    { env: cleanEnv(), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`pg_dump ${db} failed (exit ${r.status}): ${r.stderr.toString()}`);
  return r.stdout;
};

async function createDatabase(cluster: PgCluster, name: string, encoding: string | undefined): Promise<void> {
  if (!encoding) return cluster.createDatabase(name);
  await cluster.query('postgres',
    `CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0 ENCODING '${encoding.replace(/'/g, "''")}' LC_COLLATE 'C' LC_CTYPE 'C'`);
}

async function alterDatabaseSettings(cluster: PgCluster, db: string, settings: Record<string, string>): Promise<void> {
  const sql = Object.entries(settings)
    .map(([k, v]) => `ALTER DATABASE ${quoteIdent(db)} SET ${k} = ${v}`)
    .join(';\n');
  await cluster.query('postgres', sql);
}

function compareSections(phase: Comparison['phase'], prefix: string, a: Sections, b: Sections, labelA: string, labelB: string): Comparison[] {
  const names = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return names.map((name) => {
    const la = (a[name] ?? []).flatMap((l) => l.split('\n'));
    const lb = (b[name] ?? []).flatMap((l) => l.split('\n'));
    const diff = unifiedDiff(la, lb, { labelA: `${labelA} ${name}`, labelB: `${labelB} ${name}` });
    return { phase, check: `${prefix}${name}`, equal: diff === '', diff };
  });
}

function errorContext(script: Buffer, stderr: string, file: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:(\\d+):`, 'g');
  let lines: string[] | null = null;
  for (const m of stderr.matchAll(re)) {
    lines ??= script.toString('utf8').split('\n');
    const n = Number(m[1]);
    const from = Math.max(1, n - 12);
    const excerpt = lines.slice(from - 1, n + 2).map((l, i) => `${String(from + i).padStart(7)}${from + i === n ? '>' : ' '} ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`);
    out.push(excerpt.join('\n'));
    if (out.length >= 5) break;
  }
  return out;
}

/** Dump, restore twice, compare. Never throws for fidelity problems: they are in the result. */
export async function roundTrip(opts: RoundTripOptions): Promise<RoundTripResult> {
  const { cluster } = opts;
  const suffix = randomBytes(4).toString('hex');
  const source = `${opts.name ?? 'rt'}_a_${suffix}`;
  const target = `${opts.name ?? 'rt'}_b_${suffix}`;
  const compareSchema = opts.compareSchemaDump ?? oraclePgDumpBin(cluster.major) !== null;
  const timings: Record<string, number> = {};
  const time = async <T>(label: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = Date.now();
    try { return await f(); } finally { timings[label] = (timings[label] ?? 0) + Date.now() - t0; }
  };
  const workDir = mkdtempSync(join(tmpdir(), 'pgvault-rt-'));
  const scriptFile = join(workDir, 'dump.sql');
  const restores: RestoreRun[] = [];
  const comparisons: Comparison[] = [];
  const contexts: string[] = [];
  let script: Buffer = Buffer.alloc(0);
  let dumpError: string | undefined;
  const finish = (): RoundTripResult => {
    const failedRestores = restores.filter((r) => !r.ok);
    const failedComparisons = comparisons.filter((c) => !c.equal);
    const ok = dumpError === undefined && failedRestores.length === 0 && failedComparisons.length === 0;
    const report: string[] = [];
    if (!ok) {
      report.push(`round trip of ${opts.corpusFiles.map((f) => f.split('/').pop()).join(' + ')} on PostgreSQL ${cluster.major}` +
        `${opts.hostileDefaults ? ' (hostile defaults)' : ''}${opts.encoding ? ` (${opts.encoding})` : ''}: ` +
        `${dumpError === undefined ? '' : 'the dump failed, '}${failedRestores.length} failed restore(s), ${failedComparisons.length} differing check(s)`);
      if (dumpError !== undefined) report.push(`\n== dump failed:\n${dumpError}`);
      for (const r of failedRestores) report.push(`\n== ${r.phase} failed (psql exit ${r.exitCode}):\n${r.stderr.trim()}`);
      for (const c of contexts) report.push(`\n-- script around the error:\n${c}`);
      for (const c of failedComparisons) report.push(`\n== ${c.phase} ${c.check} differs:\n${c.diff}`);
    }
    return {
      ok, source, target, dumpError,
      scriptBytes: script.length,
      scriptSha256: createHash('sha256').update(script).digest('hex'),
      errorContext: contexts,
      restores, comparisons, timingsMs: timings,
      report: report.join('\n'),
    };
  };
  try {
    ensureRoles(cluster);
    await time('load', async () => {
      await createDatabase(cluster, source, opts.encoding);
      for (const f of opts.corpusFiles) runPsqlFile(cluster, source, f);
    });
    if (opts.hostileDefaults) await alterDatabaseSettings(cluster, source, HOSTILE_SOURCE_SETTINGS);

    const fpA = await time('fingerprint', () => fingerprint(cluster.config(source)));
    const schemaA = compareSchema ? await time('schema-dump', () => schemaDump(cluster, source)) : '';

    let out: string | Buffer;
    try {
      out = await time('dump', () => opts.dumper(cluster, source));
    } catch (e) {
      dumpError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return finish();
    }
    script = Buffer.isBuffer(out) ? out : Buffer.from(out, 'utf8');
    writeFileSync(scriptFile, script);

    const fpA2 = await time('fingerprint', () => fingerprint(cluster.config(source)));
    comparisons.push(...compareSections('dump', 'source unchanged:', fpA, fpA2, 'A before dump', 'A after dump'));

    await createDatabase(cluster, target, opts.encoding);
    if (opts.hostileDefaults) await alterDatabaseSettings(cluster, target, HOSTILE_TARGET_SETTINGS);

    const phases: RestoreRun['phase'][] = opts.restoreTwice === false ? ['restore-1'] : ['restore-1', 'restore-2'];
    for (const phase of phases) {
      if (phase === 'restore-2') for (const sql of opts.driftSql ?? []) await cluster.query(target, sql);
      const t0 = Date.now();
      const r = await restoreScript(cluster, target, scriptFile);
      const run: RestoreRun = { phase, ok: r.exitCode === 0, exitCode: r.exitCode, stderr: r.stderr, ms: Date.now() - t0 };
      timings[phase] = run.ms;
      restores.push(run);
      if (!run.ok) {
        contexts.push(...errorContext(script, r.stderr, scriptFile));
        break;
      }
      const fpB = await time('fingerprint', () => fingerprint(cluster.config(target)));
      comparisons.push(...compareSections(phase, '', fpA, fpB, 'A', `B(${phase})`).map((c) => ({
        ...c, check: `${c.check === 'table-data' || c.check === 'sequence-values' ? 'data' : 'catalog'}:${c.check}`,
      })));
      if (compareSchema) {
        const schemaB = await time('schema-dump', () => schemaDump(cluster, target));
        const diff = unifiedDiff(schemaA.split('\n'), schemaB.split('\n'), { labelA: 'pg_dump -s A', labelB: `pg_dump -s B(${phase})` });
        comparisons.push({ phase, check: 'pg_dump --schema-only', equal: diff === '', diff });
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
    if (!opts.keepDatabases) {
      await cluster.dropDatabase(source).catch(() => undefined);
      await cluster.dropDatabase(target).catch(() => undefined);
    }
  }

  return finish();
}

/** Fail the current test with the result's report unless the round trip was perfect. */
export function assertRoundTrip(result: RoundTripResult): void {
  if (!result.ok) assert.fail(result.report);
}

/** pgvault's native dumper: `dumpDatabase()` parts concatenated into one script. */
export function pgvaultDumper(options: DumpOptions = {}): Dumper {
  return async (cluster, db) => {
    const dump = dumpDatabase({ host: cluster.host, port: cluster.port, user: cluster.user, database: db }, options);
    const chunks: Buffer[] = [];
    for await (const part of dump) {
      for await (const chunk of part.stream) chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  };
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The `pgvault dump` command as a dumper: runs `bin/pgvault.js dump [--gzip] [extraArgs] <url>` (the entry
 * point operators run) and returns its stdout, gunzipped when `gzip` is set.
 */
export function cliDumper(extraArgs: string[] = [], gzip = false): Dumper {
  return async (cluster, db) => {
    const url = `postgres://${encodeURIComponent(cluster.user)}@${cluster.host}:${cluster.port}/${encodeURIComponent(db)}`;
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'pgvault.js'), 'dump', ...(gzip ? ['--gzip'] : []), ...extraArgs, url],
      { cwd: REPO_ROOT, env: cleanEnv(), maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`pgvault dump exited with ${r.status}: ${r.stderr.toString()}`);
    return gzip ? gunzipSync(r.stdout) : r.stdout;
  };
}

