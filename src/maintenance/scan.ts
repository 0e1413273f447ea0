/**
 * Reading the whole repository's bookkeeping, shared by check and prune: every snapshot manifest,
 * every index object, the listing of data objects. Failures are collected per object (check reports
 * them; prune refuses to run on a repository it cannot fully read).
 */
import { PgvaultError } from '../errors.js';
import { Limiter } from '../repo/limiter.js';
import type { IndexEntry } from '../repo/records.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { loadSnapshot } from '../snapshot/snapshots.js';
import type { ObjectInfo } from '../store/types.js';
import { compareCodeUnits } from '../order.js';

export interface ObjectFailure {
  name: string;
  message: string;
}

export interface IndexObject {
  name: string;
  size: number;
  entries: IndexEntry[];
}

function failure(name: string, e: unknown): ObjectFailure {
  if (e instanceof PgvaultError) return { name, message: e.message };
  throw e; // not a repository problem (a bug): let it surface
}

export async function listNames(repo: Repository, kind: 'snapshots' | 'index'): Promise<string[]> {
  const names: string[] = [];
  for await (const o of repo.store.list(kind)) names.push(o.name);
  return names.sort();
}

/** Load the given snapshot manifests (default: all), collecting the ones that fail to decrypt or parse. */
export async function loadSnapshots(repo: Repository, names?: string[], concurrency = 16): Promise<{ snapshots: Snapshot[]; failures: ObjectFailure[] }> {
  const list = names ?? await listNames(repo, 'snapshots');
  const snapshots: Snapshot[] = [];
  const failures: ObjectFailure[] = [];
  const lim = new Limiter(concurrency);
  for (const name of list) {
    await lim.run(async () => {
      try {
        snapshots.push(await loadSnapshot(repo, name));
      } catch (e) {
        failures.push(failure(name, e));
      }
    });
  }
  await lim.drain();
  snapshots.sort((a, b) => compareCodeUnits(a.id, b.id));
  return { snapshots, failures };
}

export async function readIndexes(repo: Repository, concurrency = 16): Promise<{ indexes: IndexObject[]; failures: ObjectFailure[] }> {
  const infos: ObjectInfo[] = [];
  for await (const o of repo.store.list('index')) infos.push(o);
  const indexes: IndexObject[] = [];
  const failures: ObjectFailure[] = [];
  const lim = new Limiter(concurrency);
  for (const info of infos) {
    await lim.run(async () => {
      try {
        indexes.push({ name: info.name, size: info.size, entries: await repo.chunks.readIndex(info.name) });
      } catch (e) {
        failures.push(failure(info.name, e));
      }
    });
  }
  await lim.drain();
  indexes.sort((a, b) => compareCodeUnits(a.name, b.name));
  return { indexes, failures };
}

/** Every data object, by name (one listing, not one request per chunk). */
export async function listData(repo: Repository, withTimes = false): Promise<Map<string, ObjectInfo>> {
  const out = new Map<string, ObjectInfo>();
  for await (const o of repo.store.list('data', withTimes ? { modified: true } : undefined)) out.set(o.name, o);
  return out;
}

export function short(id: string): string {
  return id.slice(0, 12);
}
