/**
 * Prove that a backup restores: load the snapshot into a scratch database, then read every table back
 * with COPY exactly as the backup did (same columns, same order mode, same pinned session settings)
 * and compare row counts, byte counts and SHA-256 with what was recorded at backup time.
 *
 * Heap-order tables come back in the order they were loaded (COPY FROM appends to a fresh heap), so
 * the bytes are identical; key-ordered tables are read with the same ORDER BY.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DatabaseError } from '../errors.js';
import { onInterrupt } from '../interrupt.js';
import type { OnProgress } from '../progress/types.js';
import { connect } from '../db/connect.js';
import type { ConnectionOptions } from '../db/connection.js';
import { hashTableData, type TableHashSpec } from '../dump/index.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot, TableRecord } from '../snapshot/manifest.js';
import { restoreInto } from './into-db.js';

export interface TableCheck {
  table: string;
  expected: { rows: number; bytes: number; sha256: string };
  actual: { rows: number; bytes: number; sha256: string };
  ok: boolean;
}

export interface VerifyReport {
  snapshot: string;
  database: string;
  ok: boolean;
  tables: TableCheck[];
  restoreMs: number;
  checkMs: number;
  /** Objects the snapshot lacks (recorded at backup time with --allow-unsupported); [] when it is complete. */
  unsupported: { kind: string; name: string }[];
}


export async function verifySnapshot(repo: Repository, s: Snapshot, scratch: ConnectionOptions,
  opts: { clean?: boolean; logger?: Logger; onProgress?: OnProgress } = {}): Promise<VerifyReport> {
  const logger = opts.logger ?? silentLogger;
  const restored = await restoreInto(repo, s, scratch, { clean: opts.clean ?? false, logger, progressOperation: 'verify', ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
  const started = Date.now();
  const checks = await compareTables(s, scratch, logger);
  return {
    snapshot: s.id, database: s.database, ok: checks.every((x) => x.ok), tables: checks,
    restoreMs: restored.durationMs, checkMs: Date.now() - started, unsupported: s.unsupported ?? [],
  };
}

/**
 * Read every table of `s` back from the database at `conn` with COPY exactly as the backup did and
 * compare rows, bytes and SHA-256 with the manifest (used by verify and by restore drills).
 */
export async function compareTables(s: Snapshot, conn: ConnectionOptions, logger: Logger = silentLogger): Promise<TableCheck[]> {
  const c = await connect(conn, { checkVersion: false });
  const checks: TableCheck[] = [];
  try {
    await c.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    for (const part of s.parts) {
      const t = part.table;
      if (part.kind !== 'table-data' || !t) continue;
      // The dump engine's own definition of a table's hash (same session settings, same COPY statement).
      const spec: TableHashSpec = { qualified: t.qualified, columns: t.columns, order: t.order };
      if (t.orderKey) spec.orderKey = t.orderKey;
      if (t.filter !== undefined) spec.filter = t.filter;
      const actual = await hashTableData(c.client, spec, c.endpoint);
      const expected = { rows: t.rows, bytes: t.bytes, sha256: t.sha256 };
      const ok = actual.rows === expected.rows && actual.bytes === expected.bytes && actual.sha256 === expected.sha256;
      if (!ok) logger.error(`verify: ${t.qualified} differs: ${expected.rows} rows recorded, ${actual.rows} restored`);
      checks.push({ table: t.qualified, expected, actual, ok });
    }
    await c.client.query('COMMIT');
  } finally {
    await c.close();
  }
  return checks;
}

/**
 * Verify in a throwaway database: create `pgvault_verify_<random>` on the scratch server (the database
 * named in `server` is only used to connect; the role needs CREATEDB), verify there, drop it again.
 */
export async function verifyInTemporaryDatabase(repo: Repository, s: Snapshot, server: ConnectionOptions,
  opts: { logger?: Logger; keep?: boolean; onProgress?: OnProgress } = {}): Promise<VerifyReport & { scratchDatabase: string }> {
  const name = `pgvault_verify_${randomBytes(4).toString('hex')}`;
  const admin = await connect(server, { checkVersion: false });
  try {
    try {
      await admin.client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    } catch (e) {
      throw new DatabaseError(`cannot create the scratch database ${name} on ${admin.endpoint}: ${(e as Error).message}` +
        ' (verify needs a role with CREATEDB on the scratch server)', { cause: e });
    }
    const drop = async (): Promise<void> => { await admin.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`); };
    // Interrupted (Ctrl-C): the CLI drops the scratch database before exiting (src/interrupt.ts).
    const unregister = opts.keep ? () => {} : onInterrupt(`drop the scratch database ${name} on ${admin.endpoint}`, drop);
    try {
      const report = await verifySnapshot(repo, s, { ...server, database: name }, { logger: opts.logger ?? silentLogger, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      return { ...report, scratchDatabase: name };
    } finally {
      unregister();
      if (!opts.keep) await drop().catch(() => {});
    }
  } finally {
    await admin.close();
  }
}
