/** Saving, listing, filtering and resolving snapshots. */
import { IntegrityError, UsageError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import { Limiter } from '../repo/limiter.js';
import { decodeManifest, encodeManifest, type Snapshot, type SnapshotManifest } from './manifest.js';
import { parseTime } from './time.js';
import { hostSourceKey, selectByDatabase } from './source.js';
import { compareCodeUnits } from '../order.js';

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

/** A `snapshots/` object that cannot be read (damaged, swapped, of a newer format, or not a snapshot at all). */
export interface UnreadableSnapshot {
  /** Its name under `snapshots/`. */
  name: string;
  /** Why it cannot be read. */
  reason: string;
  /** The command (or step) that removes it. */
  fix: string;
}

export function isSnapshotId(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}

/** How to get rid of an unreadable object in `snapshots/`. */
export function removalHint(name: string): string {
  return isSnapshotId(name)
    ? `if that snapshot is lost, remove it with "pgvault forget ${name.slice(0, 12)}"`
    : `it is not a pgvault snapshot (the name is not a snapshot id): remove it with "pgvault forget ${name}" or delete snapshots/${name} from the store`;
}

export function describeUnreadable(u: UnreadableSnapshot): string {
  return `snapshot object snapshots/${u.name} cannot be read (${u.reason}); ${u.fix}`;
}

export interface ListOptions {
  /**
   * What to do with objects that cannot be read: 'warn' (default) skips them with a warning on the
   * repository's logger naming each one and the command that removes it; 'throw' fails with the first;
   * a function receives each one instead.
   */
  unreadable?: 'warn' | 'throw' | ((u: UnreadableSnapshot) => void);
  /** Only these object names (default: every object in `snapshots/`). */
  names?: readonly string[];
}

async function objectNames(repo: Repository): Promise<string[]> {
  const names: string[] = [];
  for await (const o of repo.store.list('snapshots')) names.push(o.name);
  return names;
}

/**
 * Every readable snapshot (optionally filtered), oldest first, and the objects of `snapshots/` that
 * cannot be read: one damaged manifest or a stray file never hides the others.
 */
export async function readSnapshots(repo: Repository, filter: SnapshotFilter = {}, names?: readonly string[]): Promise<{ snapshots: Snapshot[]; unreadable: UnreadableSnapshot[] }> {
  const list = names ?? await objectNames(repo);
  const out: Snapshot[] = [];
  const unreadable: UnreadableSnapshot[] = [];
  const lim = new Limiter(16);
  for (const n of list) {
    await lim.run(async () => {
      try {
        out.push(await loadSnapshot(repo, n));
      } catch (e) {
        if (!(e instanceof IntegrityError)) throw e; // the store failing is not a damaged object
        unreadable.push({ name: n, reason: e.message, fix: removalHint(n) });
      }
    });
  }
  await lim.drain();
  unreadable.sort((a, b) => compareCodeUnits(a.name, b.name));
  return { snapshots: filterSnapshots(out, filter).sort(byTime), unreadable };
}

function report(repo: Repository, unreadable: readonly UnreadableSnapshot[], how: ListOptions['unreadable']): void {
  if (unreadable.length === 0) return;
  if (how === 'throw') {
    const u = unreadable[0]!;
    throw new IntegrityError(describeUnreadable(u) + (unreadable.length > 1 ? ` (and ${unreadable.length - 1} more)` : ''), `snapshots/${u.name}`);
  }
  for (const u of unreadable) {
    if (typeof how === 'function') how(u);
    else repo.logger.warn(`${describeUnreadable(u)}; skipped`);
  }
}

/** Every readable snapshot (optionally filtered), oldest first; unreadable objects are reported as `opts.unreadable` says. */
export async function listSnapshots(repo: Repository, filter: SnapshotFilter = {}, opts: ListOptions = {}): Promise<Snapshot[]> {
  const { snapshots, unreadable } = await readSnapshots(repo, filter, opts.names);
  report(repo, unreadable, opts.unreadable);
  return snapshots;
}

export function byTime(a: Snapshot, b: Snapshot): number {
  return parseTime(a.time).date.getTime() - parseTime(b.time).date.getTime() || compareCodeUnits(a.id, b.id);
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
export async function resolveSnapshots(repo: Repository, ref: string, filter: SnapshotFilter = {}, opts: Pick<ListOptions, 'unreadable'> = {}): Promise<Snapshot[]> {
  if (ref === 'latest') {
    const all = await listSnapshots(repo, filter, opts);
    if (all.length === 0) throw new UsageError('there is no snapshot yet' + (filter.databases?.length ? ` of ${filter.databases.join(', ')}` : '') + ' in this repository');
    return latestPerDatabase(all);
  }
  if (!/^[0-9a-f]{1,64}$/.test(ref)) throw new UsageError(`"${ref}" is not a snapshot id (hex) or "latest"`);
  // Only the objects the prefix names are read: a damaged manifest elsewhere does not matter here.
  // (With a filter, every manifest is read: `--db` selects by origin within the whole listing.)
  const all = await objectNames(repo);
  const names = all.filter((n) => n.startsWith(ref));
  const filtered = Boolean(filter.databases?.length || filter.hosts?.length || filter.tags?.length);
  const read = await readSnapshots(repo, filter, filtered ? all : names);
  const snapshots = read.snapshots.filter((s) => s.id.startsWith(ref));
  const unreadable = read.unreadable.filter((u) => u.name.startsWith(ref));
  if (filtered) report(repo, read.unreadable.filter((u) => !u.name.startsWith(ref)), opts.unreadable);
  const hits = filtered ? [...snapshots.map((x) => x.id), ...unreadable.map((u) => u.name)] : names;
  if (hits.length > 1) {
    throw new UsageError(`snapshot id prefix ${ref} is ambiguous (${hits.map((n) => n.slice(0, 12)).join(', ')}); give more characters`);
  }
  if (unreadable.length === 1) {
    const u = unreadable[0]!;
    throw new IntegrityError(`${describeUnreadable(u)}. Restore another snapshot (list them with "pgvault snapshots"); ${u.fix}.`, `snapshots/${u.name}`);
  }
  if (snapshots.length === 0) {
    throw new UsageError(filtered && names.length === 1 ? `snapshot ${ref} does not match the --db/--host/--tag filter` : `no snapshot ${ref} in this repository; list them with "pgvault snapshots"`);
  }
  return snapshots;
}
