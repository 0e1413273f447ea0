/**
 * Results as Markdown and JSON: the machine (and its load at every stage), the data set, one table per
 * scenario, the same-run ratios between tools, and the goals of issue 7 with pass/miss and margin.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeLoad, loadWarning } from './machine.js';
import type { Row, Scenario, SuiteResult } from './suite.js';

const MiB = 2 ** 20;

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
  /** How far off (or the margin), in words. */
  detail: string;
}

function find(r: SuiteResult, scenario: Scenario, tool: string): Row | undefined {
  return r.rows.find((x) => x.scenario === scenario && x.tool === tool);
}

function toolLike(r: SuiteResult, scenario: Scenario, prefix: string): Row | undefined {
  return r.rows.find((x) => x.scenario === scenario && x.tool.startsWith(prefix));
}

const mib = (b: number | undefined): string => (b === undefined ? '' : (b / MiB).toFixed(1));
const ratio = (a: number, b: number): string => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** Same-run comparisons (every figure that compares tools is a ratio of two rows of this run). */
export function comparisons(r: SuiteResult): string[] {
  const out: string[] = [];
  const ceiling = find(r, 'ceiling', 'pg_dump -Fp > /dev/null');
  const pvFull = find(r, 'full', 'pgvault');
  const seedFull = toolLike(r, 'full', 'pg_dump|gzip');
  const stdinFull = toolLike(r, 'full', 'pg_dump | restic');
  if (ceiling && pvFull) out.push(`pgvault full backup takes ${ratio(pvFull.wallSeconds, ceiling.wallSeconds)} the time of \`pg_dump -Fp > /dev/null\``);
  if (seedFull && pvFull) out.push(`the ticket's pipeline takes ${ratio(seedFull.wallSeconds, pvFull.wallSeconds)} pgvault's time for a full backup`);
  if (stdinFull && pvFull) out.push(`\`pg_dump | restic --stdin\` takes ${ratio(stdinFull.wallSeconds, pvFull.wallSeconds)} pgvault's time for a full backup`);
  const cpu = (x: Row): number => x.userSeconds + x.sysSeconds;
  if (seedFull && stdinFull && pvFull) {
    out.push(`CPU seconds of a full backup (the tools' processes; the PostgreSQL server's own work is not included): pgvault ${cpu(pvFull).toFixed(1)}, ` +
      `the ticket's pipeline ${cpu(seedFull).toFixed(1)} (${ratio(cpu(seedFull), cpu(pvFull))} pgvault's), restic --stdin ${cpu(stdinFull).toFixed(1)} (${ratio(cpu(stdinFull), cpu(pvFull))})`);
    out.push(`stored by a full backup: pgvault ${mib(pvFull.addedBytes)} MiB, the ticket's pipeline ${mib(seedFull.addedBytes)} MiB (${ratio(seedFull.addedBytes ?? 0, pvFull.addedBytes ?? 0)}), restic --stdin ${mib(stdinFull.addedBytes)} MiB (${ratio(stdinFull.addedBytes ?? 0, pvFull.addedBytes ?? 0)})`);
  }
  for (const s of ['S1', 'S2'] as const) {
    const pv = find(r, s, 'pgvault');
    const pvs = find(r, s, 'pgvault --no-stable-order') ?? find(r, s, 'pgvault --stable-order');
    const seed = toolLike(r, s, 'pg_dump|gzip');
    const stdin = toolLike(r, s, 'pg_dump | restic');
    for (const p of [pv, pvs]) {
      if (!p) continue;
      if (seed) out.push(`${s}: ${p.tool} adds ${ratio(p.addedBytes ?? 0, seed.addedBytes ?? 0)} of what the ticket's pipeline adds (${mib(p.addedBytes)} vs ${mib(seed.addedBytes)} MiB)`);
      if (stdin) out.push(`${s}: ${p.tool} adds ${ratio(p.addedBytes ?? 0, stdin.addedBytes ?? 0)} of what restic --stdin adds (${mib(p.addedBytes)} vs ${mib(stdin.addedBytes)} MiB)`);
    }
  }
  const pvj = find(r, 'full', 'pgvault --jobs 2');
  if (pvj && pvFull) out.push(`--jobs 2 takes ${ratio(pvj.wallSeconds, pvFull.wallSeconds)} the time of --jobs 1`);
  const heapFull = find(r, 'full', 'pgvault --no-stable-order');
  if (heapFull && pvFull) out.push(`key order (the default) takes ${ratio(pvFull.wallSeconds, heapFull.wallSeconds)} the time of heap order (--no-stable-order) for a full backup`);
  const pvsFull = find(r, 'full', 'pgvault --stable-order');
  if (pvsFull && pvFull) out.push(`--stable-order takes ${ratio(pvsFull.wallSeconds, pvFull.wallSeconds)} the time of heap order (full backup)`);
  const rg = find(r, 'restore-gz', 'pgvault');
  const rs = r.rows.find((x) => x.scenario === 'restore-gz' && x.tool !== 'pgvault');
  if (rg && rs) out.push(`restore to .sql.gz: pgvault takes ${ratio(rg.wallSeconds, rs.wallSeconds)} the time restic takes to restore the .sql.gz`);
  const ri = r.rows.find((x) => x.scenario === 'restore-into' && x.tool.startsWith('pgvault'));
  const rp = r.rows.find((x) => x.scenario === 'restore-into' && x.tool.startsWith('gunzip'));
  if (ri && rp) out.push(`restore into a database: pgvault --into takes ${ratio(ri.wallSeconds, rp.wallSeconds)} the time of \`gunzip | psql\``);
  const s3 = r.rows.filter((x) => x.scenario === 's3-full');
  const slow = s3.filter((x) => !x.repo.includes('+0 ms'));
  if (slow.length > 1) {
    const base = slow[0]!;
    for (const x of slow.slice(1)) out.push(`S3 with ${base.repo.replace('S3, ', '')}: ${x.tool} takes ${ratio(x.wallSeconds, base.wallSeconds)} the time of ${base.tool}`);
  }
  for (const w of r.rows.filter((x) => x.scenario === 'week')) out.push(`week (${w.runs} runs): ${w.tool}: ${w.note}`);
  return out;
}

export function goals(r: SuiteResult): Goal[] {
  const is1g = r.preset === '1gb';
  const out: Goal[] = [];
  const scaleNote = is1g ? '' : ` (goal set for the 1 GB set; this is the ${r.preset} preset)`;
  const push = (goal: string, value: number | undefined, limit: number, fmt: (v: number) => string, unit: string): void => {
    if (value === undefined) { out.push({ goal, measured: 'not measured', met: null, detail: '' }); return; }
    const met = value <= limit;
    const detail = met ? `within by ${fmt(limit - value)} ${unit}` : `missed by ${fmt(value - limit)} ${unit} (${((value / limit - 1) * 100).toFixed(0)}% over)`;
    out.push({ goal: goal + scaleNote, measured: `${fmt(value)} ${unit}`, met: is1g ? met : null, detail });
  };
  const f1 = (v: number): string => v.toFixed(1);
  const f2 = (v: number): string => v.toFixed(2);
  push('full backup ≤ 9 s (pgvault default flags, local dir)', find(r, 'full', 'pgvault')?.wallSeconds, 9, f1, 's');
  const variants = ['pgvault', 'pgvault --no-stable-order', 'pgvault --stable-order'].filter((t) => find(r, 'full', t) ?? find(r, 'S2', t));
  for (const t of variants) push(`S2 (1% append) stores ≤ 5 MiB (${t})`, find(r, 'S2', t)?.addedBytes !== undefined ? find(r, 'S2', t)!.addedBytes! / MiB : undefined, 5, f1, 'MiB');
  const stdinS1 = toolLike(r, 'S1', 'pg_dump | restic');
  for (const t of variants) {
    const p = find(r, 'S1', t);
    push(`S1 stores ≤ 0.5× what restic --stdin stores (${t})`, p && stdinS1 ? (p.addedBytes ?? 0) / Math.max(1, stdinS1.addedBytes ?? 0) : undefined, 0.5, f2, '×');
  }
  for (const w of r.rows.filter((x) => x.scenario === 'week' && x.tool.startsWith('pgvault'))) {
    const first = (w.storedBytes ?? 0) - (w.addedBytes ?? 0);
    push(`a week of runs stores ≤ 2× one full backup (${w.tool})`, first > 0 ? (w.storedBytes ?? 0) / first : undefined, 2, f2, '×');
  }
  push('restore to .sql.gz ≤ 5 s', find(r, 'restore-gz', 'pgvault')?.wallSeconds, 5, f1, 's');
  const rss = r.rows.filter((x) => x.tool.startsWith('pgvault')).map((x) => x.peakRssMiB * 1.048576);
  push('peak RSS ≤ 256 MB (any pgvault run, MB = 10^6 bytes)', rss.length ? Math.max(...rss) : undefined, 256, (v) => v.toFixed(0), 'MB');
  return out;
}

function table(rows: Row[]): string {
  const head = '| tool | repository | wall (s) | MB/s | CPU user+sys (s) | peak RSS (MiB) | added (MiB) | stored (MiB) | objects | requests |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---|';
  const lines = rows.map((x) => {
    const req = x.requests ? `PUT ${x.requests.PUT}, GET ${x.requests.GET}, LIST ${x.requests.LIST}, HEAD ${x.requests.HEAD}, DEL ${x.requests.DELETE}` : '';
    return `| ${x.tool}${x.note ? ` — ${x.note}` : ''} | ${x.repo} | ${x.wallSeconds.toFixed(2)} | ${x.mbPerSec.toFixed(0)} | ${(x.userSeconds + x.sysSeconds).toFixed(1)} | ` +
      `${x.peakRssMiB.toFixed(0)} | ${mib(x.addedBytes)} | ${mib(x.storedBytes)} | ${x.objects ?? ''} | ${req} |`;
  });
  return [head, ...lines].join('\n');
}

const TITLES: Record<Scenario, string> = {
  ceiling: 'Ceiling: `pg_dump -Fp > /dev/null`',
  full: 'Full backup (empty repository)',
  S1: 'S1: pgbench run + 1% events appended + 0.5% events updated, then backup',
  S2: 'S2: 1% events appended (append only), then backup',
  'restore-gz': 'Restore the latest backup to a `.sql.gz` file',
  'restore-into': 'Restore the latest backup into an empty database',
  verify: 'Verify (restore into a temporary database and compare every table)',
  's3-full': 'Full backup to the local S3 server (s3rver), with injected latency',
  's3-restore-gz': 'Restore to `.sql.gz` from the local S3 server with injected latency',
  week: 'A week of twice-daily runs with changes between, each followed by forget --keep-daily 7 --keep-weekly 4 --keep-monthly 3 + prune',
};

export function toMarkdown(r: SuiteResult): string {
  const m = r.machine;
  const warn = loadWarning(r.loads.map((l) => l.load));
  const parts: string[] = [];
  parts.push(`# pgvault benchmark — preset \`${r.preset}\`, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`);
  parts.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB RAM, Linux ${m.kernel}, Node ${m.node}. pgvault: ${r.pgvaultRuns}. ` +
    `restic: ${r.restic.map((x) => `${x.version} (${x.path})`).join(', ')}.${r.missing.length ? ` Missing: ${r.missing.join('; ')}.` : ''}`);
  parts.push(`Load averages: ${r.loads.map((l) => `${l.label}: ${describeLoad(l.load)}`).join('; ')}.`);
  if (warn) parts.push(`> **${warn}**`);
  parts.push(`Data set: pgbench scale ${r.dataset.scale} + ${r.dataset.events.toLocaleString('en-US')} events rows = ${(r.dataset.sqlBytes / 1e6).toFixed(0)} MB of SQL ` +
    `(built in ${r.dataset.buildSeconds.toFixed(0)} s). Changes: ${r.changes.map((c) => `${c.round}: ${c.pgbenchTransactions} pgbench transactions, +${c.appended} events, ${c.updated} events updated`).join('; ')}. ` +
    'MB/s = MB (10^6 bytes) of SQL of that database state per wall second; sizes in MiB. CPU and peak RSS from GNU time (pipelines: all processes, RSS of the largest).');
  parts.push('## Same-run comparisons\n\n' + comparisons(r).map((c) => `- ${c}`).join('\n'));
  parts.push('## Goals (issue 7)\n\n| goal | measured | result |\n|---|---:|---|\n' +
    goals(r).map((g) => `| ${g.goal} | ${g.measured} | ${g.met === null ? 'n/a' : g.met ? 'met' : '**missed**'}${g.detail ? `: ${g.detail}` : ''} |`).join('\n'));
  for (const s of Object.keys(TITLES) as Scenario[]) {
    const rows = r.rows.filter((x) => x.scenario === s);
    if (rows.length) parts.push(`## ${TITLES[s]}\n\n${table(rows)}`);
  }
  return parts.join('\n\n') + '\n';
}

/** Write `<dir>/<name>.md` and `<dir>/<name>.json`; returns both paths. */
export function writeReport(r: SuiteResult, dir: string, name: string): { md: string; json: string } {
  mkdirSync(dir, { recursive: true });
  const md = join(dir, `${name}.md`);
  const json = join(dir, `${name}.json`);
  writeFileSync(md, toMarkdown(r));
  writeFileSync(json, JSON.stringify({ ...r, comparisons: comparisons(r), goals: goals(r), loadWarning: loadWarning(r.loads.map((l) => l.load)) }, null, 2) + '\n');
  return { md, json };
}
