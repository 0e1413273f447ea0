/**
 * Open a checked connection: resolve libpq-style options, try TLS as the sslmode asks, map every failure to a
 * DatabaseError an operator can act on, and refuse server versions the dumper does not support.
 */
import pg from 'pg';
import { DatabaseError, isPgvaultError } from '../errors.js';
import {
  describeEndpoint, MissingPasswordError, resolveConnection, tlsAttempts, toClientConfig,
  type ConnectionOptions, type ResolvedConnection,
} from './connection.js';

/** Oldest and newest PostgreSQL major versions pgvault reads. */
export const MIN_SERVER_MAJOR = 13;
export const MAX_SERVER_MAJOR = 18;

export interface Connection {
  client: pg.Client;
  resolved: ResolvedConnection;
  /** `host:port` or socket path, for messages. */
  endpoint: string;
  serverVersionNum: number;
  serverVersion: string;
  /** The first error the connection reported on its own (e.g. the server went away while idle), if any. */
  readonly lostError: Error | undefined;
  /** Close quietly (never throws). */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Check the server major version against MIN/MAX_SERVER_MAJOR (default true). */
  checkVersion?: boolean;
}

function isResolved(c: ConnectionOptions | ResolvedConnection): c is ResolvedConnection {
  return 'passwordSource' in c && 'warnings' in c;
}

interface ErrorWithCode { code?: unknown; message?: unknown; severity?: unknown }

function errCode(e: unknown): string | undefined {
  const c = (e as ErrorWithCode | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Translate a failed connection attempt into an operator-grade DatabaseError. */
export function connectError(e: unknown, r: ResolvedConnection): DatabaseError {
  if (isPgvaultError(e)) return e as DatabaseError;
  const ep = describeEndpoint(r);
  const code = errCode(e);
  const msg = errMessage(e);
  const user = r.user;
  const opts = { cause: e };
  if (e instanceof MissingPasswordError) {
    return new DatabaseError(`PostgreSQL at ${ep} asks for a password for user "${user}" but none was given: `
      + 'set PGPASSWORD, add a line to ~/.pgpass (mode 0600), or put it in the connection URL', opts);
  }
  switch (code) {
    case 'ECONNREFUSED':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: connection refused — is the server running and listening on that address and port?`, opts);
    case 'ENOENT':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: no such socket — is the server running, and are the socket directory (-h) and port (-p) right?`, opts);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: host name "${r.host}" does not resolve — check -h / the URL`, opts);
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: host unreachable (${code}) — check the address, firewall and network`, opts);
    case 'ECONNRESET':
    case 'EPIPE':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: the connection was reset during startup (${code}) — check the server log and sslmode`, opts);
    case 'EACCES':
      return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: permission denied on the socket — run as a user allowed to use it`, opts);
    case '28P01':
      return new DatabaseError(`password authentication failed for user "${user}" at ${ep} (password from ${passwordOrigin(r)}) — check the password`, opts);
    case '28000':
      return new DatabaseError(`PostgreSQL at ${ep} rejected user "${user}": ${msg} — check the user name and pg_hba.conf`, opts);
    case '3D000':
      return new DatabaseError(`database "${r.database}" does not exist on ${ep} — check the database name (-d)`, opts);
    case '42501':
      return new DatabaseError(`user "${user}" may not connect to database "${r.database}" on ${ep}: ${msg} — GRANT CONNECT ON DATABASE to the role`, opts);
    case '53300':
      return new DatabaseError(`PostgreSQL at ${ep} has no free connection slots (${msg}) — lower --jobs or raise max_connections`, opts);
    case '57P03':
      return new DatabaseError(`PostgreSQL at ${ep} is not accepting connections yet: ${msg} — retry when it has finished starting or recovering`, opts);
    default:
      break;
  }
  if (/connection timeout|timeout expired/i.test(msg)) {
    return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: timed out after ${r.connectTimeoutSeconds}s — is the host reachable and the server up?`, opts);
  }
  if (/does not support SSL/i.test(msg)) {
    return new DatabaseError(`PostgreSQL at ${ep} does not support TLS but sslmode=${r.sslmode} requires it — enable ssl on the server or lower sslmode`, opts);
  }
  if (/certificate|self[- ]signed|altnames|SSL|TLS/i.test(msg)) {
    return new DatabaseError(`TLS handshake with PostgreSQL at ${ep} failed (sslmode=${r.sslmode}): ${msg} — check sslrootcert and the server certificate`, opts);
  }
  if (/terminated unexpectedly/i.test(msg)) {
    return new DatabaseError(`PostgreSQL at ${ep} closed the connection during startup — check the server log (pg_hba.conf, TLS, or the server shutting down)`, opts);
  }
  return new DatabaseError(`cannot connect to PostgreSQL at ${ep}: ${msg}`, opts);
}

function passwordOrigin(r: ResolvedConnection): string {
  switch (r.passwordSource) {
    case 'option': return 'the connection options/URL';
    case 'PGPASSWORD': return 'PGPASSWORD';
    case 'pgpass': return 'the password file';
    default: return 'nowhere';
  }
}

/** `PostgreSQL 12 is not supported (13–18 are): … — what to do`, or nothing. Also refuses a missing/garbled version. */
export function checkServerVersion(versionNum: number, ep: string): void {
  const major = Math.floor(versionNum / 10000);
  if (!Number.isFinite(versionNum) || major < MIN_SERVER_MAJOR || major > MAX_SERVER_MAJOR) {
    const fix = major > MAX_SERVER_MAJOR
      ? `upgrade pgvault to a release that supports PostgreSQL ${major}, or back this server up with its own pg_dump until then`
      : `upgrade the server to PostgreSQL ${MIN_SERVER_MAJOR} or newer, or back it up with its own pg_dump`;
    throw new DatabaseError(`PostgreSQL ${Number.isFinite(major) ? major : '(unknown version)'} is not supported (${MIN_SERVER_MAJOR}–${MAX_SERVER_MAJOR} are): server at ${ep} reports server_version_num ${versionNum} — ${fix}`);
  }
}

async function attempt(r: ResolvedConnection, mode: 'tls' | 'plain'): Promise<{ client: pg.Client; lost: { error?: Error } }> {
  const client = new pg.Client(toClientConfig(r, mode));
  const lost: { error?: Error } = {};
  // Without a listener an idle connection's error would crash the process; queries in flight get it anyway.
  client.on('error', (err: Error) => { lost.error ??= err; });
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => undefined);
    throw e;
  }
  return { client, lost };
}

/**
 * Servers (by endpoint) that answered this process's TLS request with "no TLS here". libpq in `prefer` mode goes on
 * in plaintext on the same socket; node-pg cannot, so its fallback is a second connection, and the server starts a
 * second backend for it. A backup alone opens three connections (globals, identity, dump), more with `--jobs`:
 * once a server has said it has no TLS, `prefer` goes straight to plaintext for the rest of the process, which is
 * what libpq's fallback amounts to. Only that server-wide answer is remembered: a pg_hba.conf refusal depends on
 * the user and database, and `require` and stricter modes never fall back whatever is remembered.
 */
const refusesTls = new Set<string>();

/** Forget every remembered refusal (tests start from a clean process state). */
export function forgetTlsRefusals(): void {
  refusesTls.clear();
}

/** The attempts connect() makes for `r`: libpq's order for its sslmode, less TLS for a server known to refuse it. */
export function connectAttempts(r: ResolvedConnection): ('tls' | 'plain')[] {
  const modes = tlsAttempts(r);
  return r.sslmode === 'prefer' && refusesTls.has(describeEndpoint(r)) ? modes.filter((m) => m === 'plain') : modes;
}

export async function connect(conn: ConnectionOptions | ResolvedConnection, opts: ConnectOptions = {}): Promise<Connection> {
  const r = isResolved(conn) ? conn : resolveConnection(conn);
  const ep = describeEndpoint(r);
  const modes = connectAttempts(r);
  let opened: { client: pg.Client; lost: { error?: Error } } | undefined;
  let lastError: unknown;
  for (const mode of modes) {
    try {
      opened = await attempt(r, mode);
      break;
    } catch (e) {
      lastError = e;
      // prefer/allow: fall back only when the other mode could help (the server refused or lacks TLS).
      const m = errMessage(e);
      if (mode === 'tls' && /does not support SSL/i.test(m)) refusesTls.add(ep);
      const retryable = /does not support SSL|no pg_hba\.conf entry|SSL|TLS|certificate/i.test(m) || errCode(e) === '28000';
      if (!retryable) break;
    }
  }
  if (!opened) throw connectError(lastError, r);
  const { client, lost } = opened;
  const close = async (): Promise<void> => { await client.end().catch(() => undefined); };
  try {
    const v = await client.query<{ num: string; ver: string }>(
      "SELECT pg_catalog.current_setting('server_version_num') AS num, pg_catalog.current_setting('server_version') AS ver");
    const serverVersionNum = Number(v.rows[0]!.num);
    const serverVersion = v.rows[0]!.ver;
    if (opts.checkVersion !== false) checkServerVersion(serverVersionNum, ep);
    return {
      client, resolved: r, endpoint: ep, serverVersionNum, serverVersion, close,
      get lostError() { return lost.error; },
    };
  } catch (e) {
    await close();
    if (isPgvaultError(e)) throw e;
    throw new DatabaseError(`connected to PostgreSQL at ${ep} but could not read its version: ${errMessage(e)}`, { cause: e });
  }
}
