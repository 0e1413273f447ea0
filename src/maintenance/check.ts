/**
 * `pgvault check`: is every snapshot restorable?
 *
 * Structure (always): every index object decrypts; every snapshot manifest decrypts and parses; every
 * chunk a snapshot references (its chunk-list chunks and every data chunk the list names) exists
 * (checked against one listing of `data/`, not one request per chunk) and is listed in an index
 * object; every index entry points at an existing data object (else backups would believe a missing
 * chunk exists and never upload it again). Reading a snapshot's references downloads and verifies its
 * chunk-list chunks. Data objects no snapshot references are reported for information (prune removes
 * them).
 *
 * With `readData`, every referenced data chunk (or the chosen subset, see subset.ts) is downloaded,
 * decrypted, decompressed and checked against its id and recorded length.
 */
import type { OnProgress } from '../progress/types.js';
import { IntegrityError, PgvaultError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import { KnownChunks } from '../repo/known-chunks.js';
import { Limiter } from '../repo/limiter.js';
import type { Repository } from '../repo/repository.js';
import { describeSubset, subsetFilter, type DataSubset } from './subset.js';
import { listData, listNames, loadSnapshots, readIndexes, short } from './scan.js';
import { streamsOf } from '../snapshot/manifest.js';
import { freeNow } from '../memory/free-now.js';

export type Severity = 'error' | 'info';

export interface CheckProblem {
  severity: Severity;
  code: 'snapshot-unreadable' | 'index-unreadable' | 'chunk-missing' | 'chunk-unindexed' | 'list-unreadable' | 'index-entry-missing' | 'chunk-damaged' | 'unreferenced';
  message: string;
  /** Object key concerned, e.g. `data/<id>`. */
  object?: string;
  snapshot?: string;
  database?: string;
}

export interface CheckOptions {
  /** Download and verify referenced data chunks (all of them, or `subset`). */
  readData?: boolean;
  subset?: DataSubset | null;
  /** Seed for a percentage subset (tests). */
  seed?: Uint8Array;
  /** Downloads in flight (default 8). */
  concurrency?: number;
  logger?: Logger;
  /** Told which snapshots were read (id, time, host), e.g. for the rollback check of repo/seen.ts. */
  onSnapshots?: (list: { id: string; time: string; host: string }[]) => void;
  /** Progress of --read-data: plaintext bytes of the selected chunks read and verified. */
  onProgress?: OnProgress;
}

export interface CheckReport {
  ok: boolean;
  snapshots: number;
  indexObjects: number;
  indexEntries: number;
  dataObjects: number;
  dataBytes: number;
  /** Distinct chunks referenced by the snapshots (list chunks and data chunks). */
  /** Distinct chunks the snapshots reference: of their dumps plus of their chunk lists. */
  referencedChunks: number;
  /** Distinct chunks of the dumps (what --read-data reads) and of the chunk lists. */
  referencedDumpChunks: number;
  referencedListChunks: number;
  unreferenced: { count: number; bytes: number };
  readData: { subset: string; selected: number; verified: number; bytes: number } | null;
  problems: CheckProblem[];
}

interface Selected {
  length: number;
  snapshot: string;
  database: string;
}

export async function checkRepository(repo: Repository, opts: CheckOptions = {}): Promise<CheckReport> {
  const logger = opts.logger ?? silentLogger;
  const problems: CheckProblem[] = [];
  const concurrency = opts.concurrency ?? 8;

  // Snapshots first, then indexes, then data (the order backups write them in reverse): a backup that
  // finishes while we check adds objects we may not see, but never references one we did not list.
  const snapshotNames = await listNames(repo, 'snapshots');
  logger.info(`checking ${snapshotNames.length} snapshot(s)`);
  const { snapshots, failures: snapFailures } = await loadSnapshots(repo, snapshotNames);
  opts.onSnapshots?.(snapshots.map((s) => ({ id: s.id, time: s.time, host: s.host })));
  for (const f of snapFailures) {
    problems.push({ severity: 'error', code: 'snapshot-unreadable', object: `snapshots/${f.name}`, snapshot: f.name,
      message: `snapshot ${short(f.name)} cannot be read: ${f.message}` });
  }

  const { indexes, failures: indexFailures } = await readIndexes(repo);
  for (const f of indexFailures) {
    problems.push({ severity: 'error', code: 'index-unreadable', object: `index/${f.name}`,
      message: `index object index/${f.name} cannot be read: ${f.message}. Run "pgvault repair index" to rebuild the index` });
  }
  const indexed = new KnownChunks();
  let indexEntries = 0;
  for (const ix of indexes) {
    for (const e of ix.entries) { indexed.add(e.id); indexEntries++; }
  }

  const data = await listData(repo);
  let dataBytes = 0;
  for (const o of data.values()) dataBytes += o.size;
  logger.info(`${indexes.length} index object(s) with ${indexEntries} entries, ${data.size} data object(s)`);

  // Index entries must point at existing data objects.
  const missingIndexed = new Set<string>();
  for (const ix of indexes) {
    for (const e of ix.entries) {
      if (!data.has(e.id) && !missingIndexed.has(e.id)) {
        missingIndexed.add(e.id);
        problems.push({ severity: 'error', code: 'index-entry-missing', object: `data/${e.id}`,
          message: `index/${short(ix.name)} lists chunk data/${e.id}, which does not exist: backups would reuse it without uploading it. ` +
            'Backups upload it again when they need it; "pgvault repair index" (or "pgvault prune") drops such entries.' });
      }
    }
  }

  const referenced = new KnownChunks();
  /** Chunks of the chunk lists vs chunks of the dump itself (--read-data reads the latter). */
  const listChunks = new KnownChunks();
  const dataChunks = new KnownChunks();
  const filter = opts.readData ? subsetFilter(opts.subset ?? null, opts.seed) : null;
  const selected = new Map<string, Selected>();
  const reportedMissing = new Set<string>();
  const chunkProblem = (id: string, snap: { id: string; database: string }, what: string): void => {
    const key = `${snap.id}/${id}`;
    if (!data.has(id)) {
      if (reportedMissing.has(key)) return;
      reportedMissing.add(key);
      problems.push({ severity: 'error', code: 'chunk-missing', object: `data/${id}`, snapshot: snap.id, database: snap.database,
        message: `snapshot ${short(snap.id)} (database ${snap.database}) references ${what} data/${id}, which is missing: that snapshot cannot be restored` });
    } else if (!indexed.has(id)) {
      if (reportedMissing.has(key)) return;
      reportedMissing.add(key);
      problems.push({ severity: 'error', code: 'chunk-unindexed', object: `data/${id}`, snapshot: snap.id, database: snap.database,
        message: `snapshot ${short(snap.id)} (database ${snap.database}) references ${what} data/${id}, which exists but is listed in no index object` });
    }
  };

  for (const s of snapshots) for (const st of streamsOf(s)) {
    let listOk = true;
    for (const ref of st.list) {
      referenced.add(ref.id);
      listChunks.add(ref.id);
      if (!data.has(ref.id)) listOk = false;
      chunkProblem(ref.id, s, `${st.what === 'chunk list' ? '' : `${st.what}: `}chunk-list chunk`);
    }
    if (!listOk) continue; // cannot read its references; the missing list chunk is reported
    try {
      for await (const ref of repo.refs(st.list, `${st.what} of snapshot ${short(s.id)}`)) {
        referenced.add(ref.id);
        dataChunks.add(ref.id);
        chunkProblem(ref.id, s, st.what === 'chunk list' ? 'chunk' : `${st.what}: chunk`);
        if (filter && data.has(ref.id) && !selected.has(ref.id) && filter(ref.id)) {
          selected.set(ref.id, { length: ref.length, snapshot: s.id, database: s.database });
        }
      }
    } catch (e) {
      if (!(e instanceof PgvaultError)) throw e;
      problems.push({ severity: 'error', code: 'list-unreadable', snapshot: s.id, database: s.database, object: e instanceof IntegrityError ? e.object : undefined,
        message: `the ${st.what} of snapshot ${short(s.id)} (database ${s.database}) cannot be read: ${e.message}` });
    }
  }

  let unrefCount = 0;
  let unrefBytes = 0;
  for (const o of data.values()) {
    if (!referenced.has(o.name)) { unrefCount++; unrefBytes += o.size; }
  }
  if (unrefCount > 0) {
    problems.push({ severity: 'info', code: 'unreferenced',
      message: `${unrefCount} data object(s) (${unrefBytes} bytes) are referenced by no snapshot (left by forget, or by a backup that failed or is still running); "pgvault prune" removes them` });
  }

  let readData: CheckReport['readData'] = null;
  if (opts.readData) {
    const subsetText = opts.subset ? describeSubset(opts.subset) : 'all';
    logger.info(`reading ${selected.size} data chunk(s) (${subsetText})`);
    let verified = 0;
    let bytes = 0;
    let total = 0;
    for (const sel of selected.values()) total += sel.length;
    let read = 0;
    const lim = new Limiter(concurrency);
    for (const [id, sel] of selected) {
      await lim.run(async () => {
        try {
          const plain = await repo.chunks.load(id);
          if (plain.length !== sel.length) {
            throw new IntegrityError(`chunk data/${id} has ${plain.length} bytes but the snapshot records ${sel.length}`, `data/${id}`);
          }
          verified++;
          bytes += plain.length;
          freeNow(plain); // the chunk's own plaintext (ChunkStore.load): nothing else holds it
        } catch (e) {
          if (!(e instanceof PgvaultError)) throw e;
          problems.push({ severity: 'error', code: 'chunk-damaged', object: `data/${id}`, snapshot: sel.snapshot, database: sel.database,
            message: `chunk data/${id} (used by snapshot ${short(sel.snapshot)} of database ${sel.database}) failed verification: ${e.message}. ` +
              `Run "pgvault repair chunks ${id}" so the next backup uploads it again` });
        }
        read += sel.length;
        opts.onProgress?.({ operation: 'check', done: read, total, item: `snapshot ${short(sel.snapshot)} (${sel.database})` });
      });
    }
    await lim.drain();
    readData = { subset: subsetText, selected: selected.size, verified, bytes };
  }

  return {
    ok: !problems.some((p) => p.severity === 'error'),
    snapshots: snapshotNames.length,
    indexObjects: indexes.length + indexFailures.length,
    indexEntries,
    dataObjects: data.size,
    dataBytes,
    referencedChunks: referenced.size,
    referencedDumpChunks: dataChunks.size,
    referencedListChunks: listChunks.size,
    unreferenced: { count: unrefCount, bytes: unrefBytes },
    readData,
    problems,
  };
}

/** The IntegrityError a failed check ends with (the CLI prints the problems first). */
export function checkFailure(report: CheckReport): IntegrityError {
  const errors = report.problems.filter((p) => p.severity === 'error');
  const first = errors[0];
  return new IntegrityError(`check found ${errors.length} error(s) in the repository` + (first ? `; first: ${first.message}` : '') +
    '. Snapshots named above may not restore; keep the repository as it is, run "pgvault check" again after any repair, and take a fresh backup.',
    first?.object);
}
