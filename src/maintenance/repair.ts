/**
 * `pgvault repair index` and `pgvault repair chunks` (docs/maintenance.md, "Repair").
 *
 * repair index: rebuild the index from what really exists, without trusting it:
 *   1. read every index object (unreadable ones are noted; they are replaced);
 *   2. list `data/` (one listing);
 *   3. read every snapshot manifest and its chunk lists: the plaintext length of every referenced chunk;
 *   4. every existing data object gets one entry: from a readable index object, else from a snapshot's
 *      reference (plaintext length) and the listing (stored size), else (unreferenced, unindexed) by
 *      downloading and verifying it; objects that fail verification are left out, so the next backup
 *      that needs them uploads them again. Entries naming missing objects are dropped;
 *   5. write the new index objects (sorted, content-addressed names), then delete every other index
 *      object (the unreadable ones included). Every host's chunk cache is rebuilt on its next run.
 *
 * repair chunks: chunks that `check --read-data` or a restore found damaged (or missing). Each named
 * chunk is downloaded and verified again; a damaged one is left out of a rebuilt index and then its
 * object is deleted, so the next backup that has the same content uploads it again. Intact chunks are
 * never touched. Old snapshots that used a damaged chunk stay damaged (check names them); new
 * backups are whole.
 *
 * Both run under the exclusive lock (the command takes it), like prune. Write order mirrors prune's:
 * new index first, then the old index objects, then data objects, so a crash leaves a consistent
 * repository and running the command again finishes the job.
 */
import { IntegrityError, PgvaultError, UsageError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { Limiter } from '../repo/limiter.js';
import type { IndexEntry } from '../repo/records.js';
import type { Repository } from '../repo/repository.js';
import { INDEX_ENTRIES_PER_OBJECT } from './prune.js';
import { listData, loadSnapshots, readIndexes, short } from './scan.js';
import { streamsOf } from '../snapshot/manifest.js';

export interface RepairOptions {
  logger?: Logger;
  /** Downloads/deletions in flight (default 8). */
  concurrency?: number;
  /** Called before each destructive step; throws to stop (e.g. `lock.assertHeld()`). */
  assertLocked?: () => void;
}

export interface RebuildIndexResult {
  /** Index objects read / unreadable (replaced). */
  indexRead: number;
  indexUnreadable: string[];
  dataObjects: number;
  /** Entries in the new index. */
  entries: number;
  /** Entries recovered from snapshot references (their index entry was lost). */
  fromSnapshots: number;
  /** Entries recovered by downloading an unreferenced, unindexed object. */
  fromData: number;
  /** Index entries dropped because their data object is missing. */
  droppedMissing: number;
  /** Data objects left out because they failed verification (uploaded again by the next backup that needs them). */
  damaged: string[];
  /** Snapshots whose chunk list could not be read (their chunks are indexed only if another source lists them). */
  unreadableSnapshots: string[];
  indexWritten: string[];
  indexDeleted: number;
}

function byId(a: IndexEntry, b: IndexEntry): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Rebuild the index (see the module comment). `exclude`: chunk ids to leave out (damaged chunks about to be deleted). */
export async function rebuildIndex(repo: Repository, opts: RepairOptions & { exclude?: ReadonlySet<string> } = {}): Promise<RebuildIndexResult> {
  const logger = opts.logger ?? silentLogger;
  const assertLocked = opts.assertLocked ?? ((): void => undefined);
  const concurrency = opts.concurrency ?? 8;
  const exclude = opts.exclude ?? new Set<string>();

  const { indexes, failures } = await readIndexes(repo);
  for (const f of failures) logger.warn(`index object index/${f.name} cannot be read (${f.message}); it will be replaced`);
  const data = await listData(repo);
  logger.info(`${indexes.length} readable index object(s), ${failures.length} unreadable, ${data.size} data object(s)`);

  const entries = new Map<string, IndexEntry>();
  let droppedMissing = 0;
  const seenMissing = new Set<string>();
  for (const ix of indexes) {
    for (const e of ix.entries) {
      if (exclude.has(e.id) || entries.has(e.id)) continue;
      const obj = data.get(e.id);
      if (!obj) {
        if (!seenMissing.has(e.id)) { seenMissing.add(e.id); droppedMissing++; }
        continue;
      }
      entries.set(e.id, { id: e.id, length: e.length, stored: obj.size });
    }
  }

  // Snapshot references give the plaintext length of chunks whose index entry was lost.
  const { snapshots, failures: snapFailures } = await loadSnapshots(repo);
  const unreadableSnapshots = snapFailures.map((f) => f.name);
  let fromSnapshots = 0;
  const recover = (id: string, length: number): void => {
    if (exclude.has(id) || entries.has(id)) return;
    const obj = data.get(id);
    if (!obj) return;
    entries.set(id, { id, length, stored: obj.size });
    fromSnapshots++;
  };
  for (const s of snapshots) {
    for (const st of streamsOf(s)) {
      for (const r of st.list) recover(r.id, r.length);
      try {
        for await (const r of repo.refs(st.list, `${st.what} of snapshot ${short(s.id)}`)) recover(r.id, r.length);
      } catch (e) {
        if (!(e instanceof PgvaultError)) throw e;
        if (!unreadableSnapshots.includes(s.id)) unreadableSnapshots.push(s.id);
        logger.warn(`the ${st.what} of snapshot ${short(s.id)} (database ${s.database}) cannot be read (${e.message}); "pgvault check" reports it`);
      }
    }
  }

  // What is left: data objects no index and no snapshot lists. Download and verify them for their length.
  const damaged: string[] = [];
  let fromData = 0;
  const lim = new Limiter(concurrency);
  for (const name of data.keys()) {
    if (entries.has(name) || exclude.has(name)) continue;
    await lim.run(async () => {
      try {
        const plain = await repo.chunks.load(name);
        entries.set(name, { id: name, length: plain.length, stored: data.get(name)!.size });
        fromData++;
      } catch (e) {
        if (!(e instanceof PgvaultError)) throw e;
        damaged.push(name);
        logger.warn(`data/${name} failed verification (${e.message}); left out of the index, so a backup that needs it uploads it again`);
      }
    });
  }
  await lim.drain();

  const sorted = [...entries.values()].sort(byId);
  const indexWritten: string[] = [];
  for (let i = 0; i < sorted.length; i += INDEX_ENTRIES_PER_OBJECT) {
    assertLocked();
    indexWritten.push(await repo.chunks.putIndex(sorted.slice(i, i + INDEX_ENTRIES_PER_OBJECT)));
  }
  const written = new Set(indexWritten);
  let indexDeleted = 0;
  const del = new Limiter(concurrency);
  for (const name of [...indexes.map((ix) => ix.name), ...failures.map((f) => f.name)]) {
    if (written.has(name)) continue;
    assertLocked();
    await del.run(async () => {
      await repo.store.delete('index', name);
      indexDeleted++;
    });
  }
  await del.drain();
  repo.chunks.resetKnown();
  logger.info(`index rebuilt: ${sorted.length} entries in ${indexWritten.length} object(s); ${indexDeleted} old index object(s) removed`);
  return {
    indexRead: indexes.length, indexUnreadable: failures.map((f) => f.name), dataObjects: data.size, entries: sorted.length,
    fromSnapshots, fromData, droppedMissing, damaged, unreadableSnapshots, indexWritten, indexDeleted,
  };
}

export interface ChunkVerdict {
  id: string;
  state: 'intact' | 'damaged' | 'missing';
  message?: string;
}

export interface RepairChunksResult {
  chunks: ChunkVerdict[];
  /** Damaged data objects deleted. */
  deleted: number;
  /** The index rebuild (null when every named chunk was intact: nothing to do). */
  index: RebuildIndexResult | null;
}

/** Full chunk ids for ids or unambiguous prefixes (at least 8 hex characters), from one listing of data/. */
async function resolveIds(repo: Repository, ids: readonly string[]): Promise<string[]> {
  const bad = ids.filter((i) => !/^[0-9a-f]{8,64}$/.test(i));
  if (bad.length > 0) throw new UsageError(`not a chunk id (8 to 64 lowercase hex characters, as "pgvault check" prints them): ${bad.join(', ')}`);
  const names = ids.some((i) => i.length < 64) ? [...(await listData(repo)).keys()] : [];
  const out = ids.map((p) => {
    if (p.length === 64) return p;
    const m = names.filter((n) => n.startsWith(p));
    if (m.length === 0) throw new UsageError(`no data object starts with ${p}; give the full id of a missing chunk (from "pgvault check")`);
    if (m.length > 1) throw new UsageError(`chunk prefix ${p} is ambiguous (${m.length} objects); give more characters`);
    return m[0]!;
  });
  return [...new Set(out)];
}

/** Verify the named chunks again; drop damaged and missing ones from the index and delete the damaged objects. */
export async function repairChunks(repo: Repository, ids: readonly string[], opts: RepairOptions = {}): Promise<RepairChunksResult> {
  const logger = opts.logger ?? silentLogger;
  const assertLocked = opts.assertLocked ?? ((): void => undefined);
  const full = await resolveIds(repo, ids);
  const chunks: ChunkVerdict[] = [];
  for (const id of full) {
    if (!(await repo.store.stat('data', id))) {
      chunks.push({ id, state: 'missing' });
      continue;
    }
    try {
      await repo.chunks.load(id);
      chunks.push({ id, state: 'intact' });
      logger.info(`data/${id} verifies: left as it is`);
    } catch (e) {
      if (!(e instanceof IntegrityError)) throw e; // the store failing is not damage: stop
      chunks.push({ id, state: 'damaged', message: e.message });
    }
  }
  const bad = chunks.filter((c) => c.state !== 'intact');
  if (bad.length === 0) return { chunks, deleted: 0, index: null };
  // Index first (no index may list a chunk whose object is about to go), then the objects.
  const index = await rebuildIndex(repo, { ...opts, exclude: new Set(bad.map((c) => c.id)) });
  let deleted = 0;
  for (const c of bad) {
    if (c.state !== 'damaged') continue;
    assertLocked();
    await repo.store.delete('data', c.id);
    deleted++;
    logger.info(`deleted damaged data/${c.id}`);
  }
  return { chunks, deleted, index };
}
