/**
 * `pgvault forget`: restic's retention flags and semantics (see docs/retention.md), then optionally
 * `--prune`. Deletes snapshot manifests only; prune frees the data.
 */
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { parseDurationMs } from '../../config/duration.js';
import { withLock } from '../../maintenance/locks.js';
import { DEFAULT_GRACE_MS, prune, type PrunePlan, type PruneResult } from '../../maintenance/prune.js';
import { policyFromFlags, type PolicyFlags } from '../../retention/flags.js';
import { forget, forgetIds, type ForgetFilter, type ForgetGroupResult, type ForgetIdsResult, type ForgetResult } from '../../retention/forget.js';
import { DEFAULT_GROUP_BY, formatGroupBy, parseGroupBy } from '../../retention/group.js';
import type { Decision } from '../../retention/policy.js';
import type { Snapshot } from '../../snapshot/manifest.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';
import { printPrune } from './prune.js';
import { addFilterFlags, collectList, hostnamesOf, type FilterFlags } from './snapshots.js';
import { addLockFlags, lockOptionsOf, type LockFlags } from './unlock.js';

interface ForgetFlags extends PolicyFlags, FilterFlags, LockFlags {
  groupBy?: string;
  dryRun?: boolean;
  unsafeAllowRemoveAll?: boolean;
  prune?: boolean;
  grace?: string;
}


export function register(program: Command): void {
  const cmd = program.command('forget')
    .description('remove snapshots according to a retention policy (restic\'s --keep-* rules, applied to each group of snapshots), or the snapshots named; data is freed by prune')
    .argument('[snapshot-id...]', 'remove exactly these snapshots (ids or unique prefixes) instead of applying a policy')
    .option('-l, --keep-last <n>', 'keep the last N snapshots ("unlimited" keeps all)')
    .option('-H, --keep-hourly <n>', 'keep the newest snapshot of each of the last N hours that have snapshots ("unlimited" = every hour)')
    .option('-d, --keep-daily <n>', 'keep the newest snapshot of each of the last N days that have snapshots')
    .option('-w, --keep-weekly <n>', 'keep the newest snapshot of each of the last N ISO weeks (Monday to Sunday) that have snapshots')
    .option('-m, --keep-monthly <n>', 'keep the newest snapshot of each of the last N months that have snapshots')
    .option('-y, --keep-yearly <n>', 'keep the newest snapshot of each of the last N years that have snapshots')
    .option('--keep-within <duration>', 'keep every snapshot newer than DURATION (e.g. 1y5m7d2h) before the group\'s newest snapshot')
    .option('--keep-within-hourly <duration>', 'keep hourly snapshots within DURATION of the newest snapshot')
    .option('--keep-within-daily <duration>', 'keep daily snapshots within DURATION of the newest snapshot')
    .option('--keep-within-weekly <duration>', 'keep weekly snapshots within DURATION of the newest snapshot')
    .option('--keep-within-monthly <duration>', 'keep monthly snapshots within DURATION of the newest snapshot')
    .option('--keep-within-yearly <duration>', 'keep yearly snapshots within DURATION of the newest snapshot')
    .option('--keep-tag <taglist>', 'keep snapshots that have all these tags (comma-separated; repeatable: any of the lists; \'\' = untagged)', collectList)
    .option('-g, --group-by <keys>', 'apply the policy to each group of snapshots with the same host, database and/or tags (\'\' = one group)', formatGroupBy(DEFAULT_GROUP_BY))
    .option('-n, --dry-run', 'show what would be kept and removed, remove nothing')
    .option('--unsafe-allow-remove-all', 'with no --keep-* rule and a --hostname/--db/--tag filter: remove every matching snapshot')
    .option('--prune', 'run prune afterwards if snapshots were removed (with --dry-run: show the prune plan)')
    .option('--grace <duration>', 'with --prune: never delete unreferenced data written less than this long ago', '24h');
  addFilterFlags(cmd);
  addLockFlags(cmd);
  cmd.action(async (refs: string[], f: ForgetFlags, c: Command) => {
    const g = globalsOf(c);
    const logger = loggerFor(g);
    // Parse everything before touching the repository.
    const policy = policyFromFlags(f);
    if (refs.length > 0) {
      const extra = Object.keys(f).filter((k) => k.startsWith('keep') || ['db', 'hostname', 'host', 'tag', 'unsafeAllowRemoveAll'].includes(k));
      if (extra.length > 0) throw new UsageError('give either snapshot ids or a policy/filter (--keep-*, --hostname, --db, --tag), not both');
    }
    const groupBy = parseGroupBy(f.groupBy ?? formatGroupBy(DEFAULT_GROUP_BY));
    const graceMs = f.grace === undefined ? DEFAULT_GRACE_MS : parseDurationMs(f.grace, '--grace');
    const filter: ForgetFilter = {};
    if (f.db) filter.databases = f.db;
    const hosts = hostnamesOf(f);
    if (hosts) filter.hosts = hosts;
    if (f.tag) filter.tags = f.tag;
    const opts = { groupBy, filter, dryRun: f.dryRun === true, unsafeAllowRemoveAll: f.unsafeAllowRemoveAll === true, logger };

    const repo = await openRepository(g, logger);
    try {
      const work = async (assertLocked?: () => void): Promise<void> => {
        if (refs.length > 0) {
          const byId = await forgetIds(repo, refs, { dryRun: opts.dryRun, logger });
          const pruned = f.prune ? await prune(repo, { graceMs, logger, dryRun: opts.dryRun, ...(assertLocked ? { assertLocked } : {}) }) : null;
          if (g.json) printJson({ dryRun: byId.dryRun, matched: byId.matched, removed: byId.removed, ...(pruned ? { prune: pruneJson(pruned) } : {}) });
          else printIds(byId, pruned);
          return;
        }
        const result = await forget(repo, policy, opts);
        let pruned: { plan: PrunePlan; result: PruneResult | null } | null = null;
        const removable = result.groups.reduce((n, gr) => n + gr.remove.length, 0);
        if (f.prune && removable > 0 && result.failed.length === 0) {
          pruned = await prune(repo, { graceMs, logger, dryRun: opts.dryRun, ...(assertLocked ? { assertLocked } : {}) });
        }
        if (g.json) printJson(jsonOf(result, pruned));
        else printHuman(result, pruned, f.prune === true, g.quiet === true);
        if (result.failed.length > 0) process.exitCode = ExitCode.PARTIAL_FAILURE;
      };
      if (opts.dryRun) await work();
      else await withLock(repo, 'exclusive', async (lock) => work(() => lock.assertHeld()), lockOptionsOf(f, 'forget', logger));
    } finally {
      await repo.close();
    }
  });
}

const summaryOf = (s: Snapshot): Record<string, unknown> => ({ id: s.id, short_id: s.id.slice(0, 8), time: s.time, host: s.host, database: s.database, tags: s.tags });

/** restic's `forget --json` group shape (host/database/tags key, keep, remove, reasons[].matches), wrapped with the outcome. */
function jsonOf(r: ForgetResult, pruned: { plan: PrunePlan; result: PruneResult | null } | null): Record<string, unknown> {
  return {
    policy: r.policy,
    dryRun: r.dryRun,
    groups: r.groups.map((gr: ForgetGroupResult) => ({
      host: gr.key.host ?? '', database: gr.key.database ?? '', ...(gr.key.server ? { server: gr.key.server } : {}), tags: gr.key.tags ?? null,
      keep: gr.keep.map((d) => summaryOf(d.snapshot)),
      remove: gr.remove.map((d) => summaryOf(d.snapshot)),
      reasons: gr.keep.map((d) => ({ snapshot: summaryOf(d.snapshot), matches: d.reasons })),
    })),
    removed: r.removed,
    failed: r.failed,
    ...(pruned ? { prune: pruneJson(pruned) } : {}),
  };
}

function pruneJson(p: { plan: PrunePlan; result: PruneResult | null }): Record<string, unknown> {
  return { dryRun: p.result === null, toDelete: { objects: p.plan.deleteData.length, bytes: p.plan.deleteBytes }, result: p.result };
}

function printIds(r: ForgetIdsResult, pruned: { plan: PrunePlan; result: PruneResult | null } | null): void {
  for (const m of r.matched) printLine(`${r.dryRun ? 'would remove' : 'removed'} snapshot ${m.id.slice(0, 8)} (${m.id})`);
  if (r.dryRun) printLine('dry run: nothing was changed');
  if (pruned) { printLine(); printPrune(pruned.plan, pruned.result); }
}

function table(list: Decision<Snapshot>[], withReasons: boolean): string {
  const headers = ['ID', 'Time', 'Host', 'Database', 'Tags', ...(withReasons ? ['Reasons'] : [])];
  return formatTable(headers, list.map((d) => [d.snapshot.id.slice(0, 8), d.snapshot.time, d.snapshot.host, d.snapshot.database,
    d.snapshot.tags.join(','), ...(withReasons ? [d.reasons.join(', ')] : [])]));
}

function printHuman(r: ForgetResult, pruned: { plan: PrunePlan; result: PruneResult | null } | null, wantedPrune: boolean, quiet: boolean): void {
  if (!quiet) {
    printLine(`Applying policy: ${r.policy}`);
    for (const gr of r.groups) {
      printLine();
      printLine(`snapshots for ${gr.description}:`);
      if (gr.keep.length) { printLine(`keep ${gr.keep.length} snapshot(s):`); printLine(table(gr.keep, true)); }
      if (gr.remove.length) { printLine(`remove ${gr.remove.length} snapshot(s):`); printLine(table(gr.remove, false)); }
    }
    printLine();
  }
  const removable = r.groups.reduce((n, gr) => n + gr.remove.length, 0);
  if (r.dryRun) printLine(`dry run: would remove ${removable} snapshot(s), nothing was changed`);
  else printLine(`removed ${r.removed.length} snapshot(s)` + (r.failed.length ? `; ${r.failed.length} could not be removed (see the log), run forget again` : ''));
  if (pruned) {
    printLine();
    printPrune(pruned.plan, pruned.result);
  } else if (wantedPrune && removable === 0) {
    printLine('no snapshot removed: prune not needed');
  }
}
