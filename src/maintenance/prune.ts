/**
 * `pgvault prune`: delete the data objects no snapshot references, and compact the index.
 * The algorithm and its safety argument are in docs/maintenance.md ("Prune"); in short:
 *
 * Plan (read only):
 *   1. list and load every snapshot manifest, and collect every chunk they reference (list chunks and
 *      data chunks). Any unreadable manifest or chunk list aborts: we could not know what it needs;
 *   2. read every index object;
 *   3. list `data/` with modification times.
 *   A data object is deleted when no snapshot references it AND it was last written before
 *   `now - grace`: chunks uploaded by a backup that is still running (no manifest yet) are younger
 *   than the grace period and stay, whatever index does or does not list them yet.
 *
 * Execute (idempotent, resumable; each step is safe to crash after):
 *   1. re-list snapshots; chunks referenced by snapshots that appeared since planning are spared;
 *   2. write the new compacted index objects (every kept entry of every index object read, sorted,
 *      content-addressed names: rewriting after a crash produces the same objects);
 *   3. delete the superseded index objects: the known-chunk set of every host is now rebuilt from
 *      the new index, which does not list deleted chunks, so a later backup uploads them again;
 *   4. delete the data objects (on B2 every version: S3Store's all-versions delete);
 *   5. remove debris of killed processes: temporary files older than the grace period, stale locks.
 *   A crash anywhere leaves a consistent repository; running prune again finishes the job.
 */
import { formatBytes } from '../units.js';
import type { OnProgress } from '../progress/types.js';
import { IntegrityError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { ID_BYTES, KnownChunks } from '../repo/known-chunks.js';
import { Limiter } from '../repo/limiter.js';
import type { IndexEntry } from '../repo/records.js';
import type { Repository } from '../repo/repository.js';
import { streamsOf, type Snapshot } from '../snapshot/manifest.js';
import { removeLocks } from './locks.js';
import { listData, listNames, loadSnapshots, readIndexes, short } from './scan.js';
import { removalHint } from '../snapshot/snapshots.js';
import { compareCodeUnits } from '../order.js';

/** Chunks uploaded within this period are never deleted (an in-flight backup may not have committed yet). */
export const DEFAULT_GRACE_MS = 24 * 3_600_000;
/** Entries per compacted index object (44 bytes each: about 2 MiB). */
export const INDEX_ENTRIES_PER_OBJECT = 50_000;
/** Compact the index when there are more index objects than this, even with nothing to delete. */
const COMPACT_WHEN_MORE_THAN = 64;

export interface PruneOptions {
  /** Keep unreferenced data objects written less than this long ago (default 24 h). */
  graceMs?: number;
  /** Deletions in flight (default 8). */
  concurrency?: number;
  logger?: Logger;
  /** Clock, ms since epoch (tests). */
  now?: () => number;
  /** Called before each destructive step; throws to stop (e.g. `lock.assertHeld()`). */
  assertLocked?: () => void;
  /** Progress of the deletion of unreferenced data objects (bytes freed of the planned total). */
  onProgress?: OnProgress;
}

export interface PlannedDeletion {
  name: string;
  size: number;
  /** The chunk's index entry, when some index object lists it. */
  entry?: IndexEntry;
}

export interface PrunePlan {
  createdAt: string;
  graceMs: number;
  /** Snapshot manifests read while planning. */
  snapshotNames: string[];
  referencedChunks: number;
  dataObjects: number;
  dataBytes: number;
  /** Unreferenced data objects to delete. */
  deleteData: PlannedDeletion[];
  deleteBytes: number;
  /** Unreferenced data objects kept because they are younger than the grace period (or of unknown age). */
  keptRecent: { count: number; bytes: number };
  /** Referenced chunks that do not exist (the snapshots naming them are damaged; see "pgvault check"). */
  missingReferenced: { count: number; examples: string[] };
  /** Index rewrite: superseded objects and the entries of the compacted replacement. */
  index: {
    rewrite: boolean;
    supersede: { name: string; size: number }[];
    keptEntries: IndexEntry[];
    /** Entries dropped because their data object is missing (they would make backups skip a needed upload). */
    droppedMissing: number;
    /** Entries dropped because their chunk is deleted. */
    droppedDeleted: number;
  };
}

export interface PruneResult {
  deletedData: number;
  deletedBytes: number;
  /** Data objects spared because a snapshot written during the prune references them. */
  spared: number;
  indexWritten: string[];
  indexDeleted: number;
  indexBytesBefore: number;
  indexBytesAfter: number;
  /** Store deletes only hide objects (B2 key without deleteFiles): bytes stay billed until a lifecycle rule removes them. */
  hideOnly: boolean;
  /** Temporary files of killed writers (FsStore `.tmp-*`) older than the grace period, removed. */
  tempRemoved: number;
  /** Stale locks (of processes that are gone, or not refreshed for 30 minutes) removed. */
  staleLocksRemoved: number;
}

/** Every chunk a snapshot references: its chunk-list chunks and every data chunk the list names. */
async function addReferences(repo: Repository, s: Snapshot, into: KnownChunks): Promise<void> {
  // The dump stream, and for layered tables their base (even one written by a snapshot since forgotten), row list, op list and literal rows.
  for (const st of streamsOf(s)) {
    for (const r of st.list) into.add(r.id);
  }
  let what = 'chunk list';
  try {
    for (const st of streamsOf(s)) {
      what = st.what;
      for await (const r of repo.refs(st.list, `${st.what} of snapshot ${short(s.id)}`)) into.add(r.id);
    }
  } catch (e) {
    throw new IntegrityError(`prune stopped before deleting anything: the ${what} of snapshot ${short(s.id)} (database ${s.database}) cannot be read ` +
      `(${(e as Error).message}), so the chunks it needs are unknown. Run "pgvault check", then "pgvault forget ${short(s.id)}" if the snapshot is lost.`,
    e instanceof IntegrityError ? e.object : `snapshots/${s.id}`, { cause: e });
  }
}

async function referencesOf(repo: Repository, names: string[]): Promise<{ referenced: KnownChunks }> {
  const { snapshots, failures } = await loadSnapshots(repo, names);
  if (failures.length > 0) {
    const f = failures[0]!;
    const each = failures.slice(0, 5).map((x) => `snapshots/${x.name} (${x.message}; ${removalHint(x.name)})`).join('; ');
    throw new IntegrityError(`prune stopped before deleting anything: ${failures.length} object(s) in snapshots/ cannot be read, so the chunks they need are unknown: ` +
      `${each}${failures.length > 5 ? `; and ${failures.length - 5} more` : ''}. Run "pgvault check", remove what is lost, then prune again.`, `snapshots/${f.name}`);
  }
  const referenced = new KnownChunks();
  for (const s of snapshots) await addReferences(repo, s, referenced);
  return { referenced };
}

export async function planPrune(repo: Repository, opts: PruneOptions = {}): Promise<PrunePlan> {
  const logger = opts.logger ?? silentLogger;
  const now = (opts.now ?? Date.now)();
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`);
  const cutoff = now - graceMs;

  const snapshotNames = await listNames(repo, 'snapshots');
  logger.info(`reading ${snapshotNames.length} snapshot(s)`);
  const { referenced } = await referencesOf(repo, snapshotNames);

  const { indexes, failures } = await readIndexes(repo);
  if (failures.length > 0) {
    const f = failures[0]!;
    throw new IntegrityError(`prune stopped before deleting anything: index object index/${f.name} cannot be read (${f.message}). Run "pgvault check".`, `index/${f.name}`);
  }
  const entryOf = new Map<string, IndexEntry>();
  for (const ix of indexes) for (const e of ix.entries) if (!entryOf.has(e.id)) entryOf.set(e.id, e);

  const data = await listData(repo, true);
  let dataBytes = 0;
  const deleteData: PlannedDeletion[] = [];
  let deleteBytes = 0;
  let keptRecentCount = 0;
  let keptRecentBytes = 0;
  let unknownAge = 0;
  for (const o of data.values()) {
    dataBytes += o.size;
    if (referenced.has(o.name)) continue;
    const written = o.modified?.getTime();
    const old = graceMs === 0 || (written !== undefined && written < cutoff);
    if (!old) {
      keptRecentCount++;
      keptRecentBytes += o.size;
      if (written === undefined) unknownAge++;
      continue;
    }
    const entry = entryOf.get(o.name);
    deleteData.push(entry ? { name: o.name, size: o.size, entry } : { name: o.name, size: o.size });
    deleteBytes += o.size;
  }
  if (unknownAge > 0) {
    logger.warn(`${unknownAge} unreferenced data object(s) kept because the store does not report when they were written (needed for the grace period)`);
  }
  deleteData.sort((a, b) => compareCodeUnits(a.name, b.name));

  const missing: PrunePlan['missingReferenced'] = { count: 0, examples: [] };
  const ids = referenced.toSortedBuffer();
  for (let o = 0; o < ids.length; o += ID_BYTES) {
    const id = ids.toString('hex', o, o + ID_BYTES);
    if (!data.has(id)) { missing.count++; if (missing.examples.length < 10) missing.examples.push(id); }
  }
  if (missing.count > 0) {
    logger.error(`${missing.count} referenced chunk(s) do not exist (first: data/${missing.examples[0]!}): some snapshots cannot be restored; ` +
      'run "pgvault check" to see which. Prune goes on: it only deletes chunks no snapshot references.');
  }

  const deleting = new Set(deleteData.map((d) => d.name));
  const keptEntries: IndexEntry[] = [];
  let droppedMissing = 0;
  let droppedDeleted = 0;
  let duplicates = 0;
  for (const [id, e] of entryOf) {
    if (!data.has(id)) droppedMissing++;
    else if (deleting.has(id)) droppedDeleted++;
    else keptEntries.push(e);
  }
  for (const ix of indexes) duplicates += ix.entries.length;
  duplicates -= entryOf.size;
  keptEntries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const rewrite = indexes.length > 0 && (deleteData.length > 0 || droppedMissing > 0 || duplicates > 0 || indexes.length > COMPACT_WHEN_MORE_THAN);

  return {
    createdAt: new Date(now).toISOString(),
    graceMs,
    snapshotNames,
    referencedChunks: referenced.size,
    dataObjects: data.size,
    dataBytes,
    deleteData,
    deleteBytes,
    keptRecent: { count: keptRecentCount, bytes: keptRecentBytes },
    missingReferenced: missing,
    index: {
      rewrite,
      supersede: rewrite ? indexes.map((ix) => ({ name: ix.name, size: ix.size })) : [],
      keptEntries: rewrite ? keptEntries : [],
      droppedMissing: rewrite ? droppedMissing : 0,
      droppedDeleted: rewrite ? droppedDeleted : 0,
    },
  };
}

function hideOnly(repo: Repository): boolean {
  const s = repo.store as { deleteMode?: unknown };
  return s.deleteMode === 'hide';
}

export async function executePrune(repo: Repository, plan: PrunePlan, opts: PruneOptions = {}): Promise<PruneResult> {
  const logger = opts.logger ?? silentLogger;
  const assertLocked = opts.assertLocked ?? ((): void => undefined);
  const concurrency = opts.concurrency ?? 8;
  const result: PruneResult = {
    deletedData: 0, deletedBytes: 0, spared: 0, indexWritten: [], indexDeleted: 0,
    indexBytesBefore: plan.index.supersede.reduce((n, o) => n + o.size, 0), indexBytesAfter: 0, hideOnly: hideOnly(repo),
    tempRemoved: 0, staleLocksRemoved: 0,
  };

  // 1. Snapshots written since planning (a backup that ignored or predates our lock) keep their chunks.
  let deleteData = plan.deleteData;
  const known = new Set(plan.snapshotNames);
  const fresh = (await listNames(repo, 'snapshots')).filter((n) => !known.has(n));
  const rescued: IndexEntry[] = [];
  if (fresh.length > 0) {
    const { referenced } = await referencesOf(repo, fresh);
    const keep = deleteData.filter((d) => referenced.has(d.name));
    if (keep.length > 0) {
      logger.warn(`${fresh.length} snapshot(s) appeared while pruning; sparing ${keep.length} chunk(s) they reference`);
      deleteData = deleteData.filter((d) => !referenced.has(d.name));
      for (const d of keep) if (d.entry) rescued.push(d.entry);
      result.spared = keep.length;
    }
  }

  // 2. New compacted index first.
  if (plan.index.rewrite) {
    const entries = rescued.length ? [...plan.index.keptEntries, ...rescued].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) : plan.index.keptEntries;
    for (let i = 0; i < entries.length; i += INDEX_ENTRIES_PER_OBJECT) {
      assertLocked();
      const name = await repo.chunks.putIndex(entries.slice(i, i + INDEX_ENTRIES_PER_OBJECT));
      result.indexWritten.push(name);
    }
    const written = new Set(result.indexWritten);
    for await (const o of repo.store.list('index')) if (written.has(o.name)) result.indexBytesAfter += o.size;
    // 3. Then remove what it supersedes (never one of the objects just written: a rerun after a crash writes the same names).
    const lim = new Limiter(concurrency);
    for (const ix of plan.index.supersede) {
      if (written.has(ix.name)) continue;
      assertLocked();
      await lim.run(async () => {
        await repo.store.delete('index', ix.name);
        result.indexDeleted++;
      });
    }
    await lim.drain();
    logger.info(`index compacted: ${plan.index.supersede.length} object(s) replaced by ${result.indexWritten.length}`);
  } else if (rescued.length > 0) {
    result.indexWritten.push(await repo.chunks.putIndex(rescued));
  }
  repo.chunks.resetKnown();

  // 4. Data objects.
  const lim = new Limiter(concurrency);
  const total = deleteData.reduce((n, d) => n + d.size, 0);
  for (const d of deleteData) {
    assertLocked();
    await lim.run(async () => {
      await repo.store.delete('data', d.name);
      result.deletedData++;
      result.deletedBytes += d.size;
      opts.onProgress?.({ operation: 'prune', done: result.deletedBytes, total, item: `${result.deletedData} of ${deleteData.length} objects deleted` });
    });
  }
  await lim.drain();
  logger.info(`deleted ${result.deletedData} data object(s), ${formatBytes(result.deletedBytes)}`);

  // 5. Debris of killed processes: temporary files past the grace period, stale locks.
  if (repo.store.removeTemporary) {
    assertLocked();
    result.tempRemoved = await repo.store.removeTemporary(new Date(Date.parse(plan.createdAt) - plan.graceMs));
    if (result.tempRemoved > 0) logger.info(`removed ${result.tempRemoved} temporary file(s) left by interrupted writes`);
  }
  const stale = await removeLocks(repo, opts.now ? { now: opts.now } : {});
  result.staleLocksRemoved = stale.removed.length;
  for (const l of stale.removed) logger.info(`removed stale lock locks/${l.name} (${l.reason ?? 'stale'})`);
  if (result.hideOnly && result.deletedData > 0) {
    logger.warn('the store only hides deleted objects (delete mode "hide"): the bytes stay billed until a B2 lifecycle rule removes hidden versions; use a key with deleteFiles for prune');
  }
  return result;
}

/** Plan and (unless `dryRun`) execute. The caller holds the exclusive lock. */
export async function prune(repo: Repository, opts: PruneOptions & { dryRun?: boolean } = {}): Promise<{ plan: PrunePlan; result: PruneResult | null }> {
  const plan = await planPrune(repo, opts);
  if (opts.dryRun) return { plan, result: null };
  return { plan, result: await executePrune(repo, plan, opts) };
}
