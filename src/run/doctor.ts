/**
 * `pgvault doctor`: everything a `pgvault run` needs, checked one by one, each with what to fix.
 * Nothing here changes the repository: the store probe writes, reads and deletes one object outside the
 * repository's folders (`<prefix>/doctor-probe-<random>`), and a key that may not delete is reported as a
 * capability, not a failure.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { connectionFor } from '../config/database.js';
import { credentialEnv } from '../config/store.js';
import type { DatabaseConfig, PgvaultConfig, RepositoryConfig } from '../config/types.js';
import { connect } from '../db/connect.js';
import { describeConnection } from '../db/connection.js';
import { RepoNotFoundError, StoreUnavailableError, WrongPasswordError } from '../errors.js';
import { redact } from '../redact.js';
import { fasterChunkIdScheme, type ChunkIdScheme } from '../crypto/chunk-id.js';
import type { Repository } from '../repo/repository.js';
import { credentialsFromEnv } from '../store/credentials.js';
import { parseLocation } from '../store/open.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'info';

export interface DoctorCheck {
  check: string;
  status: CheckStatus;
  detail: string;
  /** What to do about it (warn/fail). */
  fix?: string;
}

const msg = (e: unknown): string => redact(e instanceof Error ? e.message : String(e));

/** Writable folder (created if missing) for the state, log, metrics. */
export function checkWritableFile(what: string, file: string): DoctorCheck {
  const dir = dirname(file);
  try {
    if (existsSync(file)) accessSync(file, constants.W_OK);
    else accessSync(dir, constants.W_OK);
    return { check: what, status: 'ok', detail: `${file} is writable` };
  } catch (e) {
    return { check: what, status: 'fail', detail: `${file}: ${msg(e)}`, fix: `create ${dir} and make it writable by the user cron runs pgvault as` };
  }
}

export function checkStateDir(dir: string): DoctorCheck {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const probe = join(dir, `.doctor-${process.pid}`);
    writeFileSync(probe, 'x');
    rmSync(probe);
    return { check: 'state folder', status: 'ok', detail: `${dir} is writable (run lock, last prune time)` };
  } catch (e) {
    return { check: 'state folder', status: 'fail', detail: `${dir}: ${msg(e)}`, fix: `create ${dir} owned by the backup user, or set "state_dir"` };
  }
}

/** The database is reachable, the catalogs are readable, and every table and sequence can be read. */
export async function checkDatabase(d: DatabaseConfig): Promise<DoctorCheck[]> {
  const name = `database ${d.name}`;
  let conn;
  try {
    conn = await connect(connectionFor(d));
  } catch (e) {
    return [{ check: name, status: 'fail', detail: msg(e), fix: 'check host, port, user and password (password_file, PGPASSWORD or ~/.pgpass); for Docker see docs/operations.md "Databases in Docker containers"' }];
  }
  const out: DoctorCheck[] = [];
  try {
    const c = conn.client;
    out.push({ check: name, status: 'ok', detail: `connected to ${describeConnection(conn.resolved)} (PostgreSQL ${conn.serverVersion})` });
    for (const w of conn.resolved.warnings) out.push({ check: name, status: 'warn', detail: w });
    try {
      await c.query('SELECT count(*) FROM pg_catalog.pg_class, pg_catalog.pg_namespace WHERE false');
      await c.query('SELECT count(*) FROM pg_catalog.pg_proc WHERE false');
    } catch (e) {
      out.push({ check: `${name} catalogs`, status: 'fail', detail: `the role cannot read the system catalogs: ${msg(e)}`, fix: 'use a role with normal catalog access' });
    }
    const role = (await c.query<{ rolname: string; rolsuper: boolean; rolbypassrls: boolean }>(
      'SELECT rolname, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user')).rows[0];
    const unreadable = (await c.query<{ name: string; kind: string }>(`
      SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relkind::text AS kind
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'm', 'S') AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
        AND NOT has_table_privilege(c.oid, 'SELECT')
      ORDER BY 1`)).rows;
    if (unreadable.length > 0) {
      const list = unreadable.slice(0, 10).map((r) => r.name).join(', ') + (unreadable.length > 10 ? `, ... (${unreadable.length} in all)` : '');
      out.push({
        check: `${name} privileges`, status: 'fail', detail: `role ${role?.rolname ?? '?'} cannot SELECT ${unreadable.length} table(s)/sequence(s): ${list}`,
        fix: `GRANT pg_read_all_data TO ${role?.rolname ?? '<role>'}; (PostgreSQL 14+), or GRANT SELECT on them, or exclude them with "exclude_tables"`,
      });
    } else {
      out.push({ check: `${name} privileges`, status: 'ok', detail: `role ${role?.rolname ?? '?'} can read every table and sequence` });
    }
    if (role && !role.rolsuper && !role.rolbypassrls) {
      const rls = (await c.query<{ name: string }>(`SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relrowsecurity AND n.nspname !~ '^pg_' ORDER BY 1`)).rows;
      if (rls.length > 0) {
        out.push({ check: `${name} row security`, status: 'fail', detail: `row-level security is on for ${rls.map((r) => r.name).slice(0, 5).join(', ')}; role ${role.rolname} would not see every row`,
          fix: `ALTER ROLE ${role.rolname} BYPASSRLS; (as a superuser), or back up as the table owner` });
      }
    }
  } catch (e) {
    out.push({ check: name, status: 'fail', detail: msg(e) });
  } finally {
    await conn.close();
  }
  return out;
}

interface S3Target { endpoint: string; bucket: string; prefix: string; region: string }

function s3TargetOf(r: RepositoryConfig, env: NodeJS.ProcessEnv): S3Target | null {
  if (r.kind === 'path') return null;
  if (r.kind === 's3') {
    const region = r.region ?? /^https?:\/\/s3\.([a-z0-9-]+)\.backblazeb2\.com/i.exec(r.endpoint)?.[1] ?? env.AWS_REGION ?? 'us-east-1';
    return { endpoint: r.endpoint, bucket: r.bucket, prefix: r.prefix.replace(/^\/+|\/+$/g, ''), region };
  }
  const p = parseLocation(r.location, { env });
  return p.type === 's3' ? { endpoint: p.endpoint, bucket: p.bucket, prefix: p.prefix, region: p.region } : null;
}

/** Clock skew against the storage server's Date header; S3 signatures are refused beyond 15 minutes. */
export async function checkClock(endpoint: string, now: () => number = Date.now): Promise<DoctorCheck> {
  try {
    const t0 = now();
    const res = await fetch(endpoint, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
    const t1 = now();
    const date = res.headers.get('date');
    if (!date) return { check: 'clock', status: 'info', detail: `${endpoint} sent no Date header; clock not compared` };
    const skew = Date.parse(date) - (t0 + t1) / 2;
    const s = Math.round(skew / 1000);
    const detail = `local clock is ${Math.abs(s)} s ${skew > 0 ? 'behind' : 'ahead of'} ${new URL(endpoint).host}`;
    if (Math.abs(skew) > 15 * 60_000) return { check: 'clock', status: 'fail', detail, fix: 'S3 refuses requests signed more than 15 minutes off: enable NTP (timedatectl set-ntp true)' };
    if (Math.abs(skew) > 60_000) return { check: 'clock', status: 'warn', detail, fix: 'enable NTP (timedatectl set-ntp true); snapshot times and retention use this clock' };
    return { check: 'clock', status: 'ok', detail };
  } catch (e) {
    return { check: 'clock', status: 'warn', detail: `could not reach ${endpoint}: ${msg(e)}` };
  }
}

/** List, write, read and delete a probe object under the prefix; report what the key can do. */
export async function checkS3Access(t: S3Target, env: NodeJS.ProcessEnv): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  let client: S3Client;
  try {
    client = new S3Client({
      endpoint: t.endpoint, region: t.region, forcePathStyle: true, credentials: credentialsFromEnv(env),
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED', maxAttempts: 2,
    });
  } catch (e) {
    return [{ check: 'bucket credentials', status: 'fail', detail: msg(e), fix: 'export B2_ACCOUNT_ID/B2_ACCOUNT_KEY (an application key restricted to the bucket) or set "credentials_file"' }];
  }
  const where = `${t.bucket}${t.prefix ? '/' + t.prefix : ''}`;
  const key = `${t.prefix ? t.prefix + '/' : ''}doctor-probe-${randomBytes(6).toString('hex')}`;
  const body = randomBytes(32);
  try {
    try {
      await client.send(new ListObjectsV2Command({ Bucket: t.bucket, Prefix: t.prefix ? t.prefix + '/' : undefined, MaxKeys: 1 }));
      out.push({ check: 'bucket list', status: 'ok', detail: `can list ${where}` });
    } catch (e) {
      out.push({ check: 'bucket list', status: 'fail', detail: `cannot list ${where}: ${msg(e)}`, fix: 'the key needs listFiles (and listBuckets for the S3 API) on this bucket; check the bucket name and endpoint region' });
      return out;
    }
    try {
      await client.send(new PutObjectCommand({ Bucket: t.bucket, Key: key, Body: body }));
      out.push({ check: 'bucket write', status: 'ok', detail: `can write ${key}` });
    } catch (e) {
      out.push({ check: 'bucket write', status: 'fail', detail: `cannot write under ${where}: ${msg(e)}`, fix: 'the key needs writeFiles; if it is restricted to a name prefix, it must match "prefix"' });
      return out;
    }
    try {
      const got = await client.send(new GetObjectCommand({ Bucket: t.bucket, Key: key }));
      const bytes = Buffer.from(await got.Body!.transformToByteArray());
      out.push(bytes.equals(body)
        ? { check: 'bucket read', status: 'ok', detail: 'read back what was written' }
        : { check: 'bucket read', status: 'fail', detail: 'read back different bytes than written', fix: 'check for a proxy or a misconfigured endpoint' });
    } catch (e) {
      out.push({ check: 'bucket read', status: 'fail', detail: `cannot read ${key}: ${msg(e)}`, fix: 'the key needs readFiles' });
    }
    try {
      await client.send(new DeleteObjectCommand({ Bucket: t.bucket, Key: key }));
      out.push({ check: 'bucket delete', status: 'ok', detail: 'can delete (prune can free space)' });
    } catch (e) {
      out.push({ check: 'bucket delete', status: 'warn', detail: `this key cannot delete (${msg(e)}): an append-only key`,
        fix: `backups work; forget/prune need a key with deleteFiles (run them from an admin host), and remove ${key} by hand` });
    }
  } finally {
    client.destroy();
  }
  out.push({ check: 'bucket versions', status: 'info', detail: 'B2 keeps old versions of deleted objects unless delete_mode is "all-versions" (the default) or a lifecycle rule removes them',
    fix: 'with delete_mode "hide", set the bucket lifecycle to "keep only the last version" so pruned data stops being billed' });
  return out;
}

export async function checkLocalRepository(path: string): Promise<DoctorCheck> {
  try {
    readFileSync(join(path, 'config'));
    accessSync(path, constants.W_OK);
    return { check: 'repository folder', status: 'ok', detail: `${path} holds a repository and is writable` };
  } catch (e) {
    return { check: 'repository folder', status: 'fail', detail: `${path}: ${msg(e)}`, fix: 'create the repository with "pgvault init", and run pgvault as its owner' };
  }
}

export interface DoctorOptions {
  config: PgvaultConfig;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  logFile?: string;
  /** Opens the repository with the resolved password. */
  openRepository: () => Promise<Repository>;
  /** Skip the database checks (e.g. `--no-databases`). */
  databases?: boolean;
  /** The keyed hash `init --chunk-id auto` would choose on this host (default: measured, ~20 ms; tests inject it). */
  fasterChunkId?: () => ChunkIdScheme;
}

/**
 * How the repository names its objects, against the keyed hash that is faster on this host. A repository keeps the
 * scheme it was created with (docs/format.md), so a mismatch is information (a repository made elsewhere, or by a
 * pgvault before format version 2), not a fault.
 */
export function checkChunkIds(repo: Pick<Repository, 'chunkIdScheme' | 'formatVersion'>, faster: ChunkIdScheme): DoctorCheck {
  const what = `format version ${repo.formatVersion}, objects named by ${repo.chunkIdScheme}`;
  if (repo.chunkIdScheme === faster) return { check: 'chunk IDs', status: 'ok', detail: `${what}, the faster keyed hash on this CPU` };
  return {
    check: 'chunk IDs', status: 'info',
    detail: `${what}; ${faster} is faster on this CPU (~0.45 CPU s less per GB of dump where SHA-256 has CPU instructions). ` +
      'The hash is fixed per repository: a new repository ("pgvault init", which picks the faster one) would use it',
  };
}

/** Why the repository did not open, blamed on the right thing (a missing repository is not a password problem). */
export function repositoryFailure(e: unknown): DoctorCheck {
  if (e instanceof RepoNotFoundError) {
    return { check: 'repository', status: 'fail', detail: msg(e),
      fix: 'create it with "pgvault --config FILE init", or correct the location (repository path, or endpoint, bucket and prefix)' };
  }
  if (e instanceof WrongPasswordError) {
    return { check: 'repository password', status: 'fail', detail: msg(e),
      fix: 'check the password source (password_file, password_command or PGVAULT_PASSWORD): it must be the password the repository was created with (or added with "pgvault key add")' };
  }
  if (e instanceof StoreUnavailableError) {
    return { check: 'repository access', status: 'fail', detail: msg(e), fix: 'check the endpoint, the network and the credentials (B2_ACCOUNT_ID/B2_ACCOUNT_KEY or credentials_file)' };
  }
  return { check: 'repository', status: 'fail', detail: msg(e), fix: 'see the message; "pgvault check" tells more about a damaged repository' };
}

export async function runDoctor(o: DoctorOptions): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [];
  const r = o.config.repository;
  if (r) {
    let target: S3Target | null = null;
    try {
      target = s3TargetOf(r, o.env);
    } catch (e) {
      checks.push({ check: 'repository location', status: 'fail', detail: msg(e) });
    }
    if (target) {
      checks.push(await checkClock(target.endpoint));
      let env = o.env;
      try {
        env = credentialEnv(o.config.credentialsFile ? { env: o.env, credentialsFile: o.config.credentialsFile } : { env: o.env });
      } catch (e) {
        checks.push({ check: 'credentials file', status: 'fail', detail: msg(e) });
      }
      checks.push(...await checkS3Access(target, env));
    } else if (r.kind === 'path' || (r.kind === 'location' && !r.location.startsWith('s3:') && !r.location.startsWith('b2:'))) {
      checks.push(await checkLocalRepository(r.kind === 'path' ? r.path : parseLocation(r.location).type === 'fs' ? (parseLocation(r.location) as { path: string }).path : r.location));
    }
  }
  try {
    const repo = await o.openRepository();
    checks.push({ check: 'repository password', status: 'ok', detail: `opens repository ${repo.id.slice(0, 8)} at ${repo.store.location} (key ${repo.keyName.slice(0, 8)})` });
    checks.push(checkChunkIds(repo, (o.fasterChunkId ?? fasterChunkIdScheme)()));
    await repo.close();
  } catch (e) {
    checks.push(repositoryFailure(e));
  }
  if (o.databases !== false) for (const d of o.config.databases) checks.push(...await checkDatabase(d));
  checks.push(checkStateDir(o.stateDir));
  if (o.logFile) checks.push(checkWritableFile('log file', o.logFile));
  if (o.config.metricsFile) checks.push(checkWritableFile('metrics file', o.config.metricsFile));
  if (o.config.pings?.healthchecks || o.config.pings?.webhook) {
    checks.push({ check: 'pings', status: 'info', detail: 'pings are not sent by doctor (it would look like a run); "pgvault run" logs a warning when one fails' });
  }
  return checks;
}
