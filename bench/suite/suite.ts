/**
 * The benchmark suite: builds the reference data set, then runs every tool through every scenario in
 * one go (same database states, same machine, same time window), and returns the figures.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startS3Server, type S3TestServer } from '../../test/helpers/s3.js';
import { applyChanges, buildDataset, freshDatabase, type ChangeRound, type Dataset } from './dataset.js';
import { startLatencyProxy, type LatencyProxy, type RequestCounts } from './latency-proxy.js';
import { currentLoad, machineInfo, type Load, type MachineInfo } from './machine.js';
import type { Measured } from './measure.js';
import { pgvaultCli, shownPath } from './pgvault-cli.js';
import { findRestic, Pgvault, pgDumpCeiling, psqlLoadGz, ResticStdin, SeedPipeline, type RunResult } from './tools.js';

export interface SuiteOptions {
  preset: string;
  /** pgbench scale factor. */
  scale: number;
  /** Rows of the events table. */
  events: number;
  /** pgbench seconds in change round S1. */
  s1Seconds: number;
  /** pgbench transactions between two runs of the week. */
  weekPgbenchTransactions: number;
  /** Backups in the week scenario (twice daily: 14). 0 skips it. */
  weekRuns: number;
  /**
   * Changes between the week's runs: `mixed` = pgbench transactions (random accounts rows) + 0.5 % events
   * appended + 0.1 % events updated all over the table; `append` = 0.5 % appended + 0.1 % updated among
   * the newest 2 % (an append-mostly application database), no pgbench.
   */
  weekChanges: 'mixed' | 'append';
  /** Injected S3 latency per request, ms. */
  latencyMs: number;
  /** Upload concurrencies tried against the delayed S3 server. */
  concurrencies: number[];
  /** Run the S3 scenarios. */
  s3: boolean;
  /** Run full backup, S1, S2, restores and verify (false: only S3 and/or week). */
  main: boolean;
  /** Create pgvault repositories with a cheap KDF (smoke: seconds instead of one Argon2id unlock per command). */
  cheapKdf: boolean;
  log: (line: string) => void;
}

export const PRESETS: Record<string, Omit<SuiteOptions, 'log' | 'preset'>> = {
  smoke: { scale: 1, events: 20000, s1Seconds: 1, weekPgbenchTransactions: 100, weekRuns: 2, weekChanges: 'mixed', latencyMs: 20, concurrencies: [4], s3: true, main: true, cheapKdf: true },
  '1gb': { scale: 50, events: 2_000_000, s1Seconds: 30, weekPgbenchTransactions: 2000, weekRuns: 14, weekChanges: 'mixed', latencyMs: 50, concurrencies: [2, 8, 32], s3: true, main: true, cheapKdf: false },
  '4gb': { scale: 200, events: 8_000_000, s1Seconds: 30, weekPgbenchTransactions: 2000, weekRuns: 0, weekChanges: 'mixed', latencyMs: 50, concurrencies: [8], s3: false, main: true, cheapKdf: false },
};

export type Scenario = 'ceiling' | 'full' | 'S1' | 'S2' | 'restore-gz' | 'restore-into' | 'verify' | 's3-full' | 's3-restore-gz' | 'week';

export interface Row {
  scenario: Scenario;
  tool: string;
  /** Where the repository lives. */
  repo: string;
  /** Bytes of the SQL script this run processed (the pgvault dump size of the same database state). */
  sqlBytes: number;
  wallSeconds: number;
  mbPerSec: number;
  userSeconds: number;
  sysSeconds: number;
  peakRssMiB: number;
  addedBytes?: number;
  storedBytes?: number;
  objects?: number;
  requests?: RequestCounts;
  /** Runs aggregated in this row (week). */
  runs?: number;
  note?: string;
}

export interface SuiteResult {
  preset: string;
  options: Omit<SuiteOptions, 'log'>;
  machine: MachineInfo;
  loads: { label: string; load: Load }[];
  startedAt: string;
  finishedAt: string;
  pgvaultRuns: string;
  restic: { path: string; version: string }[];
  missing: string[];
  dataset: { scale: number; events: number; sqlBytes: number; buildSeconds: number };
  changes: { round: string; pgbenchTransactions: number; appended: number; updated: number }[];
  rows: Row[];
}

function row(scenario: Scenario, tool: string, repo: string, sqlBytes: number, m: Measured, extra: Partial<Row> = {}): Row {
  return {
    scenario, tool, repo, sqlBytes, wallSeconds: m.wallSeconds, mbPerSec: sqlBytes / 1e6 / m.wallSeconds,
    userSeconds: m.userSeconds, sysSeconds: m.sysSeconds, peakRssMiB: m.peakRssMiB, ...extra,
  };
}

function stored(r: RunResult): Partial<Row> {
  return { addedBytes: r.addedBytes, storedBytes: r.storedBytes, objects: r.objects };
}

/** Total size and count of the objects under a bucket prefix (for S3 repositories). */
async function s3Size(endpoint: string, bucket: string, prefix: string, credentials: { accessKeyId: string; secretAccessKey: string }): Promise<{ bytes: number; objects: number }> {
  const { S3Client, ListObjectsV2Command } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  let bytes = 0;
  let objects = 0;
  let token: string | undefined;
  try {
    do {
      const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) { bytes += o.Size ?? 0; objects++; }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  } finally {
    client.destroy();
  }
  return { bytes, objects };
}

/** RFC 3339 times of the fake clock: run i happens 12 h after run i-1. */
function clock(base: string, i: number): { time: string; stamp: string } {
  const d = new Date(Date.parse(base) + i * 12 * 3_600_000);
  const iso = d.toISOString().replace(/\.\d+Z$/, 'Z');
  return { time: iso, stamp: iso.slice(0, 19).replace(/[-:]/g, '').replace('T', '_') };
}

export async function runSuite(o: SuiteOptions): Promise<SuiteResult> {
  const log = o.log;
  const startedAt = new Date().toISOString();
  const loads: SuiteResult['loads'] = [{ label: 'start', load: currentLoad() }];
  const mark = (label: string): void => { loads.push({ label, load: currentLoad() }); };
  const missing: string[] = [];
  const restics = findRestic();
  if (!restics.some((r) => r.path.endsWith('/usr/bin/restic'))) missing.push("Debian 12's restic 0.14 (/usr/bin/restic; apt-get install restic)");
  if (restics.length === 0) throw new Error('no restic binary: run `bash scripts/fetch-restic.sh` (restic 0.18) or `apt-get install restic`');
  const restic = restics[0]!;
  const cli = await pgvaultCli(log);
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-suite-'));
  const rows: Row[] = [];
  const changes: SuiteResult['changes'] = [];
  const add = (r: Row): void => {
    rows.push(r);
    const st = r.addedBytes !== undefined ? `, +${(r.addedBytes / 2 ** 20).toFixed(1)} MiB` : '';
    log(`  ${r.scenario.padEnd(13)} ${r.tool.padEnd(34)} ${r.wallSeconds.toFixed(2).padStart(7)} s  ${r.mbPerSec.toFixed(0).padStart(4)} MB/s  ` +
      `cpu ${(r.userSeconds + r.sysSeconds).toFixed(1)} s  rss ${r.peakRssMiB.toFixed(0)} MiB${st}`);
  };
  let ds: Dataset | undefined;
  let s3: S3TestServer | undefined;
  let proxy: LatencyProxy | undefined;
  try {
    const t0 = Date.now();
    ds = await buildDataset({ scale: o.scale, events: o.events, log });
    const buildSeconds = (Date.now() - t0) / 1000;
    mark('dataset built');
    const db = ds.db;
    const base = '2026-11-02T06:00:00Z';
    const resticLabel = `restic ${restic.version.split(' ')[1] ?? ''}`.trim();
    const seed = new SeedPipeline(work, restic.path, `pg_dump|gzip + ${resticLabel} backup`);
    const stdin = new ResticStdin(work, restic.path, `pg_dump | ${resticLabel} --stdin`);
    // Backups read tables in key order by default (stable order); the heap-order variant shows what that buys.
    const pv = new Pgvault({ name: 'pgvault', work, cli });
    const pvHeap = new Pgvault({ name: 'pgvault --no-stable-order', work, cli, flags: ['--no-stable-order'] });
    const pvJobs = new Pgvault({ name: 'pgvault --jobs 2', work, cli, flags: ['--jobs', '2'] });
    let sql0 = 0;
    let sqlNow = 0;
    if (o.main) {
      for (const t of [seed, stdin]) await t.init();
      for (const t of [pv, pvHeap, pvJobs]) await t.init({ cheapKdf: o.cheapKdf });

      // --- full backup
      log('full backup ...');
      const c0 = clock(base, 0);
      const first = await pv.backup(db, c0.time);
      sql0 = first.backup.size;
      add(row('ceiling', 'pg_dump -Fp > /dev/null', '-', sql0, await pgDumpCeiling(db)));
      add(row('full', pv.name, 'local dir', sql0, first, stored(first)));
      add(row('full', seed.name, 'local dir', sql0, ...((r) => [r, stored(r)] as const)(await seed.backup(db, c0.stamp, c0.time))));
      add(row('full', stdin.name, 'local dir', sql0, ...((r) => [r, stored(r)] as const)(await stdin.backup(db, c0.time))));
      add(row('full', pvHeap.name, 'local dir', sql0, ...((r) => [r, stored(r)] as const)(await pvHeap.backup(db, c0.time))));
      add(row('full', pvJobs.name, 'local dir', sql0, ...((r) => [r, stored(r)] as const)(await pvJobs.backup(db, c0.time))));
      mark('full done');

      // --- change rounds
      const rounds: [Scenario, ChangeRound][] = [
        ['S1', { pgbenchSeconds: o.s1Seconds, appendFraction: 0.01, updateFraction: 0.005, round: 1 }],
        ['S2', { appendFraction: 0.01, updateFraction: 0, round: 2 }],
      ];
      for (const [i, [name, ch]] of rounds.entries()) {
        log(`change round ${name} ...`);
        const c = await applyChanges(ds, o.events, ch);
        changes.push({ round: name, pgbenchTransactions: c.pgbenchTransactions, appended: c.appended, updated: c.updated });
        const t = clock(base, i + 1);
        const r = await pv.backup(db, t.time);
        const sql = r.backup.size;
        add(row(name, pv.name, 'local dir', sql, r, stored(r)));
        add(row(name, pvHeap.name, 'local dir', sql, ...((x) => [x, stored(x)] as const)(await pvHeap.backup(db, t.time))));
        add(row(name, seed.name, 'local dir', sql, ...((x) => [x, stored(x)] as const)(await seed.backup(db, t.stamp, t.time))));
        add(row(name, stdin.name, 'local dir', sql, ...((x) => [x, stored(x)] as const)(await stdin.backup(db, t.time))));
        mark(`${name} done`);
      }
      sqlNow = rows.filter((r) => r.scenario === 'S2')[0]!.sqlBytes;

      // --- restores
      log('restores ...');
      const target = join(work, 'restore');
      const pr = await pv.restoreGz(join(target, 'pgvault'));
      add(row('restore-gz', pv.name, 'local dir', sqlNow, pr, { note: `${(pr.bytes / 2 ** 20).toFixed(0)} MiB .sql.gz` }));
      const sr = await seed.restoreGz(join(target, 'seed'));
      add(row('restore-gz', `${resticLabel} restore (the .sql.gz)`, 'local dir', sqlNow, sr, { note: `${(sr.bytes / 2 ** 20).toFixed(0)} MiB .sql.gz` }));
      const into1 = await freshDatabase(ds, 'restored_pgvault');
      add(row('restore-into', `${pv.name} restore --into`, 'local dir', sqlNow, await pv.restoreInto(into1)));
      await ds.cluster.dropDatabase('restored_pgvault');
      const into2 = await freshDatabase(ds, 'restored_psql');
      add(row('restore-into', 'gunzip -c | psql (the restic-restored .sql.gz)', '-', sqlNow, await psqlLoadGz(seed.gzFiles(join(target, 'seed'))[0]!, into2)));
      await ds.cluster.dropDatabase('restored_psql');
      rmSync(target, { recursive: true, force: true });
      add(row('verify', `${pv.name} verify`, 'local dir', sqlNow, await pv.verify(ds.scratch('postgres'))));
      mark('restores done');
    }

    // --- S3 (local s3rver), with and without injected latency
    if (o.s3) {
      log('S3 scenarios ...');
      s3 = await startS3Server({ bucket: 'bench' });
      proxy = await startLatencyProxy(s3.endpoint, 0);
      const creds = s3.credentials;
      const env = { AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_REGION: 'us-east-1' };
      const variants: { delay: number; concurrency: number }[] = [{ delay: 0, concurrency: 8 }, ...o.concurrencies.map((c) => ({ delay: o.latencyMs, concurrency: c }))];
      let restoreFrom: Pgvault | undefined;
      for (const v of variants) {
        const prefix = `pv-d${v.delay}-c${v.concurrency}`;
        const p = new Pgvault({ name: `pgvault --concurrency ${v.concurrency}`, work, cli, location: `s3:${proxy.endpoint}/bench/${prefix}`, env,
          sizeOf: () => s3Size(s3!.endpoint, 'bench', prefix, creds) });
        proxy.setDelay(0);
        await p.init({ cheapKdf: o.cheapKdf });
        proxy.setDelay(v.delay);
        proxy.reset();
        const r = await p.backup(db, clock(base, 2).time, { globals: ['--concurrency', String(v.concurrency)] });
        if (sql0 === 0) sql0 = sqlNow = r.backup.size;
        add(row('s3-full', p.name, `S3, +${v.delay} ms/request`, r.backup.size, r, { ...stored(r), requests: { ...proxy.counts } }));
        if (v.delay === o.latencyMs && (v.concurrency === 8 || o.concurrencies.length === 1)) restoreFrom = p;
      }
      if (restoreFrom) {
        proxy.setDelay(o.latencyMs);
        proxy.reset();
        const t = join(work, 'restore-s3');
        const r = await restoreFrom.restoreGz(t);
        add(row('s3-restore-gz', `${restoreFrom.name} restore`, `S3, +${o.latencyMs} ms/request`, sqlNow, r, { requests: { ...proxy.counts } }));
        rmSync(t, { recursive: true, force: true });
      }
      mark('S3 done');
    }

    // --- a week of twice-daily runs, each followed by forget (7 daily, 4 weekly, 3 monthly) and prune
    if (o.weekRuns > 0) {
      log(`a week: ${o.weekRuns} runs ...`);
      const wk = join(work, 'week');
      mkdirSync(wk);
      const wSeed = new SeedPipeline(wk, restic.path, seed.name);
      const wPv = new Pgvault({ name: pv.name, work: wk, cli });
      const wPvHeap = new Pgvault({ name: pvHeap.name, work: wk, cli, flags: ['--no-stable-order'] });
      await wSeed.init();
      for (const t of [wPv, wPvHeap]) await t.init({ cheapKdf: o.cheapKdf });
      const acc = new Map<string, { wall: number; user: number; sys: number; rss: number; sql: number; first: number; last: RunResult | null }>();
      const note = (tool: string, m: Measured, sql: number, r: RunResult | null): void => {
        const a = acc.get(tool) ?? { wall: 0, user: 0, sys: 0, rss: 0, sql: 0, first: r?.storedBytes ?? 0, last: null };
        a.wall += m.wallSeconds; a.user += m.userSeconds; a.sys += m.sysSeconds; a.rss = Math.max(a.rss, m.peakRssMiB); a.sql += sql;
        if (r) a.last = r;
        acc.set(tool, a);
      };
      for (let i = 0; i < o.weekRuns; i++) {
        if (i > 0) {
          const c = await applyChanges(ds, o.events, o.weekChanges === 'append'
            ? { appendFraction: 0.005, updateFraction: 0.001, hotFraction: 0.02, round: 10 + i }
            : { pgbenchTransactions: o.weekPgbenchTransactions, appendFraction: 0.005, updateFraction: 0.001, round: 10 + i });
          if (i === 1) changes.push({ round: `week (${o.weekChanges} changes, each step)`, pgbenchTransactions: c.pgbenchTransactions, appended: c.appended, updated: c.updated });
        }
        const t = clock('2026-11-12T06:00:00Z', i);
        const a = await wPv.backup(db, t.time);
        const sql = a.backup.size;
        if (sql0 === 0) sql0 = sql;
        note(wPv.name, a, sql, a);
        const f1 = await wPv.forgetPrune();
        const s1 = await wPv.size();
        note(wPv.name, f1, 0, { ...a, storedBytes: s1.bytes, objects: s1.objects });
        const b = await wPvHeap.backup(db, t.time);
        note(wPvHeap.name, b, sql, b);
        const f2 = await wPvHeap.forgetPrune();
        const s2 = await wPvHeap.size();
        note(wPvHeap.name, f2, 0, { ...b, storedBytes: s2.bytes, objects: s2.objects });
        const sr2 = await wSeed.backup(db, t.stamp, t.time, { forget: true });
        note(wSeed.name, sr2, sql, sr2);
        log(`  week run ${i + 1}/${o.weekRuns}: pgvault ${(acc.get(wPv.name)!.last!.storedBytes / 2 ** 20).toFixed(1)} MiB, ` +
          `heap order ${(acc.get(wPvHeap.name)!.last!.storedBytes / 2 ** 20).toFixed(1)} MiB, seed ${(sr2.storedBytes / 2 ** 20).toFixed(1)} MiB`);
      }
      for (const [tool, a] of acc) {
        rows.push({
          scenario: 'week', tool, repo: 'local dir', sqlBytes: a.sql, wallSeconds: a.wall, mbPerSec: a.sql / 1e6 / a.wall,
          userSeconds: a.user, sysSeconds: a.sys, peakRssMiB: a.rss, storedBytes: a.last?.storedBytes ?? 0, objects: a.last?.objects ?? 0,
          addedBytes: (a.last?.storedBytes ?? 0) - a.first, runs: o.weekRuns,
          note: `after the first run: ${(a.first / 2 ** 20).toFixed(1)} MiB; after ${o.weekRuns}: ${((a.last?.storedBytes ?? 0) / 2 ** 20).toFixed(1)} MiB ` +
            `(${((a.last?.storedBytes ?? 0) / Math.max(1, a.first)).toFixed(2)}× one full backup); times include forget + prune`,
        });
      }
      mark('week done');
    }
    const { log: _log, ...options } = o;
    return {
      preset: o.preset, options,
      machine: machineInfo(), loads, startedAt, finishedAt: new Date().toISOString(), pgvaultRuns: cli.how,
      restic: restics.map((x) => ({ ...x, path: shownPath(x.path) })), missing,
      dataset: { scale: o.scale, events: o.events, sqlBytes: sql0, buildSeconds }, changes, rows,
    };
  } finally {
    await proxy?.stop();
    await s3?.stop();
    await ds?.cluster.stop();
    rmSync(work, { recursive: true, force: true });
    cli.cleanup();
  }
}
