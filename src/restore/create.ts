/**
 * Restore onto a bare (or partly prepared) server: `restore <snapshot> --into <server> --create`.
 *
 *   1. check everything before changing anything: the server's major is not older than the source's,
 *      the connecting role may create the missing roles and the database, no existing role differs
 *      from the snapshot (unless told to keep them as they are), the database does not exist (unless
 *      --swap or --clean);
 *   2. create the missing roles, their settings and memberships in one transaction (never altering or
 *      dropping existing roles), and missing tablespaces;
 *   3. create the database with its properties (encoding, locale, provider, tablespace) — under a
 *      temporary name with --swap — and load the snapshot into it (one transaction, or --jobs N);
 *   4. apply owner, comment, connection limit, `ALTER DATABASE … SET`, `ALTER ROLE … IN DATABASE … SET`
 *      and the database ACL; with --swap rename the old database away and the new one into place in one
 *      transaction.
 * A failure in 3 or 4 drops the database this restore created and the roles it created: the server is
 * left as it was. The old database of --swap is kept (renamed), never dropped.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Connection } from '../db/connect.js';
import { describeConnection, type ConnectionOptions } from '../db/connection.js';
import { DatabaseError, isPgvaultError, UsageError } from '../errors.js';
import { globalsOfSnapshot } from '../globals/of-snapshot.js';
import { createDatabaseSql, createTablespaceSql, databaseAclSql, databasePropertiesSql, quoterFor } from '../globals/render.js';
import {
  createRolesSql, membershipsMissingBetweenExisting, membershipsToGrant, missingRoles, readServerState, roleDifferences,
  type RoleDifference,
} from '../globals/target.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { restoreInto, type RestoreIntoResult } from './into-db.js';
import { restoreParallel } from './parallel.js';

export interface RestoreCreateOptions {
  /** Database name on the target (default: the snapshot's). */
  database?: string;
  /** When the database exists: restore into a new database and swap it in by renaming. */
  swap?: boolean;
  /** When the database exists: load into it, replacing the objects the snapshot contains. */
  clean?: boolean;
  /** Existing roles whose attributes differ from the snapshot: keep them as they are and go on (default: refuse). */
  keepExistingRoles?: boolean;
  /** Load with N connections (schema; then table data, each table's indexes and keys as soon as it is loaded; then the rest: parallel.ts). */
  jobs?: number;
  logger?: Logger;
  /** Load function (tests inject failures; --jobs uses the parallel loader). */
  load?: (conn: ConnectionOptions) => Promise<RestoreIntoResult>;
  now?: () => Date;
}

export interface RestoreCreateResult {
  database: string;
  /** Whether the database was created by this restore (false with --clean into an existing one). */
  created: boolean;
  rolesCreated: string[];
  tablespacesCreated: string[];
  membershipsGranted: string[];
  /** Existing roles that differ from the snapshot (left as they are). */
  roleDifferences: RoleDifference[];
  /** Memberships the snapshot has between existing roles that the server lacks (not granted). */
  membershipsMissing: string[];
  /** With --swap: the name the previous database now has. */
  previousDatabase?: string;
  load: RestoreIntoResult;
  durationMs: number;
}

const major = (v: number): number => Math.floor(v / 10000);

function dbError(what: string, e: unknown): DatabaseError {
  if (isPgvaultError(e)) return e as DatabaseError;
  return new DatabaseError(`${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
}

export async function restoreCreate(repo: Repository, s: Snapshot, server: ConnectionOptions, opts: RestoreCreateOptions = {}): Promise<RestoreCreateResult> {
  const started = Date.now();
  const logger = opts.logger ?? silentLogger;
  const g = globalsOfSnapshot(s);
  const q = quoterFor(g);
  const name = opts.database ?? s.database;
  if (opts.swap && opts.clean) throw new UsageError('choose one of --swap (restore into a new database, then rename) and --clean (replace objects in place)');
  // The admin connection: the server URL's database, or "postgres" when that is the database being restored.
  const adminConn: ConnectionOptions = { ...server };
  if (adminConn.database === undefined || adminConn.database === name) adminConn.database = 'postgres';
  const where = describeConnection({ ...server, database: undefined });
  let admin: Connection;
  try {
    admin = await connect(adminConn, { checkVersion: false });
  } catch (e) {
    throw dbError(`connecting to the target server ${where}`, e);
  }
  const createdRoles: string[] = [];
  const tablespacesCreated: string[] = [];
  let createdDb: string | undefined;
  try {
    const state = await readServerState(admin.client);
    // 1. Checks: nothing changes on the server until all of them pass.
    if (major(state.serverVersionNum) < major(s.server.versionNum)) {
      throw new UsageError(`the target server ${where} runs PostgreSQL ${major(state.serverVersionNum)}, older than the source of snapshot ` +
        `${s.id.slice(0, 8)} (PostgreSQL ${s.server.version}); its script may use what ${major(state.serverVersionNum)} lacks. ` +
        `Restore onto PostgreSQL ${major(s.server.versionNum)} or newer; nothing was changed`);
    }
    const exists = state.databases.has(name);
    if (exists && !opts.swap && !opts.clean) {
      throw new UsageError(`database "${name}" already exists on ${where}; nothing was changed. Use --swap to restore into a new database ` +
        'and rename it into place (the old one is kept, renamed), or --clean to replace the objects of the snapshot in the existing database');
    }
    if (exists && opts.clean && opts.jobs !== undefined && opts.jobs > 1) {
      throw new UsageError('--jobs loads into a new database (all or nothing: a failed load is dropped), not over an existing one with --clean; ' +
        'use --swap instead of --clean, or leave out --jobs; nothing was changed');
    }
    const missing = missingRoles(g, state);
    const differences = roleDifferences(g, state);
    for (const d of differences) logger.warn(`role ${d.role} exists on the target with ${d.attribute} ${d.server}; the snapshot has ${d.snapshot}`);
    if (differences.length && !opts.keepExistingRoles) {
      throw new UsageError(`${new Set(differences.map((d) => d.role)).size} role(s) exist on ${where} with attributes that differ from snapshot ` +
        `${s.id.slice(0, 8)}: ${differences.map((d) => `${d.role} ${d.attribute} (server ${d.server}, snapshot ${d.snapshot})`).join('; ')}. ` +
        'pgvault never alters existing roles; nothing was changed. Align them with ALTER ROLE, or pass --keep-existing-roles to restore with them as they are');
    }
    const me = state.me;
    if (missing.length && !me.superuser && !me.createRole) {
      throw new UsageError(`role ${me.name} cannot create the ${missing.length} missing role(s) ${missing.map((r) => r.name).join(', ')} on ${where} ` +
        `(no CREATEROLE); nothing was changed. Restore as a superuser, or ALTER ROLE ${me.name} CREATEROLE`);
    }
    const privileged = missing.filter((r) => r.superuser || r.replication || r.bypassRls);
    if (privileged.length && !me.superuser) {
      throw new UsageError(`only a superuser can create the role(s) ${privileged.map((r) => r.name).join(', ')} (SUPERUSER, REPLICATION or BYPASSRLS); ` +
        'nothing was changed. Restore as a superuser');
    }
    if ((!exists || opts.swap) && !me.superuser && !me.createDb) {
      throw new UsageError(`role ${me.name} cannot create databases on ${where} (no CREATEDB); nothing was changed. Restore as a superuser, or ALTER ROLE ${me.name} CREATEDB`);
    }
    const missingSpc = g.tablespaces.filter((t) => !state.tablespaces.has(t.name));
    if (missingSpc.length && !me.superuser) {
      throw new UsageError(`only a superuser can create the tablespace(s) ${missingSpc.map((t) => t.name).join(', ')}; nothing was changed`);
    }

    // 2. Roles (one transaction), then tablespaces (CREATE TABLESPACE cannot run in one).
    const willCreate = new Set(missing.map((r) => r.name));
    const grants = membershipsToGrant(g, state, willCreate);
    const notGranted = membershipsMissingBetweenExisting(g, state, willCreate).map((m) => `${m.role} to ${m.member}`);
    for (const m of notGranted) logger.warn(`the snapshot has membership ${m} between existing roles, which the target lacks; not granted (existing roles are left as they are)`);
    if (missing.length || grants.length) {
      try {
        await admin.client.query(`BEGIN;\n${createRolesSql(q, missing, grants, state)}COMMIT;`);
      } catch (e) {
        await admin.client.query('ROLLBACK').catch(() => {});
        throw dbError(`creating the roles ${missing.map((r) => r.name).join(', ')} on ${where} failed (nothing was changed)`, e);
      }
      createdRoles.push(...missing.map((r) => r.name));
      if (missing.length) logger.info(`created role(s) ${createdRoles.join(', ')}`);
    }
    for (const t of missingSpc) {
      try {
        await admin.client.query(createTablespaceSql(q, t, state.serverVersionNum));
      } catch (e) {
        throw dbError(`creating tablespace ${t.name} at ${t.location} on ${where} failed (create the directory, owned by the server's user, and retry)`, e);
      }
      tablespacesCreated.push(t.name);
    }

    // 3. The database (under a temporary name with --swap), and the load.
    const useExisting = exists && opts.clean === true;
    const now = (opts.now ?? (() => new Date()))();
    const loadName = exists && opts.swap ? `${name.slice(0, 40)}_pgvault_${randomBytes(3).toString('hex')}` : name;
    if (!useExisting) {
      try {
        await admin.client.query(createDatabaseSql(q, g.database, loadName));
      } catch (e) {
        throw dbError(`creating database ${loadName} on ${where} failed (is the locale ${g.database.collate} available there?)`, e);
      }
      createdDb = loadName;
    }
    const target: ConnectionOptions = { ...server, database: loadName };
    const defaultLoad = (c: ConnectionOptions): Promise<RestoreIntoResult> => (opts.jobs !== undefined && opts.jobs > 1
      ? restoreParallel(repo, s, c, { jobs: opts.jobs, logger })
      : restoreInto(repo, s, c, { clean: useExisting, logger }));
    const load = await (opts.load ?? defaultLoad)(target);

    // 4. Database properties, then the swap.
    try {
      await admin.client.query(`ALTER DATABASE ${q.id(loadName)} OWNER TO ${q.id(g.database.owner)};\n` +
        databasePropertiesSql(q, g.database, loadName) + databaseAclSql(q, g.database, g.serverVersionNum, loadName));
    } catch (e) {
      throw dbError(`applying the properties of database ${name} (owner, settings, ACL) failed`, e);
    }
    let previousDatabase: string | undefined;
    if (exists && opts.swap) {
      previousDatabase = `${name.slice(0, 40)}_before_${stamp(now)}`;
      try {
        await admin.client.query(`BEGIN; ALTER DATABASE ${q.id(name)} RENAME TO ${q.id(previousDatabase)}; ` +
          `ALTER DATABASE ${q.id(loadName)} RENAME TO ${q.id(name)}; COMMIT;`);
      } catch (e) {
        await admin.client.query('ROLLBACK').catch(() => {});
        throw dbError(`swapping the restored database ${loadName} in for ${name} failed (sessions still connected to ${name}? ` +
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'); ${name} is unchanged`, e);
      }
      createdDb = undefined;
      logger.info(`swapped: ${name} is the restored database; the previous one is kept as ${previousDatabase}`);
    }
    createdDb = undefined;
    const result: RestoreCreateResult = {
      database: name, created: !useExisting, rolesCreated: createdRoles, tablespacesCreated, membershipsGranted: grants.map((m) => `${m.role} to ${m.member}`),
      roleDifferences: differences, membershipsMissing: notGranted, load, durationMs: Date.now() - started,
    };
    if (previousDatabase) result.previousDatabase = previousDatabase;
    return result;
  } catch (e) {
    // Leave the server as it was: drop what this restore created.
    if (createdDb) await admin.client.query(`DROP DATABASE IF EXISTS ${q.id(createdDb)} WITH (FORCE)`).catch(() => {});
    for (const t of tablespacesCreated) await admin.client.query(`DROP TABLESPACE IF EXISTS ${q.id(t)}`).catch(() => {});
    for (const r of [...createdRoles].reverse()) await admin.client.query(`DROP ROLE IF EXISTS ${q.id(r)}`).catch(() => {});
    throw e;
  } finally {
    await admin.close();
  }
}
