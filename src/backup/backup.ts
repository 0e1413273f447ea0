/**
 * Backup: stream a database's dump straight into the repository (no temporary files), then write the
 * snapshot manifest, which is the commit point. Any failure means no snapshot; the chunks uploaded
 * before the failure are indexed so the next run reuses them.
 */
import { formatBytes, formatSeconds } from '../units.js';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { describeConnection, resolveConnection, type ConnectionOptions } from '../db/connection.js';
import { readServerIdentity } from '../db/identity.js';
import { dumpDatabase, type DumpOptions, type DumpSummary, type SchemaReader } from '../dump/index.js';
import { readSchema } from '../dump/schema/index.js';
import type { OnProgress } from '../progress/types.js';
import { IntegrityError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Repository } from '../repo/repository.js';
import { MANIFEST_VERSION, type PartRecord, type SnapshotManifest } from '../snapshot/manifest.js';
import { saveSnapshot } from '../snapshot/snapshots.js';
import { formatTime, parseSnapshotTime } from '../snapshot/time.js';
import { PGVAULT_VERSION } from '../version.js';
import { stripMetaCommands } from '../restore/into-db.js';
import { crashPoint } from '../crash-points.js';
import { splitKeyLines } from './restrict-lines.js';
import { captureGlobals } from '../globals/capture.js';

/** Bytes after the rows of a table-data part: `\.` and the two blank lines pg_dump writes. */
const COPY_TRAILER_BYTES = Buffer.byteLength('\\.\n\n\n');

export interface BackupTarget {
  connection: ConnectionOptions;
  dump?: DumpOptions;
  /** Record role password hashes in the globals (needs a role that can read pg_authid). */
  rolePasswords?: boolean;
}

export interface BackupOptions {
  /** Recorded host name (default: this machine's hostname). */
  host?: string;
  tags?: string[];
  /** RFC 3339 time to record instead of now (restic's `backup --time`); its UTC offset is kept. */
  time?: string;
  /**
   * The source's name recorded in `origin.name`: the configured name (`databases[].name`); default the
   * database name. Together with the server's identity it keys retention groups and `latest`.
   */
  name?: string;
  /** The clock (default: the system clock); `pgvault run` tests inject one. */
  now?: () => Date;
  logger?: Logger;
  /**
   * Called right before the manifest is written; throw (or reject) to abort, e.g. when the repository
   * lock was lost or removed (`RepositoryLock.confirmHeld`): then no snapshot is written.
   */
  beforeCommit?: () => void | Promise<void>;
  /** Progress (dump bytes written, of a total estimated from the catalog's relation sizes; current table). */
  onProgress?: OnProgress;
}

export interface BackupResult {
  snapshotId: string;
  manifest: SnapshotManifest;
}

/** Dump options that change the script's bytes, recorded in the manifest. */
function recordedOptions(d: DumpOptions, s: DumpSummary): Record<string, unknown> {
  const out: Record<string, unknown> = { stableOrder: s.stableOrder, jobs: s.jobs, isolation: s.isolation };
  for (const k of ['schemas', 'excludeSchemas', 'tables', 'excludeTables', 'excludeTableData', 'noOwner', 'noPrivileges', 'allowUnsupported'] as const) {
    if (d[k] !== undefined) out[k] = d[k];
  }
  return out;
}

export async function backupDatabase(repo: Repository, target: BackupTarget, opts: BackupOptions = {}): Promise<BackupResult> {
  const logger = opts.logger ?? silentLogger;
  const now = opts.now ?? (() => new Date());
  const started = now();
  const time = opts.time ? (parseSnapshotTime(opts.time, started), opts.time) : formatTime(started);
  // Backups read tables in key order unless told otherwise: heap order scatters changed and newly
  // inserted rows over the whole table and defeats deduplication (docs/benchmarks.md: after a 1 %
  // append, 1.9 MiB stored instead of 90 MiB, for about 8 % more time).
  const dumpOpts: DumpOptions = { stableOrder: true, ...target.dump };
  const source = describeConnection(target.connection);
  // What a bare server needs for this database (src/globals): read first, over a connection of its own.
  const globals = await captureGlobals(target.connection, { rolePasswords: target.rolePasswords === true });
  // Resolved once (environment, ~/.pgpass) for the identity and the dump connections.
  const resolved = resolveConnection(target.connection);
  const server = await readServerIdentity(resolved);
  // Progress: the total is estimated from the plan's relation sizes (pg_relation_size) when the schema is read.
  let estimate: number | undefined;
  const onProgress = opts.onProgress;
  if (onProgress) {
    const reader: SchemaReader = dumpOpts.schemaReader ?? readSchema;
    dumpOpts.schemaReader = async (client, o) => {
      const plan = await reader(client, o);
      estimate = plan.tables.reduce((n, t) => n + t.estimatedBytes, 0);
      return plan;
    };
  }
  const progressOf = (item: string): void => {
    onProgress?.({ operation: 'backup', database: opts.name ?? resolved.database ?? '', done: writer.offset, ...(estimate !== undefined ? { total: Math.max(estimate, writer.offset), estimated: true } : {}), item });
  };
  const dump = dumpDatabase(resolved, dumpOpts);
  // The dump engine hashes the whole script already; the writer checks the size.
  const writer = repo.writer({ hash: false });
  // Each part starts a chunk (unless less than a minimum chunk is waiting, so tiny tables share
  // chunks): a table's data then deduplicates whatever changed before it in the script.
  const partCut = repo.settings.chunker.min;
  const parts: PartRecord[] = [];
  let summary: DumpSummary;
  try {
    for (;;) {
      const next = await dump.next();
      if (next.done) { summary = next.value; break; }
      const part = next.value;
      await writer.cut(partCut);
      const offset = writer.offset;
      // Schema parts are kept (they are small) to hash them without the per-dump random \restrict key.
      const schemaText: Uint8Array[] | null = part.kind === 'prologue' || part.kind === 'epilogue' ? [] : null;
      const partHash = part.kind === 'table-data' || schemaText ? null : createHash('sha256');
      for await (const piece of part.stream) {
        partHash?.update(piece);
        if (schemaText) {
          schemaText.push(piece);
          for (const seg of splitKeyLines(piece)) {
            if (seg.keyLine) await writer.cut();
            await writer.write(seg.bytes);
            if (seg.keyLine) await writer.cut();
          }
          continue;
        }
        await writer.write(piece);
        progressOf(part.name);
        if (part.kind === 'table-data') crashPoint('during-dump');
      }
      const length = writer.offset - offset;
      const rec: PartRecord = { kind: part.kind, name: part.name, offset, length };
      if (partHash) rec.sha256 = partHash.digest('hex');
      if (schemaText) rec.sha256 = createHash('sha256').update(stripMetaCommands(Buffer.concat(schemaText).toString('utf8'))).digest('hex');
      const st = part.stats();
      if (part.kind === 'table-data' && st && part.table) {
        rec.table = {
          ...st, columns: part.table.columns,
          dataOffset: offset + length - COPY_TRAILER_BYTES - st.bytes, dataLength: st.bytes,
        };
        logger.debug(`${st.qualified}: ${st.rows} rows, ${formatBytes(st.bytes)}`);
      }
      parts.push(rec);
    }
  } catch (e) {
    await dump.return(undefined as never).catch(() => {});
    // Index what was uploaded so the next run reuses it; the failure itself is what we report.
    await repo.chunks.flush().catch(() => {});
    throw e;
  }
  const saved = await writer.finish();
  if (saved.size !== summary.totalBytes) {
    throw new IntegrityError(`internal check failed: the dump of ${summary.database} has ${summary.totalBytes} bytes ` +
      `but ${saved.size} bytes were stored; no snapshot was written`);
  }
  const finished = now();
  const manifest: SnapshotManifest = {
    version: MANIFEST_VERSION,
    time,
    host: opts.host ?? hostname(),
    tags: [...new Set(opts.tags ?? [])].sort(),
    database: summary.database,
    source,
    server: { version: summary.serverVersion, versionNum: summary.serverVersionNum },
    origin: { name: opts.name ?? summary.database, systemIdentifier: server.systemIdentifier, port: server.port },
    pgvaultVersion: PGVAULT_VERSION,
    dump: { size: saved.size, sha256: summary.sha256, chunks: saved.chunks, list: saved.list, options: recordedOptions(dumpOpts, summary) },
    parts,
    globals,
    ...(summary.unsupported.length > 0 ? { unsupported: summary.unsupported } : {}),
    added: saved.added,
    startedAt: started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - started.getTime(),
  };
  crashPoint('before-manifest');
  await opts.beforeCommit?.();
  const snapshotId = await saveSnapshot(repo, manifest);
  if (summary.unsupported.length > 0) {
    logger.warn(`snapshot ${snapshotId.slice(0, 8)} of ${summary.database} lacks ${summary.unsupported.length} object(s) pgvault cannot write `
      + `(--allow-unsupported): ${summary.unsupported.map((u) => `${u.kind} ${u.name}`).join('; ')}`);
  }
  logger.info(`snapshot ${snapshotId.slice(0, 8)} of ${summary.database}: ${formatBytes(saved.size)} dump, ` +
    `${saved.added.newChunks} new chunks (${formatBytes(saved.added.storedBytes)} stored) in ${formatSeconds(manifest.durationMs)}`);
  return { snapshotId, manifest };
}
