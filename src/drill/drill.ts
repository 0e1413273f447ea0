/**
 * Restore drill: rehearse the disaster recovery of each database on a scratch server, on schedule.
 * For a snapshot (normally the newest of each database): restore it onto the scratch server as a bare-
 * server restore does (missing roles created from the snapshot's globals, the database created with its
 * properties) under a temporary name, read every table back and compare it with the checksums recorded
 * at backup time, then drop the database and the roles the drill created. Records the recovery time
 * (restore = download + load, streamed together; verify) and the data age (how old the snapshot was:
 * what a real recovery at that moment would have lost).
 */
import { randomBytes } from 'node:crypto';
import { connect } from '../db/connect.js';
import type { ConnectionOptions } from '../db/connection.js';
import { redact } from '../redact.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import { restoreCreate } from '../restore/create.js';
import { compareTables } from '../restore/verify.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { exitCodeOf } from '../errors.js';

export interface DrillResult {
  database: string;
  snapshot: string;
  snapshotTime: string;
  ok: boolean;
  /** Seconds between the snapshot's time and the start of the drill. */
  dataAgeSeconds: number;
  /** Download + load (streamed together), verify, and everything (with creating and dropping the scratch database). */
  restoreSeconds: number;
  verifySeconds: number;
  recoverySeconds: number;
  tables: number;
  /** Tables whose rows, bytes or SHA-256 differ from the manifest. */
  mismatches: string[];
  rolesCreated: string[];
  error?: string;
  exitCode?: number;
}

export interface DrillOptions {
  now?: () => Date;
  logger?: Logger;
  jobs?: number;
  /** Keep the scratch database (for inspection); the drill's roles are then kept too. */
  keep?: boolean;
}

const seconds = (ms: number): number => Math.round(ms) / 1000;

export async function drillSnapshot(repo: Repository, s: Snapshot, scratch: ConnectionOptions, opts: DrillOptions = {}): Promise<DrillResult> {
  const now = opts.now ?? (() => new Date());
  const logger = opts.logger ?? silentLogger;
  const started = now();
  const t0 = Date.now();
  const name = `pgvault_drill_${randomBytes(4).toString('hex')}`;
  const base: DrillResult = {
    database: s.origin?.name ?? s.database, snapshot: s.id, snapshotTime: s.time, ok: false,
    dataAgeSeconds: Math.max(0, Math.round((started.getTime() - Date.parse(s.time)) / 1000)),
    restoreSeconds: 0, verifySeconds: 0, recoverySeconds: 0, tables: 0, mismatches: [], rolesCreated: [],
  };
  let created = false;
  let rolesCreated: string[] = [];
  try {
    const restoreOpts: Parameters<typeof restoreCreate>[3] = { database: name, keepExistingRoles: true, logger };
    if (opts.jobs !== undefined && opts.jobs > 1) restoreOpts.jobs = opts.jobs;
    const r = await restoreCreate(repo, s, scratch, restoreOpts);
    created = true;
    rolesCreated = r.rolesCreated;
    const restoreMs = Date.now() - t0;
    const t1 = Date.now();
    const checks = await compareTables(s, { ...scratch, database: name }, logger);
    const verifyMs = Date.now() - t1;
    const mismatches = checks.filter((c) => !c.ok).map((c) => c.table);
    return {
      ...base, ok: mismatches.length === 0, restoreSeconds: seconds(restoreMs), verifySeconds: seconds(verifyMs),
      recoverySeconds: seconds(Date.now() - t0), tables: checks.length, mismatches, rolesCreated,
      ...(mismatches.length ? { exitCode: 16 } : {}),
    };
  } catch (e) {
    const error = redact(e instanceof Error ? e.message : String(e));
    logger.error(`drill of ${base.database} (snapshot ${s.id.slice(0, 8)}) failed: ${error}`);
    return { ...base, recoverySeconds: seconds(Date.now() - t0), rolesCreated, error, exitCode: exitCodeOf(e) };
  } finally {
    if (created && !opts.keep) await dropScratch(scratch, name, rolesCreated, logger);
  }
}

/** Drop the drill's database, then the roles it created (best effort: a role that owns something elsewhere stays). */
async function dropScratch(scratch: ConnectionOptions, name: string, roles: readonly string[], logger: Logger): Promise<void> {
  const admin = { ...scratch };
  if (admin.database === undefined || admin.database === name) admin.database = 'postgres';
  try {
    const c = await connect(admin, { checkVersion: false });
    try {
      await c.client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      for (const r of [...roles].reverse()) {
        await c.client.query(`DROP ROLE IF EXISTS "${r.replace(/"/g, '""')}"`).catch((e: unknown) =>
          logger.warn(`drill: could not drop role ${r} it created on the scratch server: ${e instanceof Error ? e.message : String(e)}`));
      }
    } finally {
      await c.close();
    }
  } catch (e) {
    logger.warn(`drill: could not drop the scratch database ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Drill each snapshot in turn (one failing does not stop the others). */
export async function runDrill(repo: Repository, snapshots: readonly Snapshot[], scratch: ConnectionOptions, opts: DrillOptions = {}): Promise<DrillResult[]> {
  const out: DrillResult[] = [];
  for (const s of snapshots) {
    const r = await drillSnapshot(repo, s, scratch, opts);
    (opts.logger ?? silentLogger)[r.ok ? 'info' : 'error'](`drill ${r.database}: ${r.ok ? 'OK' : r.error ?? `MISMATCH in ${r.mismatches.join(', ')}`}, ` +
      `snapshot ${s.id.slice(0, 8)} (data age ${r.dataAgeSeconds} s), restore ${r.restoreSeconds} s, verify ${r.verifySeconds} s, recovery ${r.recoverySeconds} s`);
    out.push(r);
  }
  return out;
}
