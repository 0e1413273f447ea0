/**
 * Validation of the parsed configuration file: every error names the key and its line, unknown keys
 * are warnings (a typo must not silently disable, say, retention: the warning says which key was ignored).
 * Relative paths are resolved against the configuration file's folder.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { childPath, type JsonValue } from './jsonc.js';
import { parseDuration } from './duration.js';
import { parseLocation } from '../store/open.js';
import type { DatabaseConfig, LoadedConfig, PgvaultConfig, PingsConfig, PruneConfig, RepositoryConfig, RetentionConfig } from './types.js';

type Obj = { [key: string]: JsonValue };

export class ConfigProblems {
  readonly errors: string[] = [];
  readonly warnings: string[] = [];
  constructor(private readonly lines: Map<string, number>) {}

  at(path: string): string {
    const line = this.lines.get(path);
    return line === undefined ? path : `${path} (line ${line})`;
  }
  error(path: string, message: string): undefined {
    this.errors.push(`${this.at(path)}: ${message}`);
    return undefined;
  }
  warn(path: string, message: string): void {
    this.warnings.push(`${this.at(path)}: ${message}`);
  }
}

const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: JsonValue): string => {
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
};

class Reader {
  readonly seen = new Set<string>();
  constructor(readonly p: ConfigProblems, readonly obj: Obj, readonly path: string, readonly base: string) {}

  #get(key: string): JsonValue | undefined {
    this.seen.add(key);
    return Object.prototype.hasOwnProperty.call(this.obj, key) ? this.obj[key] : undefined;
  }
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.obj, key) && this.obj[key] !== null;
  }
  kp(key: string): string {
    return childPath(this.path, key);
  }

  string(key: string, opts: { nonEmpty?: boolean; pattern?: RegExp; hint?: string } = {}): string | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') return this.p.error(this.kp(key), `expected a string in double quotes, got ${show(v)}`);
    if ((opts.nonEmpty ?? true) && v.trim() === '') return this.p.error(this.kp(key), 'must not be empty');
    if (opts.pattern && !opts.pattern.test(v)) return this.p.error(this.kp(key), `${opts.hint ?? 'invalid value'}, got ${show(v)}`);
    return v;
  }
  path_(key: string): string | undefined {
    const v = this.string(key);
    return v === undefined ? undefined : isAbsolute(v) ? v : resolve(this.base, v);
  }
  int(key: string, min: number, max: number): number | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      return this.p.error(this.kp(key), `expected a whole number from ${min} to ${max}, got ${show(v)}`);
    }
    return v;
  }
  bool(key: string): boolean | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') return this.p.error(this.kp(key), `expected true or false, got ${show(v)}`);
    return v;
  }
  stringList(key: string): string[] | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return [v];
    if (!Array.isArray(v)) return this.p.error(this.kp(key), `expected a list of strings like ["a", "b"], got ${show(v)}`);
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') this.p.error(childPath(this.kp(key), i), `expected a non-empty string, got ${show(item)}`);
      else out.push(item);
    });
    return out;
  }
  duration(key: string): number | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    const ms = typeof v === 'string' ? parseDuration(v) : typeof v === 'number' && v === 0 ? 0 : null;
    if (ms === null) return this.p.error(this.kp(key), `expected a duration such as "30s", "10m", "12h", "7d" or "1d12h", got ${show(v)}`);
    return ms;
  }
  oneOf<T extends string>(key: string, choices: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!(choices as readonly string[]).includes(v)) return this.p.error(this.kp(key), `expected one of ${choices.map((c) => `"${c}"`).join(', ')}, got ${show(v)}`);
    return v as T;
  }
  url(key: string, protocols: readonly string[]): string | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    let u: URL;
    try { u = new URL(v); } catch { return this.p.error(this.kp(key), `not a valid URL: ${show(v)}`); }
    if (!protocols.includes(u.protocol)) return this.p.error(this.kp(key), `expected a ${protocols.join(' or ')} URL, got ${u.protocol}`);
    return v;
  }
  object(key: string): Reader | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (!isObj(v)) return this.p.error(this.kp(key), `expected an object { ... }, got ${show(v)}`);
    return new Reader(this.p, v, this.kp(key), this.base);
  }
  list(key: string): Reader[] | undefined {
    const v = this.#get(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) return this.p.error(this.kp(key), `expected a list [ { ... }, ... ], got ${show(v)}`);
    const out: Reader[] = [];
    v.forEach((item, i) => {
      const path = childPath(this.kp(key), i);
      if (!isObj(item)) this.p.error(path, `expected an object { ... }, got ${show(item)}`);
      else out.push(new Reader(this.p, item, path, this.base));
    });
    return out;
  }
  /** Warn about keys nobody asked for (call after reading every known key), suggesting the nearest known key. */
  done(): void {
    for (const k of Object.keys(this.obj)) {
      if (this.seen.has(k) || k.startsWith('$')) continue;
      const near = closest(k, [...this.seen].filter((s) => !this.forbidden.has(s)));
      this.p.warn(this.kp(k), `unknown key "${k}" ignored` + (near ? `: did you mean "${near}"?` : ' (check the spelling; see docs/operations.md)'));
    }
  }
  /** Keys that are read only to refuse them (passwords, credentials): never suggested. */
  readonly forbidden = new Set<string>();
}

/** Levenshtein distance (small strings only). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key nearest to `key` (case-insensitive, at most 2 edits, or a third of its length), or undefined. */
export function closest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) { best = k; bestD = d; }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

const DELETE_MODES = ['all-versions', 'hide'] as const;
const NAME = /^[A-Za-z0-9_.-]+$/;

function readRepository(r: Reader): RepositoryConfig | undefined {
  const path = r.path_('path');
  const location = r.string('location');
  const s3 = r.object('s3');
  const deleteMode = r.oneOf('delete_mode', DELETE_MODES);
  const given = [path !== undefined || r.has('path'), location !== undefined || r.has('location'), s3 !== undefined || r.has('s3')].filter(Boolean).length;
  if (given > 1) return r.p.error(r.path, 'give exactly one of "path", "location" or "s3"');
  if (given === 0) return r.p.error(r.path, 'missing the repository: give "path" (a local folder), "s3" { endpoint, bucket, prefix } or "location"');
  if (path !== undefined) {
    if (deleteMode !== undefined) r.p.warn(r.kp('delete_mode'), 'only applies to S3/B2 repositories; ignored');
    return { kind: 'path', path };
  }
  if (location !== undefined) {
    try {
      parseLocation(location, { env: {}, s3: { endpoint: 'https://b2-endpoint.invalid' } });
    } catch (e) {
      return r.p.error(r.kp('location'), (e as Error).message);
    }
    return deleteMode ? { kind: 'location', location, deleteMode } : { kind: 'location', location };
  }
  if (!s3) return undefined;
  const endpoint = s3.url('endpoint', ['https:', 'http:']);
  const bucket = s3.string('bucket', { pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/i, hint: 'a bucket name is 3-63 letters, digits, "-" or "."' });
  const prefix = s3.string('prefix', { nonEmpty: false, pattern: /^\/?([A-Za-z0-9._=+-]+\/)*([A-Za-z0-9._=+-]+)?\/?$/,
    hint: 'a prefix is folder names of letters, digits and . _ = + - separated by "/"' }) ?? '';
  const region = s3.string('region');
  if (!s3.has('endpoint')) s3.p.error(s3.path, 'missing "endpoint", e.g. "https://s3.eu-central-003.backblazeb2.com"');
  if (!s3.has('bucket')) s3.p.error(s3.path, 'missing "bucket"');
  s3.done();
  if (endpoint === undefined || bucket === undefined) return undefined;
  const out: RepositoryConfig = { kind: 's3', endpoint, bucket, prefix };
  const b2Region = /^https?:\/\/s3\.([a-z0-9-]+)\.backblazeb2\.com/i.exec(endpoint)?.[1];
  if (region !== undefined) out.region = region;
  else if (b2Region) out.region = b2Region;
  if (region !== undefined && b2Region && region !== b2Region) {
    s3.p.error(s3.kp('region'), `must match the endpoint's region "${b2Region}" for Backblaze B2 (or leave it out)`);
  }
  if (deleteMode) out.deleteMode = deleteMode;
  return out;
}

function readDatabase(d: Reader, seenNames: Set<string>): DatabaseConfig | undefined {
  const name = d.string('name', { pattern: NAME, hint: 'use letters, digits, "_", "-" or "." (it names metrics and logs)' });
  if (!d.has('name')) d.p.error(d.path, 'missing "name"');
  if (name !== undefined) {
    if (seenNames.has(name)) d.p.error(d.kp('name'), `database name "${name}" is used twice`);
    seenNames.add(name);
  }
  const db: DatabaseConfig = { name: name ?? '', tags: d.stringList('tags') ?? [] };
  const url = d.url('url', ['postgres:', 'postgresql:']);
  if (url !== undefined) {
    db.url = url;
    try {
      if (new URL(url).password) d.p.warn(d.kp('url'), 'contains a password in plain text: prefer "password_file", PGPASSWORD or ~/.pgpass');
    } catch { /* checked above */ }
  }
  const host = d.string('host');
  const port = d.int('port', 1, 65535);
  const user = d.string('user');
  const dbname = d.string('dbname');
  const passwordFile = d.path_('password_file');
  const sslmode = d.oneOf('sslmode', ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const);
  if (d.has('password')) d.p.error(d.kp('password'), 'passwords are not read from the configuration file: use "password_file", PGPASSWORD or ~/.pgpass');
  const jobs = d.int('jobs', 1, 64);
  const stableOrder = d.bool('stable_order');
  const lists = {
    schemas: d.stringList('schemas'), excludeSchemas: d.stringList('exclude_schemas'), tables: d.stringList('tables'),
    excludeTables: d.stringList('exclude_tables'), excludeTableData: d.stringList('exclude_table_data'),
  };
  const noOwner = d.bool('no_owner');
  const noPrivileges = d.bool('no_privileges');
  const rolePasswords = d.bool('role_passwords');
  const allowUnsupported = d.bool('allow_unsupported');
  const layers = d.bool('layers');
  d.seen.add('password');
  d.forbidden.add('password');
  d.done();
  if (host !== undefined) db.host = host;
  if (port !== undefined) db.port = port;
  if (user !== undefined) db.user = user;
  if (dbname !== undefined) db.dbname = dbname;
  if (passwordFile !== undefined) db.passwordFile = passwordFile;
  if (sslmode !== undefined) db.sslmode = sslmode;
  if (jobs !== undefined) db.jobs = jobs;
  if (stableOrder !== undefined) db.stableOrder = stableOrder;
  for (const [k, v] of Object.entries(lists)) if (v !== undefined) db[k as keyof typeof lists] = v;
  if (noOwner !== undefined) db.noOwner = noOwner;
  if (noPrivileges !== undefined) db.noPrivileges = noPrivileges;
  if (rolePasswords !== undefined) db.rolePasswords = rolePasswords;
  if (allowUnsupported !== undefined) db.allowUnsupported = allowUnsupported;
  if (layers !== undefined) db.layers = layers;
  return name === undefined ? undefined : db;
}

function readRetention(r: Reader): RetentionConfig {
  const out: RetentionConfig = {};
  const errorsBefore = r.p.errors.length;
  const counts = [['keep_last', 'keepLast'], ['keep_hourly', 'keepHourly'], ['keep_daily', 'keepDaily'], ['keep_weekly', 'keepWeekly'],
    ['keep_monthly', 'keepMonthly'], ['keep_yearly', 'keepYearly']] as const;
  for (const [key, field] of counts) {
    const v = r.int(key, -1, 1_000_000);
    if (v !== undefined) out[field] = v;
  }
  const withins = [['keep_within', 'keepWithin'], ['keep_within_hourly', 'keepWithinHourly'], ['keep_within_daily', 'keepWithinDaily'],
    ['keep_within_weekly', 'keepWithinWeekly'], ['keep_within_monthly', 'keepWithinMonthly'], ['keep_within_yearly', 'keepWithinYearly']] as const;
  for (const [key, field] of withins) {
    const raw = r.has(key) ? r.obj[key] : undefined;
    const weeks = typeof raw === 'string' ? /^(\d+)w$/.exec(raw) : null;
    const v = r.string(key, { pattern: /^(\d+[ymdh])+$/, hint: weeks
      ? `weeks are not a unit of restic durations: write "${Number(weeks[1]) * 7}d" for ${weeks[1]} week${weeks[1] === '1' ? '' : 's'} (units y, m, d, h)`
      : 'expected a restic duration such as "7d", "36h" or "1y2m3d" (units y, m, d, h)' });
    if (v !== undefined) out[field] = v;
  }
  const tags = r.stringList('keep_tags');
  if (tags !== undefined) out.keepTags = tags;
  r.done();
  const anyCount = counts.some(([, f]) => out[f] !== undefined && out[f] !== 0);
  const anyWithin = withins.some(([, f]) => out[f] !== undefined && !/^(0+[ymdh])+$/.test(out[f]!));
  // A value that was refused above is the problem to report; "keeps nothing" would contradict it.
  if (r.p.errors.length === errorsBefore && !anyCount && !anyWithin && !(out.keepTags && out.keepTags.length > 0)) {
    r.p.error(r.path, 'no keep_* rule keeps anything: this would forget every snapshot. Give e.g. "keep_daily": 7, or remove "retention"');
  }
  return out;
}

function readPrune(r: Reader): PruneConfig | undefined {
  const every = r.duration('every');
  const grace = r.duration('grace');
  r.done();
  const out: PruneConfig = { everyMs: every ?? 7 * 86_400_000 };
  if (grace !== undefined) out.graceMs = grace;
  return out;
}

function readPings(r: Reader): PingsConfig {
  const out: PingsConfig = { timeoutMs: r.duration('timeout') ?? 5000, retries: r.int('retries', 0, 5) ?? 1 };
  const hc = r.url('healthchecks', ['https:', 'http:']);
  const webhook = r.url('webhook', ['https:', 'http:']);
  if (hc !== undefined) out.healthchecks = hc.replace(/\/+$/, '');
  if (webhook !== undefined) out.webhook = webhook;
  if (out.timeoutMs > 60_000) r.p.error(r.kp('timeout'), 'at most 60s: a ping must never hold up a backup');
  r.done();
  return out;
}

/** Turn the parsed file into a PgvaultConfig; errors and warnings are collected in `p`. */
export function validateConfig(value: JsonValue, lines: Map<string, number>, file: string): { config: PgvaultConfig } & ConfigProblems {
  const p = new ConfigProblems(lines);
  const config: PgvaultConfig = { file, tags: [], databases: [], lockWaitMs: 0 };
  if (!isObj(value)) {
    p.error('(top level)', 'the configuration must be an object { ... }');
    return Object.assign(p, { config });
  }
  const root = new Reader(p, value, '', dirname(file));
  const repo = root.object('repository');
  if (repo) {
    const r = readRepository(repo);
    if (r) config.repository = r;
    const pf = repo.path_('password_file');
    const pc = repo.string('password_command');
    const cf = repo.path_('credentials_file');
    const cache = repo.path_('cache_dir');
    const conc = repo.int('concurrency', 1, 256);
    if (repo.has('password')) repo.p.error(repo.kp('password'), 'the repository password is never read from the configuration file: use "password_file", "password_command" or PGVAULT_PASSWORD');
    repo.seen.add('password');
    repo.forbidden.add('password');
    if (pf !== undefined && pc !== undefined) repo.p.error(repo.kp('password_command'), 'give "password_file" or "password_command", not both');
    if (pf !== undefined) config.passwordFile = pf;
    if (pc !== undefined) config.passwordCommand = pc;
    if (cf !== undefined) config.credentialsFile = cf;
    if (cache !== undefined) config.cacheDir = cache;
    if (conc !== undefined) config.concurrency = conc;
    for (const k of ['access_key_id', 'secret_access_key', 'account_id', 'account_key', 'application_key']) {
      if (repo.has(k)) repo.p.error(repo.kp(k), 'credentials are not read from the configuration file: use B2_ACCOUNT_ID/B2_ACCOUNT_KEY (or AWS_*) in the environment or "credentials_file"');
      repo.seen.add(k);
      repo.forbidden.add(k);
    }
    repo.done();
  }
  const host = root.string('host');
  if (host !== undefined) config.host = host;
  config.tags = root.stringList('tags') ?? [];
  const dbs = root.list('databases');
  if (dbs) {
    const names = new Set<string>();
    for (const d of dbs) {
      const db = readDatabase(d, names);
      if (db) config.databases.push(db);
    }
    if (dbs.length === 0) p.error(root.kp('databases'), 'the list is empty: add at least one { "name": ..., "url": ... }');
  }
  const retention = root.object('retention');
  if (retention) config.retention = readRetention(retention);
  const prune = root.object('prune');
  if (prune) {
    const pr = readPrune(prune);
    if (pr) config.prune = pr;
    if (!retention) p.warn(root.kp('prune'), 'prune without "retention" only removes data of snapshots forgotten by hand');
  }
  const drill = root.object('drill');
  if (drill) {
    const scratch = drill.string('scratch');
    const every = drill.duration('every');
    const jobs = drill.int('jobs', 1, 64);
    drill.done();
    if (scratch === undefined) drill.p.error(drill.kp('scratch'), 'a restore drill needs a scratch server: "scratch": "postgres://postgres@127.0.0.1:5499/postgres" (never production)');
    else {
      config.drill = { scratch, everyMs: every ?? 7 * 86_400_000 };
      if (jobs !== undefined) config.drill.jobs = jobs;
    }
  }
  const pings = root.object('pings');
  if (pings) config.pings = readPings(pings);
  const metrics = root.object('metrics');
  if (metrics) {
    const tf = metrics.path_('textfile');
    if (tf !== undefined) {
      if (!tf.endsWith('.prom')) metrics.p.error(metrics.kp('textfile'), 'the textfile collector only reads files ending in ".prom"');
      else config.metricsFile = tf;
    }
    metrics.done();
  }
  const log = root.object('log');
  if (log) {
    const f = log.path_('file');
    const level = log.oneOf('level', ['debug', 'info', 'warn', 'error'] as const);
    if (f !== undefined) config.logFile = f;
    if (level !== undefined) config.logLevel = level;
    log.done();
  }
  const lock = root.object('lock');
  if (lock) {
    const f = lock.path_('file');
    const wait = lock.duration('wait');
    if (f !== undefined) config.lockFile = f;
    if (wait !== undefined) config.lockWaitMs = wait;
    lock.done();
  }
  const state = root.path_('state_dir');
  if (state !== undefined) config.stateDir = state;
  root.done();
  return Object.assign(p, { config });
}

export type { LoadedConfig };
