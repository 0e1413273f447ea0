/**
 * Where and how to connect to PostgreSQL, resolved the way libpq (psql, pg_dump) does it:
 * explicit options, then a connection URL or `key=value` string, then the libpq environment variables
 * (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGPASSFILE, PGSSLMODE, PGSSLROOTCERT, PGSSLCERT, PGSSLKEY,
 * PGAPPNAME, PGCONNECT_TIMEOUT), then `~/.pgpass`, then libpq's defaults (Unix socket if one exists, port 5432,
 * user = OS user, database = user).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type pg from 'pg';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { lookupPgpass } from './pgpass.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

export interface ConnectionOptions {
  /** Host name, IP address, or a Unix-socket directory (starts with `/`). */
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  sslmode?: SslMode;
  sslrootcert?: string;
  sslcert?: string;
  sslkey?: string;
  applicationName?: string;
  connectTimeoutSeconds?: number;
}

export interface ResolvedConnection {
  host: string;
  port: number;
  user: string;
  database: string;
  password: string | undefined;
  passwordSource: 'option' | 'PGPASSWORD' | 'pgpass' | 'none';
  sslmode: SslMode;
  sslrootcert: string | undefined;
  sslcert: string | undefined;
  sslkey: string | undefined;
  applicationName: string;
  connectTimeoutSeconds: number;
  /** Non-fatal notes for the operator (e.g. an ignored ~/.pgpass with loose permissions). */
  warnings: string[];
}

function parseSslMode(v: string, where: string): SslMode {
  if ((SSL_MODES as readonly string[]).includes(v)) return v as SslMode;
  throw new ConfigError(`invalid sslmode "${v}" in ${where}: use one of ${SSL_MODES.join(', ')}`);
}

function parsePort(v: string, where: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new ConfigError(`invalid port "${v}" in ${where}: expected 1-65535`);
  return n;
}

/** Apply one libpq keyword (from a URL query or a key=value string) onto `o`. Unknown keywords are rejected. */
function applyKeyword(o: ConnectionOptions, key: string, value: string, where: string): void {
  switch (key) {
    case 'host': case 'hostaddr': o.host = value; break;
    case 'port': o.port = parsePort(value, where); break;
    case 'user': o.user = value; break;
    case 'password': o.password = value; registerSecret(value); break;
    case 'dbname': o.database = value; break;
    case 'sslmode': o.sslmode = parseSslMode(value, where); break;
    case 'sslrootcert': o.sslrootcert = value; break;
    case 'sslcert': o.sslcert = value; break;
    case 'sslkey': o.sslkey = value; break;
    case 'application_name': o.applicationName = value; break;
    case 'connect_timeout': o.connectTimeoutSeconds = Number(value) || 0; break;
    default:
      throw new ConfigError(`unsupported connection parameter "${key}" in ${where}`);
  }
}

/** `postgres[ql]://[user[:password]@][host][:port][/dbname][?param=value&...]`. */
export function parseConnectionUrl(url: string): ConnectionOptions {
  const where = 'the connection URL';
  const m = /^postgres(?:ql)?:\/\/([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(url);
  if (!m) throw new ConfigError(`not a PostgreSQL connection URL (expected postgres://user@host:port/dbname)`);
  const o: ConnectionOptions = {};
  const authority = m[1] ?? '';
  const at = authority.lastIndexOf('@');
  const userinfo = at >= 0 ? authority.slice(0, at) : '';
  const hostport = at >= 0 ? authority.slice(at + 1) : authority;
  if (userinfo) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo);
    if (user) o.user = user;
    if (colon >= 0) {
      o.password = decodeURIComponent(userinfo.slice(colon + 1));
      registerSecret(o.password);
    }
  }
  if (hostport) {
    const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
    if (!hp) throw new ConfigError(`cannot parse host and port "${hostport}" in ${where}`);
    const host = decodeURIComponent(hp[1]!.replace(/^\[|\]$/g, ''));
    if (host) o.host = host;
    if (hp[2]) o.port = parsePort(hp[2], where);
  }
  if (m[2]) o.database = decodeURIComponent(m[2]);
  if (m[3]) {
    for (const [k, v] of new URLSearchParams(m[3])) applyKeyword(o, k, v, where);
  }
  return o;
}

/** libpq `key=value key2='quoted value'` connection strings. */
export function parseKeywordString(s: string): ConnectionOptions {
  const o: ConnectionOptions = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|(\S*))/gy;
  let pos = 0;
  while (pos < s.length) {
    if (/^\s*$/.test(s.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new ConfigError('cannot parse the connection string (expected key=value pairs, e.g. "host=db1 dbname=app")');
    const value = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    applyKeyword(o, m[1]!, value, 'the connection string');
    pos = re.lastIndex;
  }
  return o;
}

/**
 * pg_dump's `-d` semantics: a URL, a `key=value` string, or a plain database name.
 * Fields given separately (`-h -p -U`) override the string, as with libpq.
 */
export function connectionFromArgs(args: { dbname?: string; host?: string; port?: number; user?: string }): ConnectionOptions {
  let o: ConnectionOptions = {};
  const d = args.dbname;
  if (d !== undefined) {
    if (/^postgres(?:ql)?:\/\//.test(d)) o = parseConnectionUrl(d);
    else if (d.includes('=')) o = parseKeywordString(d);
    else o.database = d;
  }
  if (args.host !== undefined) o.host = args.host;
  if (args.port !== undefined) o.port = args.port;
  if (args.user !== undefined) o.user = args.user;
  return o;
}

function defaultSocketDir(port: number): string | undefined {
  for (const dir of ['/var/run/postgresql', '/tmp']) {
    if (existsSync(join(dir, `.s.PGSQL.${port}`))) return dir;
  }
  return undefined;
}

/** Fill in everything libpq would: environment, defaults, ~/.pgpass. */
export function resolveConnection(o: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const warnings: string[] = [];
  const port = o.port ?? (env.PGPORT ? parsePort(env.PGPORT, 'PGPORT') : 5432);
  const host = o.host || env.PGHOST || defaultSocketDir(port) || 'localhost';
  let osUser = 'postgres';
  try { osUser = userInfo().username; } catch { /* no passwd entry: keep the default */ }
  const user = o.user || env.PGUSER || osUser;
  const database = o.database || env.PGDATABASE || user;
  let password = o.password;
  let passwordSource: ResolvedConnection['passwordSource'] = password !== undefined ? 'option' : 'none';
  if (password === undefined && env.PGPASSWORD !== undefined) {
    password = env.PGPASSWORD;
    passwordSource = 'PGPASSWORD';
  }
  if (password === undefined) {
    const r = lookupPgpass({ host, port, database, user }, env);
    if (r.warning) warnings.push(r.warning);
    if (r.password !== undefined) {
      password = r.password;
      passwordSource = 'pgpass';
    }
  }
  registerSecret(password);
  const sslmode = o.sslmode ?? (env.PGSSLMODE ? parseSslMode(env.PGSSLMODE, 'PGSSLMODE') : 'prefer');
  return {
    host, port, user, database, password, passwordSource, sslmode,
    sslrootcert: o.sslrootcert ?? env.PGSSLROOTCERT,
    sslcert: o.sslcert ?? env.PGSSLCERT,
    sslkey: o.sslkey ?? env.PGSSLKEY,
    applicationName: o.applicationName ?? env.PGAPPNAME ?? 'pgvault',
    connectTimeoutSeconds: o.connectTimeoutSeconds ?? (env.PGCONNECT_TIMEOUT ? Number(env.PGCONNECT_TIMEOUT) || 0 : 30),
    warnings,
  };
}

function hostPort(host: string, port: number): string {
  if (host.startsWith('/')) return `${host}/.s.PGSQL.${port}`;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Where we connect, for messages: `host:port` or the socket path. Never contains a password. */
export function describeEndpoint(r: Pick<ResolvedConnection, 'host' | 'port'>): string {
  return hostPort(r.host, r.port);
}

/** `postgres://user@host:port/db` (password never shown) for logs and errors. */
export function describeConnection(c: ConnectionOptions | ResolvedConnection): string {
  const host = c.host ?? '';
  const hostPart = host.startsWith('/') ? '' : host.includes(':') ? `[${host}]` : host;
  const port = c.port !== undefined ? `:${c.port}` : '';
  const user = c.user ? `${encodeURIComponent(c.user)}@` : '';
  const db = c.database ? `/${encodeURIComponent(c.database)}` : '';
  const q = host.startsWith('/') ? `?host=${encodeURIComponent(host)}` : '';
  return `postgres://${user}${hostPart}${port}${db}${q}`;
}

/** TLS settings for one attempt; `false` = no TLS. */
export function tlsFor(r: ResolvedConnection, attempt: 'tls' | 'plain'): false | TlsConnectionOptions {
  if (attempt === 'plain') return false;
  const rootcert = r.sslrootcert ?? join(homedir(), '.postgresql', 'root.crt');
  const hasRoot = existsSync(rootcert);
  const tls: TlsConnectionOptions = {};
  if (r.sslcert) tls.cert = readFileSync(r.sslcert);
  if (r.sslkey) tls.key = readFileSync(r.sslkey);
  // libpq: "require" verifies the chain only when a root certificate file exists (then it acts as verify-ca).
  const verifyChain = r.sslmode === 'verify-ca' || r.sslmode === 'verify-full' || (r.sslmode === 'require' && hasRoot);
  if (verifyChain) {
    if (!hasRoot && r.sslrootcert) throw new ConfigError(`sslrootcert "${r.sslrootcert}" does not exist`);
    if (hasRoot) tls.ca = readFileSync(rootcert);
    tls.rejectUnauthorized = true;
    if (r.sslmode !== 'verify-full') tls.checkServerIdentity = () => undefined;
  } else {
    tls.rejectUnauthorized = false;
  }
  return tls;
}

/** The order of TLS attempts libpq makes for an sslmode. Unix sockets never use TLS. */
export function tlsAttempts(r: ResolvedConnection): ('tls' | 'plain')[] {
  if (r.host.startsWith('/')) return ['plain'];
  switch (r.sslmode) {
    case 'disable': return ['plain'];
    case 'allow': return ['plain', 'tls'];
    case 'prefer': return ['tls', 'plain'];
    default: return ['tls'];
  }
}

export function toClientConfig(r: ResolvedConnection, attempt: 'tls' | 'plain'): pg.ClientConfig {
  const cfg: pg.ClientConfig = {
    host: r.host,
    port: r.port,
    user: r.user,
    database: r.database,
    ssl: tlsFor(r, attempt),
    application_name: r.applicationName,
    connectionTimeoutMillis: r.connectTimeoutSeconds > 0 ? r.connectTimeoutSeconds * 1000 : 0,
    keepAlive: true,
    keepAliveInitialDelayMillis: 60_000,
    // Startup options outrank ALTER DATABASE/ROLE ... SET: a source whose defaults say statement_timeout = '1ms'
    // must not cancel even our first query (the version check) before the session is pinned.
    options: '-c statement_timeout=0 -c lock_timeout=0 -c idle_in_transaction_session_timeout=0',
  };
  // Always give pg a password (possibly a function that fails clearly) so it never consults ~/.pgpass itself.
  const pw = r.password;
  cfg.password = pw !== undefined ? pw : async () => {
    throw new MissingPasswordError();
  };
  return cfg;
}

/** Raised inside pg's authentication callback when the server asks for a password we do not have. */
export class MissingPasswordError extends Error {
  constructor() {
    super('the server asked for a password but none was given');
  }
}
