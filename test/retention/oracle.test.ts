/**
 * The restic oracle: for every generated case, restic 0.18 (`restic forget --dry-run --json`) and
 * pgvault's engine must keep and remove exactly the same snapshots, for the same reasons, and refuse
 * the same policies. See docs/retention.md ("How it is proven").
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPgvaultError, ExitCode } from '../../src/errors.js';
import { planForget, type ForgetFilter } from '../../src/retention/forget.js';
import { policyFromFlags, POLICY_FLAG_NAMES, type PolicyFlags } from '../../src/retention/flags.js';
import { DEFAULT_GROUP_BY, parseGroupBy } from '../../src/retention/group.js';
import type { PolicySnapshot } from '../../src/retention/policy.js';
import { buildCases, cron, zoneOffset, type CaseArgs, type OracleCase } from './cases.js';
import { ResticRepo, requireRestic, run, type ResticForgetGroup } from './restic-oracle.js';

interface Outcome { ok: true; groups: NormGroup[] }
interface Refusal { ok: false; message: string }
interface NormGroup { members: string[]; keep: [string, string[]][]; remove: string[] }

const norm = (groups: NormGroup[]): NormGroup[] => [...groups].sort((a, b) => (a.members[0]! < b.members[0]! ? -1 : 1));

function fromRestic(groups: ResticForgetGroup[]): NormGroup[] {
  return norm(groups.map((g) => {
    const reasons = new Map((g.reasons ?? []).map((r) => [r.snapshot.id, r.matches]));
    const keep = (g.keep ?? []).map((s) => s.id);
    const remove = (g.remove ?? []).map((s) => s.id);
    return { members: [...keep, ...remove].sort(), keep: keep.map((id) => [id, reasons.get(id) ?? []] as [string, string[]]), remove };
  }));
}

function resticArgs(a: CaseArgs): string[] {
  const out: string[] = [];
  for (const [k, flag] of Object.entries(POLICY_FLAG_NAMES) as [keyof PolicyFlags, string][]) {
    const v = a[k];
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) out.push(`${flag}=${x}`);
  }
  if (a.groupBy !== undefined) out.push(`--group-by=${a.groupBy.split(',').map((p) => (p === 'database' ? 'paths' : p)).join(',')}`);
  for (const h of a.host ?? []) out.push(`--host=${h}`);
  for (const d of a.db ?? []) out.push(`--path=/db/${d}`);
  for (const t of a.tag ?? []) out.push(`--tag=${t}`);
  if (a.unsafeAllowRemoveAll) out.push('--unsafe-allow-remove-all');
  return out;
}

function pgvaultDecide(snapshots: PolicySnapshot[], a: CaseArgs): Outcome | Refusal {
  try {
    const policy = policyFromFlags(a);
    const filter: ForgetFilter = {};
    if (a.host) filter.hosts = a.host;
    if (a.db) filter.databases = a.db;
    if (a.tag) filter.tags = a.tag;
    const groups = planForget(snapshots, policy, {
      groupBy: a.groupBy === undefined ? DEFAULT_GROUP_BY : parseGroupBy(a.groupBy), filter, unsafeAllowRemoveAll: a.unsafeAllowRemoveAll === true, now: new Date(),
    });
    return {
      ok: true,
      groups: norm(groups.map((g) => ({
        members: [...g.keep, ...g.remove].map((d) => d.snapshot.id).sort(),
        keep: g.keep.map((d) => [d.snapshot.id, d.reasons] as [string, string[]]),
        remove: g.remove.map((d) => d.snapshot.id),
      }))),
    };
  } catch (e) {
    assert.ok(isPgvaultError(e), `pgvault threw a non-operator error: ${String(e)}`);
    assert.equal(e.exitCode, ExitCode.USAGE, `a refused policy is a usage error: ${e.message}`);
    return { ok: false, message: e.message };
  }
}

type ResticOutcome = Awaited<ReturnType<ResticRepo['forget']>>;

/** One restic repository per case (a copy of a template): write the case's snapshots, ask restic. */
async function askRestic(template: ResticRepo, c: OracleCase): Promise<{ snapshots: PolicySnapshot[]; restic: ResticOutcome }> {
  const repo = template.fork();
  try {
    const snapshots = c.snapshots.map((s) => ({ id: repo.add(s), ...s }));
    return { snapshots, restic: await repo.forget(resticArgs(c.args)) };
  } finally {
    repo.cleanup();
  }
}

function compare(c: OracleCase, snapshots: PolicySnapshot[], restic: ResticOutcome): void {
  const ours = pgvaultDecide(snapshots, c.args);
  if (c.refuses) {
    assert.equal(restic.ok, false, `restic was expected to refuse (${c.refuses})`);
    if (!restic.ok) assert.match(restic.message, new RegExp(c.refuses.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
  }
  if (!restic.ok) {
    assert.equal(ours.ok, false, `restic refused (${restic.message}) but pgvault decided ${JSON.stringify(ours)}`);
    return;
  }
  assert.ok(ours.ok, `restic decided but pgvault refused: ${ours.ok ? '' : ours.message}`);
  assert.deepEqual(ours.groups, fromRestic(restic.groups));
}

describe('restic 0.18 oracle', () => {
  const cases = buildCases();
  const answers = new Map<OracleCase, { snapshots: PolicySnapshot[]; restic: ResticOutcome }>();
  let template: ResticRepo | undefined;

  before(async () => {
    requireRestic();
    template = await ResticRepo.create();
    const queue = [...cases];
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c; c = queue.shift()) answers.set(c, await askRestic(template!, c));
    };
    await Promise.all([worker(), worker()]);
  });
  after(() => template?.cleanup());

  test('the oracle is restic 0.18', async () => {
    const v = await run(['version'], {});
    assert.match(v.stdout, /^restic 0\.18\./);
  });

  test('cases are many and varied', () => {
    assert.ok(cases.length >= 80, `${cases.length} cases`);
    assert.ok(cases.reduce((n, c) => n + c.snapshots.length, 0) > 5000);
    assert.ok(cases.filter((c) => c.refuses).length >= 8);
  });

  for (const c of cases) {
    test(c.name, () => {
      const a = answers.get(c);
      assert.ok(a, 'restic was not asked');
      compare(c, a.snapshots, a.restic);
    });
  }
});

describe('restic backup --time records the local offset; both engines agree on those snapshots', () => {
  test('real restic backups under Europe/Berlin (DST), Etc/GMT+5 and Asia/Kolkata', async () => {
    const repo = await ResticRepo.create();
    try {
      const plan = [
        ...cron('2026-03-27', 3, ['06:00:00', '18:00:00'], 'Europe/Berlin', { host: 'real', database: 'f', tags: [] }).map((s) => ({ s, tz: 'Europe/Berlin' })),
        ...cron('2026-03-30', 2, ['23:30:00'], 'Etc/GMT+5', { host: 'real', database: 'f', tags: ['x'] }).map((s) => ({ s, tz: 'Etc/GMT+5' })),
        ...cron('2026-04-02', 1, ['02:15:00'], 'Asia/Kolkata', { host: 'real', database: 'f', tags: [] }).map((s) => ({ s, tz: 'Asia/Kolkata' })),
      ];
      for (const { s, tz } of plan) await repo.backup(s.time.slice(0, 19).replace('T', ' '), tz, s.host, s.tags);
      const listed = await repo.snapshots(['--host', 'real']);
      // restic stored each wall time with the offset that zone had then, exactly as pgvault records it.
      assert.deepEqual(listed.map((x) => x.time).sort(), plan.map((p) => p.s.time).sort());
      assert.ok(plan.some((p) => zoneOffset('Europe/Berlin', Date.parse(p.s.time)) === 120) && plan.some((p) => p.s.time.endsWith('+01:00')));
      const snapshots: PolicySnapshot[] = listed.map((x) => ({ id: x.id, time: x.time, host: x.hostname, database: 'f', tags: x.tags ?? [] }));
      for (const args of [{ keepDaily: '3', keepWeekly: '1' }, { keepHourly: '4', keepWithin: '1d' }, { keepLast: '2', keepTag: ['x'] }, { keepWithinDaily: '2d', keepMonthly: '5' }] as CaseArgs[]) {
        const restic = await repo.forget(resticArgs({ ...args, host: ['real'] }));
        assert.ok(restic.ok, JSON.stringify(restic));
        // restic groups by host+paths; these share one path, so host grouping is the same partition.
        const ours = pgvaultDecide(snapshots, { ...args, groupBy: 'host' });
        assert.ok(ours.ok);
        assert.deepEqual(ours.groups, fromRestic(restic.groups));
      }
    } finally {
      repo.cleanup();
    }
  });
});

describe('the one intentional difference: keep-within does not depend on the machine\'s time zone', () => {
  test('restic under TZ=Europe/Berlin moves the cut-off across a DST change by an hour; pgvault matches restic under TZ=UTC', async () => {
    const template = await ResticRepo.create();
    const repo = template.fork();
    try {
      // Newest at +02:00 (summer time); 10 days earlier Berlin was still at +01:00.
      const snapshots: PolicySnapshot[] = [
        { time: '2026-04-05T06:00:00+02:00', host: 'h', database: 'x', tags: [] },
        { time: '2026-03-26T05:30:00+01:00', host: 'h', database: 'x', tags: [] }, // 04:30Z: after 06:00+02:00 (04:00Z), before 06:00+01:00 (05:00Z)
      ].map((s) => ({ ...s, id: repo.add(s) }));
      const ask = async (tz: string): Promise<number> => {
        const r = await run(['forget', '--dry-run', '--no-lock', '--no-cache', '--json', '--keep-within', '10d'], { ...repo.env, TZ: tz });
        assert.equal(r.code, 0, r.stderr);
        return ((JSON.parse(r.stdout) as ResticForgetGroup[])[0]!.keep ?? []).length;
      };
      const ours = pgvaultDecide(snapshots, { keepWithin: '10d' });
      assert.ok(ours.ok);
      assert.equal(ours.groups[0]!.keep.length, 2);
      assert.equal(await ask('UTC'), 2);
      assert.equal(await ask('Europe/Berlin'), 1);
    } finally {
      repo.cleanup();
      template.cleanup();
    }
  });
});
