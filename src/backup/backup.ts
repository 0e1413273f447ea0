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
import { crashPoint } from '../crash-points.js';
import { splitKeyLines } from './restrict-lines.js';
import { SchemaTextHash } from './schema-hash.js';
import { captureGlobals } from '../globals/capture.js';
import { listSnapshots } from '../snapshot/snapshots.js';
import { sourceKey } from '../snapshot/source.js';
import type { Snapshot } from '../snapshot/manifest.js';
import type { UploadStats } from '../repo/chunk-store.js';
import { keyColumnsOf, RowHasher } from '../layers/index.js';
import { LAYER_MIN_BYTES, planLayer, tablesOf } from '../layers/plan.js';
import { rowHashKey, TableLayerWriter } from '../layers/write.js';
import { missingBaseChunks, rowListMismatch } from '../layers/base-check.js';
import { GarbagePacer } from '../memory/garbage.js';

/** Bytes after the rows of a table-data part: `\.` and the two blank lines pg_dump writes. */
const COPY_TRAILER = Buffer.from('\\.\n\n\n');
const COPY_TRAILER_BYTES = COPY_TRAILER.length;
/** Dump bytes between two young-generation collections (docs/benchmarks.md, "Memory"). */
const GC_EVERY_BYTES = 8 * 1024 * 1024;
/**
 * `--jobs N`: COPY bytes each table range read ahead may hold before its connection pauses (the dump engine's
 * default is 8 MiB). A backup's chunking, compression and sealing consume more slowly than two COPYs produce, so
 * the ranges read ahead are always full and a larger buffer only holds memory: on the 1 GB set, `backup --jobs 2`
 * peaked at 143–172 MiB with 8 MiB and 136–140 with 2 MiB, as fast (docs/benchmarks.md, "Tenth pass").
 */
const BACKUP_PREFETCH_BYTES = 2 * 1024 * 1024;

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
  /**
   * Row-level layers for keyed tables (docs/incremental.md): `false` stores every table in the dump stream;
   * `minBytes` (default 4 MiB of relation size) is the smallest table layered when the parent did not layer it;
   * `window` the matcher's window (default 8192 rows).
   */
  layers?: boolean | { minBytes?: number; window?: number };
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
  // The manifest records the script's segment digest: every byte hashed once (docs/format.md "Segment digest").
  const dumpOpts: DumpOptions = { stableOrder: true, prefetchBytes: BACKUP_PREFETCH_BYTES, ...target.dump, scriptDigest: 'segments' };
  const source = describeConnection(target.connection);
  // What a bare server needs for this database (src/globals): read first, over a connection of its own.
  const globals = await captureGlobals(target.connection, { rolePasswords: target.rolePasswords === true });
  // Resolved once (environment, ~/.pgpass) for the identity and the dump connections.
  const resolved = resolveConnection(target.connection);
  const server = await readServerIdentity(resolved);
  const origin = { name: opts.name ?? resolved.database ?? '', systemIdentifier: server.systemIdentifier, port: server.port };
  const layerOpts = !opts.layers ? null : opts.layers === true ? { minBytes: LAYER_MIN_BYTES, window: undefined }
    : { minBytes: opts.layers.minBytes ?? LAYER_MIN_BYTES, window: opts.layers.window };
  // The parent: the newest snapshot of the same source (origin); its layered tables' bases are reused.
  let parent: Snapshot | undefined;
  if (layerOpts && origin.systemIdentifier && origin.name) {
    const same = (await listSnapshots(repo, {}, { unreadable: () => {} })).filter((x) => x.origin && sourceKey(x) === sourceKey({ host: '', database: '', origin }));
    parent = same[same.length - 1];
  }
  const parentTables = tablesOf(parent);
  const hashKey = layerOpts ? rowHashKey(repo) : null;
  const layerAdded: UploadStats = { newChunks: 0, newBytes: 0, storedBytes: 0 };
  /** Script bytes not in the dump stream (layered tables' rows): script offset = writer.offset + skipped. */
  let skipped = 0;
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
    const done = writer.offset + skipped;
    onProgress?.({ operation: 'backup', database: opts.name ?? resolved.database ?? '', done, ...(estimate !== undefined ? { total: Math.max(estimate, done), estimated: true } : {}), item });
  };
  const dump = dumpDatabase(resolved, dumpOpts);
  // The dump engine computes the script's digest already; the writer checks the size.
  const writer = repo.writer({ hash: false });
  // Each part starts a chunk (unless less than a minimum chunk is waiting, so tiny tables share
  // chunks): a table's data then deduplicates whatever changed before it in the script.
  const partCut = repo.settings.chunker.min;
  const parts: PartRecord[] = [];
  // The dump's socket reads and the chunks' compressed and sealed copies are dead once written: collect them every
  // few megabytes instead of letting up to 64 MiB of them stay resident (src/memory/garbage.ts).
  const pacer = new GarbagePacer(GC_EVERY_BYTES);
  let summary: DumpSummary;
  try {
    for (;;) {
      const next = await dump.next();
      if (next.done) { summary = next.value; break; }
      const part = next.value;
      await writer.cut(partCut);
      const offset = writer.offset + skipped;
      let plan = part.kind === 'table-data' && part.table && layerOpts
        ? planLayer(part.table, dumpOpts.stableOrder !== false, parentTables.get(part.table.qualified), layerOpts.minBytes) : null;
      // A delta reuses its base's chunks without re-reading them: prove they still exist first (as reused chunks
      // are proven, repo/verify-reused.ts); a base with a missing or truncated chunk is replaced by a new base.
      if (plan?.kind === 'delta') {
        const missing = await missingBaseChunks(repo, plan.base);
        if (missing.length > 0) {
          logger.warn(`the base of table ${part.name} (written ${plan.base.time}) has ${missing.length} missing or truncated chunk(s), e.g. data/${missing[0]}; ` +
            'writing a new base instead of a delta (run "pgvault check" to see which older snapshots it damaged)');
          plan = { kind: 'base' };
        }
      }
      if (plan?.kind === 'delta') {
        const mismatch = await rowListMismatch(repo, plan.base);
        if (mismatch) {
          logger.warn(`the base of table ${part.name} (written ${plan.base.time}) cannot steer a delta: ${mismatch}; writing a new base instead`);
          plan = { kind: 'base' };
        }
      }
      if (plan && part.table && hashKey && layerOpts) {
        // A layered table: its COPY line and trailer stay in the dump stream, its rows go to the layer.
        const lw = new TableLayerWriter(repo, new RowHasher(hashKey, keyColumnsOf(part.table.columns, part.table.orderKey ?? undefined)), plan,
          { time, what: `table ${part.name}`, ...(layerOpts.window ? { window: layerOpts.window } : {}) });
        const rowsHash = createHash('sha256');
        let header = true;
        let held: Uint8Array | null = null;
        let rowBytes = 0;
        for await (const piece of part.stream) {
          if (header) { await writer.write(piece); header = false; continue; }
          if (held) {
            rowsHash.update(held);
            rowBytes += held.length;
            await lw.write(held);
            skipped += held.length;
          }
          held = piece;
          pacer.count(piece.length);
          progressOf(part.name);
          crashPoint('during-dump');
        }
        if (!held || !COPY_TRAILER.equals(held)) throw new IntegrityError(`internal check failed: the data of ${part.name} does not end with the COPY terminator; no snapshot was written`);
        await writer.write(held);
        const written = await lw.finish();
        const st = part.stats();
        const sha256 = rowsHash.digest('hex');
        const layerRows = written.delta ? written.delta.rows : written.layer.base.rows;
        // Prove what the manifest records: the layer holds exactly the rows the dump engine read and hashed.
        if (!st || st.bytes !== rowBytes || st.sha256 !== sha256 || st.rows !== layerRows || (!written.delta && written.layer.base.sha256 !== st.sha256)) {
          throw new IntegrityError(`internal check failed: the rows layered for ${part.name} differ from the rows the dump read ` +
            `(${layerRows} rows, ${rowBytes} bytes instead of ${st?.rows ?? '?'} rows, ${st?.bytes ?? '?'} bytes); no snapshot was written`);
        }
        layerAdded.newChunks += written.added.newChunks;
        layerAdded.newBytes += written.added.newBytes;
        layerAdded.storedBytes += written.added.storedBytes;
        const length = writer.offset + skipped - offset;
        parts.push({ kind: part.kind, name: part.name, offset, length, table: {
          ...st, columns: part.table.columns, dataOffset: offset + length - COPY_TRAILER_BYTES - st.bytes, dataLength: st.bytes, layer: written.layer,
        } });
        logger.debug(`${st.qualified}: ${st.rows} rows, ${formatBytes(st.bytes)}, ` + (written.delta
          ? `delta: ${written.delta.literalRows} literal rows, ${written.delta.ops} ops against a base of ${written.layer.base.rows} rows`
          : 'new base'));
        continue;
      }
      // Schema parts are hashed without the per-dump random \restrict key, as they stream (tens of megabytes of DDL
      // for a schema of many objects: never held whole).
      const schemaHash = part.kind === 'prologue' || part.kind === 'epilogue' ? new SchemaTextHash() : null;
      const partHash = part.kind === 'table-data' || schemaHash ? null : createHash('sha256');
      for await (const piece of part.stream) {
        partHash?.update(piece);
        if (schemaHash) {
          schemaHash.update(piece);
          for (const seg of splitKeyLines(piece)) {
            if (seg.keyLine) await writer.cut();
            await writer.write(seg.bytes);
            if (seg.keyLine) await writer.cut();
          }
          pacer.count(piece.length);
          continue;
        }
        await writer.write(piece);
        pacer.count(piece.length);
        progressOf(part.name);
        if (part.kind === 'table-data') crashPoint('during-dump');
      }
      const length = writer.offset + skipped - offset;
      const rec: PartRecord = { kind: part.kind, name: part.name, offset, length };
      if (partHash) rec.sha256 = partHash.digest('hex');
      if (schemaHash) rec.sha256 = schemaHash.digest();
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
  const segments = summary.segments;
  if (segments === undefined) throw new IntegrityError(`internal check failed: the dump of ${summary.database} gave no segment digest; no snapshot was written`);
  if (saved.size + skipped !== summary.totalBytes) {
    throw new IntegrityError(`internal check failed: the dump of ${summary.database} has ${summary.totalBytes} bytes ` +
      `but ${saved.size + skipped} bytes were stored; no snapshot was written`);
  }
  const added: UploadStats = { newChunks: saved.added.newChunks + layerAdded.newChunks, newBytes: saved.added.newBytes + layerAdded.newBytes,
    storedBytes: saved.added.storedBytes + layerAdded.storedBytes };
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
    dump: { size: summary.totalBytes, segments, ...(skipped > 0 ? { stored: saved.size } : {}), chunks: saved.chunks, list: saved.list,
      options: recordedOptions(dumpOpts, summary) },
    parts,
    globals,
    ...(summary.unsupported.length > 0 ? { unsupported: summary.unsupported } : {}),
    added,
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
    `${added.newChunks} new chunks (${formatBytes(added.storedBytes)} stored) in ${formatSeconds(manifest.durationMs)}`);
  return { snapshotId, manifest };
}
