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
import { connect } from '../db/connect.js';
import type { ConnectionOptions } from '../db/connection.js';
import { copyOutSql, sessionSetupSql, type TableDataSpec } from '../dump/index.js';
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
}

function specOf(t: TableRecord): TableDataSpec {
  return {
    oid: 0, schema: t.schema, name: t.name, qualified: t.qualified, columns: t.columns,
    copyFromLine: '', orderKey: t.orderKey ?? null, estimatedBytes: 0,
  };
}

export async function verifySnapshot(repo: Repository, s: Snapshot, scratch: ConnectionOptions,
  opts: { clean?: boolean; logger?: Logger } = {}): Promise<VerifyReport> {
  const logger = opts.logger ?? silentLogger;
  const restored = await restoreInto(repo, s, scratch, { clean: opts.clean ?? false, logger });
  const started = Date.now();
  const c = await connect(scratch, { checkVersion: false });
  const checks: TableCheck[] = [];
  try {
    await c.client.query(sessionSetupSql());
    await c.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { to: copyTo } = await import('pg-copy-streams');
    for (const part of s.parts) {
      const t = part.table;
      if (part.kind !== 'table-data' || !t) continue;
      const sql = copyOutSql(specOf(t), t.order === 'ordered' && t.orderKey ? { kind: 'ordered', key: t.orderKey } : { kind: 'heap' });
      const hash = createHash('sha256');
      let bytes = 0;
      let rows = 0;
      for await (const chunk of c.client.query(copyTo(sql)) as AsyncIterable<Buffer>) {
        hash.update(chunk);
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
      }
      const actual = { rows, bytes, sha256: hash.digest('hex') };
      const expected = { rows: t.rows, bytes: t.bytes, sha256: t.sha256 };
      const ok = actual.rows === expected.rows && actual.bytes === expected.bytes && actual.sha256 === expected.sha256;
      if (!ok) logger.error(`verify: ${t.qualified} differs: ${expected.rows} rows recorded, ${actual.rows} restored`);
      checks.push({ table: t.qualified, expected, actual, ok });
    }
    await c.client.query('COMMIT');
  } finally {
    await c.close();
  }
  return {
    snapshot: s.id, database: s.database, ok: checks.every((x) => x.ok), tables: checks,
    restoreMs: restored.durationMs, checkMs: Date.now() - started,
  };
}

/**
 * Verify in a throwaway database: create `pgvault_verify_<random>` on the scratch server (the database
 * named in `server` is only used to connect; the role needs CREATEDB), verify there, drop it again.
 */
export async function verifyInTemporaryDatabase(repo: Repository, s: Snapshot, server: ConnectionOptions,
  opts: { logger?: Logger; keep?: boolean } = {}): Promise<VerifyReport & { scratchDatabase: string }> {
  const name = `pgvault_verify_${randomBytes(4).toString('hex')}`;
  const admin = await connect(server, { checkVersion: false });
  try {
    try {
      await admin.client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
    } catch (e) {
      throw new DatabaseError(`cannot create the scratch database ${name} on ${admin.endpoint}: ${(e as Error).message}` +
        ' (verify needs a role with CREATEDB on the scratch server)', { cause: e });
    }
    try {
      const report = await verifySnapshot(repo, s, { ...server, database: name }, { logger: opts.logger ?? silentLogger });
      return { ...report, scratchDatabase: name };
    } finally {
      if (!opts.keep) await admin.client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    }
  } finally {
    await admin.close();
  }
}
