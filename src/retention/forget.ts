/**
 * `forget`: apply a retention policy to each group of snapshots and delete the snapshot manifests it
 * does not keep (the data they reference stays until prune). Like restic 0.18:
 * - an empty policy is refused, unless `unsafeAllowRemoveAll` is set together with a snapshot filter;
 * - if the policy would keep none of a group's snapshots (e.g. `--keep-tag` matching nothing), the
 *   whole run is refused before anything is deleted, also in a dry run;
 * - everything is decided first, then deleted.
 */
import { ExitCode, IntegrityError, PgvaultError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { Limiter } from '../repo/limiter.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { listSnapshots } from '../snapshot/snapshots.js';
import { selectByDatabase } from '../snapshot/source.js';
import { DEFAULT_GROUP_BY, describeGroup, groupSnapshots, type GroupBy, type GroupKey } from './group.js';
import { applyPolicy, describePolicy, hasTags, isEmptyPolicy, parseTagList, validatePolicy, type Decision, type PolicySnapshot, type RetentionPolicy } from './policy.js';

export interface ForgetFilter {
  databases?: string[];
  hosts?: string[];
  /** `--tag` values: each is a comma-separated list that must all be present; several values = any of them (restic semantics, `''` = untagged). */
  tags?: string[];
}

export interface ForgetOptions {
  groupBy?: GroupBy;
  filter?: ForgetFilter;
  dryRun?: boolean;
  /** The clock that decides which snapshots are in the future (default: now). */
  now?: Date;
  /** restic's `--unsafe-allow-remove-all`: with an empty policy and a filter, remove every matching snapshot. */
  unsafeAllowRemoveAll?: boolean;
  logger?: Logger;
}

export interface ForgetGroupResult<S extends PolicySnapshot = Snapshot> {
  key: GroupKey;
  /** "host db1, database shop". */
  description: string;
  keep: Decision<S>[];
  remove: Decision<S>[];
}

export interface ForgetResult {
  /** "keep 7 daily, 4 weekly, 3 monthly snapshots". */
  policy: string;
  dryRun: boolean;
  groups: ForgetGroupResult[];
  /** Ids of the snapshots deleted (empty in a dry run). */
  removed: string[];
  /** Deletions that failed (the snapshot is still there; running forget again retries). */
  failed: { id: string; error: string }[];
}

export class RefusedError extends PgvaultError {
  constructor(message: string) {
    super('FORGET_REFUSED', ExitCode.USAGE, message);
  }
}

export function filterIsEmpty(f: ForgetFilter | undefined): boolean {
  return !f || (!f.databases?.length && !f.hosts?.length && !f.tags?.length);
}

/** Decide (pure): filter, group, and apply the policy to each group, refusing what restic refuses. */
export function planForget<S extends PolicySnapshot>(snapshots: readonly S[], policy: RetentionPolicy, opts: Omit<ForgetOptions, 'dryRun' | 'logger'> = {}): ForgetGroupResult<S>[] {
  const empty = isEmptyPolicy(policy);
  if (empty && opts.unsafeAllowRemoveAll && filterIsEmpty(opts.filter)) {
    throw new UsageError('--unsafe-allow-remove-all needs a snapshot filter (--hostname, --db or --tag): it would otherwise remove every snapshot in the repository');
  }
  validatePolicy(policy, { allowEmpty: empty && opts.unsafeAllowRemoveAll === true });
  const groups = groupSnapshots(filterForget(snapshots, opts.filter), opts.groupBy ?? DEFAULT_GROUP_BY);
  const out: ForgetGroupResult<S>[] = [];
  for (const g of groups) {
    const r = applyPolicy(g.snapshots, policy, opts.now);
    const description = describeGroup(g.key);
    if (!empty && r.keep.length === 0) {
      throw new RefusedError(`refusing to delete the last snapshot of group "${description}": the policy (${describePolicy(policy)}) keeps none of its ` +
        `${r.remove.length} snapshot(s), so nothing was deleted in any group. Check --keep-tag against the tags shown by "pgvault snapshots", ` +
        `add a --keep-last/--keep-daily rule, or narrow the run with --hostname/--db/--tag.`);
    }
    out.push({ key: g.key, description, keep: r.keep, remove: r.remove });
  }
  return out;
}

/** The snapshots that pass the filter: host and tags per snapshot, then `--db` (configured or database names, src/snapshot/source.ts). */
export function filterForget<S extends PolicySnapshot>(list: readonly S[], f: ForgetFilter | undefined): S[] {
  if (!f) return [...list];
  const rest = list.filter((s) => (!f.hosts?.length || f.hosts.includes(s.host)) &&
    (!f.tags?.length || f.tags.some((t) => hasTags(s.tags, parseTagList(t)))));
  return selectByDatabase(rest, f.databases);
}

export async function forget(repo: Repository, policy: RetentionPolicy, opts: ForgetOptions = {}): Promise<ForgetResult> {
  let snapshots: Snapshot[];
  try {
    snapshots = await listSnapshots(repo, { databases: opts.filter?.databases, hosts: opts.filter?.hosts }, { unreadable: 'throw' });
  } catch (e) {
    if (!(e instanceof IntegrityError)) throw e;
    const id = e.object?.startsWith('snapshots/') ? e.object.slice('snapshots/'.length) : undefined;
    throw new IntegrityError(`forget stopped before deleting anything: ${e.message}. A policy cannot be applied while a snapshot cannot be read. ` +
      `Run "pgvault check"; if that snapshot is lost, remove it with "pgvault forget ${id ? id.slice(0, 12) : '<id>'}" and run forget again.`, e.object, { cause: e });
  }
  const groups = planForget(snapshots, policy, opts);
  const result: ForgetResult = { policy: describePolicy(policy), dryRun: opts.dryRun === true, groups, removed: [], failed: [] };
  if (opts.dryRun) return result;
  const lim = new Limiter(8);
  for (const g of groups) {
    for (const d of g.remove) {
      const id = d.snapshot.id;
      await lim.run(async () => {
        try {
          await repo.store.delete('snapshots', id);
          result.removed.push(id);
          opts.logger?.debug(`removed snapshots/${id}`);
        } catch (e) {
          const error = e instanceof Error ? e.message : String(e);
          result.failed.push({ id, error });
          opts.logger?.error(`could not remove snapshots/${id}: ${error}; run forget again to retry`);
        }
      });
    }
  }
  await lim.drain();
  await recordForgotten(repo, result.removed, opts.logger);
  return result;
}

/** Tell this host's rollback check (repo/seen.ts) that these snapshots were removed on purpose. */
async function recordForgotten(repo: Repository, ids: readonly string[], logger: Logger | undefined): Promise<void> {
  try {
    await repo.seen?.forgotten(ids);
  } catch (e) {
    logger?.warn(`could not record the forgotten snapshots in the local cache (${(e as Error).message}); the next check may warn that they vanished`);
  }
}

export interface ForgetIdsResult {
  dryRun: boolean;
  /** Each reference given and the full snapshot id it names. */
  matched: { ref: string; id: string }[];
  removed: string[];
}

/**
 * `forget <id>...`: remove the named snapshots (full ids or unique prefixes). Works from object names
 * alone, so a snapshot whose manifest no longer decrypts can still be removed. Every reference is
 * resolved before anything is deleted. A stray object in `snapshots/` that is not a snapshot can be
 * removed by its exact name.
 */
export async function forgetIds(repo: Repository, refs: readonly string[], opts: { dryRun?: boolean; logger?: Logger } = {}): Promise<ForgetIdsResult> {
  const names: string[] = [];
  for await (const o of repo.store.list('snapshots')) names.push(o.name);
  const matched: { ref: string; id: string }[] = [];
  for (const ref of refs) {
    // A stray object that is not a snapshot (e.g. `Thumbs.db`) can be removed by its exact name.
    if (names.includes(ref)) {
      if (!matched.some((m) => m.id === ref)) matched.push({ ref, id: ref });
      continue;
    }
    const r = ref.trim().toLowerCase();
    if (!/^[0-9a-f]{1,64}$/.test(r)) throw new UsageError(`"${ref}" is not a snapshot id (hex) nor an object in snapshots/; list them with "pgvault snapshots"`);
    const hits = names.filter((n) => n.startsWith(r));
    if (hits.length === 0) throw new UsageError(`no snapshot ${ref} in this repository (nothing was removed); list them with "pgvault snapshots"`);
    if (hits.length > 1) throw new UsageError(`snapshot id prefix ${ref} is ambiguous (${hits.map((h) => h.slice(0, 12)).join(', ')}); give more characters (nothing was removed)`);
    if (!matched.some((m) => m.id === hits[0])) matched.push({ ref, id: hits[0]! });
  }
  const result: ForgetIdsResult = { dryRun: opts.dryRun === true, matched, removed: [] };
  if (opts.dryRun) return result;
  for (const m of matched) {
    await repo.store.delete('snapshots', m.id);
    result.removed.push(m.id);
    opts.logger?.debug(`removed snapshots/${m.id}`);
  }
  await recordForgotten(repo, result.removed, opts.logger);
  return result;
}
