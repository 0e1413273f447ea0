/** Saving, listing, filtering and resolving snapshots. */
import { UsageError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import { Limiter } from '../repo/limiter.js';
import { decodeManifest, encodeManifest, type Snapshot, type SnapshotManifest } from './manifest.js';
import { parseTime } from './time.js';
import { hostSourceKey, selectByDatabase } from './source.js';

export async function saveSnapshot(repo: Repository, manifest: SnapshotManifest): Promise<string> {
  const bytes = encodeManifest(manifest);
  const id = repo.contentId(bytes);
  await repo.putSealed('snapshots', id, bytes);
  return id;
}

export async function loadSnapshot(repo: Repository, id: string): Promise<Snapshot> {
  return decodeManifest(await repo.getSealed('snapshots', id), id);
}

export interface SnapshotFilter {
  /** Configured names or database names (see selectByDatabase in ./source.ts). */
  databases?: string[];
  hosts?: string[];
  /** Each entry is a comma-separated AND-group; a snapshot matches if it matches any group (restic semantics). */
  tags?: string[];
}

/** restic's tag filter: each group is a comma-separated AND-list; groups are ORed; an empty group matches untagged snapshots. */
export function tagsMatch(snapshotTags: readonly string[], groups: readonly string[] | undefined): boolean {
  if (!groups || groups.length === 0) return true;
  return groups.some((g) => {
    const wanted = g.split(',').map((t) => t.trim()).filter(Boolean);
    return wanted.length === 0 ? snapshotTags.length === 0 : wanted.every((t) => snapshotTags.includes(t));
  });
}

/** The snapshots of `list` that pass the filter (host and tags per snapshot, then `--db` over what is left). */
export function filterSnapshots<S extends Snapshot>(list: readonly S[], f: SnapshotFilter): S[] {
  const rest = list.filter((s) => (!f.hosts?.length || f.hosts.includes(s.host)) && tagsMatch(s.tags, f.tags));
  return selectByDatabase(rest, f.databases);
}

/** Every snapshot (optionally filtered), oldest first. */
export async function listSnapshots(repo: Repository, filter: SnapshotFilter = {}): Promise<Snapshot[]> {
  const names: string[] = [];
  for await (const o of repo.store.list('snapshots')) names.push(o.name);
  const out: Snapshot[] = [];
  const lim = new Limiter(16);
  for (const n of names) await lim.run(async () => { out.push(await loadSnapshot(repo, n)); });
  await lim.drain();
  return filterSnapshots(out, filter).sort(byTime);
}

export function byTime(a: Snapshot, b: Snapshot): number {
  return parseTime(a.time).date.getTime() - parseTime(b.time).date.getTime() || a.id.localeCompare(b.id);
}

/** The newest snapshot of each source (host + source identity, ./source.ts) among `list` (sorted oldest first). */
export function latestPerDatabase(list: readonly Snapshot[]): Snapshot[] {
  const last = new Map<string, Snapshot>();
  for (const s of list) last.set(hostSourceKey(s), s);
  return [...last.values()].sort(byTime);
}

/**
 * Resolve `ref`: `latest` (the newest snapshot of each database matching the filter) or a unique
 * prefix of a snapshot id. Unknown or ambiguous ids are usage errors that say what to do.
 */
export async function resolveSnapshots(repo: Repository, ref: string, filter: SnapshotFilter = {}): Promise<Snapshot[]> {
  const all = await listSnapshots(repo, filter);
  if (ref === 'latest') {
    if (all.length === 0) throw new UsageError('there is no snapshot yet' + (filter.databases?.length ? ` of ${filter.databases.join(', ')}` : '') + ' in this repository');
    return latestPerDatabase(all);
  }
  if (!/^[0-9a-f]{1,64}$/.test(ref)) throw new UsageError(`"${ref}" is not a snapshot id (hex) or "latest"`);
  const hits = all.filter((s) => s.id.startsWith(ref));
  if (hits.length === 0) throw new UsageError(`no snapshot ${ref} in this repository; list them with "pgvault snapshots"`);
  if (hits.length > 1) throw new UsageError(`snapshot id prefix ${ref} is ambiguous (${hits.map((s) => s.id.slice(0, 12)).join(', ')}); give more characters`);
  return hits;
}
