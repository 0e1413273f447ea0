/**
 * The benchmark suite on a tiny data set (the `smoke` preset), so it cannot rot: every scenario runs
 * end to end with every tool, and the report holds sane numbers (not fixed values: relations that any
 * correct run satisfies).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { haveGnuTime } from '../../bench/suite/measure.js';
import { goals, writeReport } from '../../bench/suite/report.js';
import { PRESETS, runSuite, type Row, type SuiteResult } from '../../bench/suite/suite.js';
import { findRestic } from '../../bench/suite/tools.js';

describe('bench suite (smoke preset)', { timeout: 600_000 }, () => {
  let r: SuiteResult;
  const out = mkdtempSync(join(tmpdir(), 'pgvault-bench-smoke-'));
  before(async () => {
    assert.ok(haveGnuTime(), 'GNU time is needed: apt-get install time');
    assert.ok(findRestic().length > 0, 'restic is needed: bash scripts/fetch-restic.sh');
    r = await runSuite({ preset: 'smoke', ...PRESETS.smoke!, log: () => undefined });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  const rowsOf = (s: Row['scenario']): Row[] => r.rows.filter((x) => x.scenario === s);
  const one = (s: Row['scenario'], tool: string): Row => {
    const x = r.rows.find((y) => y.scenario === s && y.tool === tool);
    assert.ok(x, `no row for ${s} / ${tool}`);
    return x;
  };

  it('runs every scenario with every tool', () => {
    for (const s of ['ceiling', 'full', 'S1', 'S2', 'restore-gz', 'restore-into', 'verify', 's3-full', 's3-restore-gz', 'week'] as const) {
      assert.ok(rowsOf(s).length > 0, `scenario ${s} missing`);
    }
    for (const s of ['full', 'S1', 'S2'] as const) {
      const tools = rowsOf(s).map((x) => x.tool);
      assert.ok(tools.includes('pgvault') && tools.includes('pgvault --no-stable-order'), `${s}: ${tools.join(', ')}`);
      assert.ok(tools.some((t) => t.startsWith('pg_dump|gzip')) && tools.some((t) => t.startsWith('pg_dump | restic')), `${s}: ${tools.join(', ')}`);
    }
    assert.equal(rowsOf('s3-full').length, 1 + PRESETS.smoke!.concurrencies.length);
  });

  it('measures time, CPU and memory for every run', () => {
    for (const x of r.rows) {
      assert.ok(x.wallSeconds > 0 && Number.isFinite(x.wallSeconds), `${x.scenario}/${x.tool} wall ${x.wallSeconds}`);
      assert.ok(x.userSeconds + x.sysSeconds >= 0 && x.peakRssMiB > 1, `${x.scenario}/${x.tool} rss ${x.peakRssMiB}`);
      assert.ok(x.mbPerSec > 0, `${x.scenario}/${x.tool} MB/s`);
    }
    assert.ok(r.dataset.sqlBytes > 1_000_000, `the smoke data set is ${r.dataset.sqlBytes} bytes`);
    assert.ok(r.loads.length >= 3 && r.loads.every((l) => l.load.one >= 0));
    assert.ok(r.machine.cores >= 1 && r.machine.memoryGiB > 0);
  });

  it('stores bytes, and a backup after small changes adds less than the first', () => {
    for (const tool of ['pgvault', 'pgvault --no-stable-order']) {
      const full = one('full', tool);
      assert.ok((full.storedBytes ?? 0) > 0 && (full.addedBytes ?? 0) > 0 && (full.objects ?? 0) > 0);
      // pgvault compresses: the repository is smaller than the SQL.
      assert.ok((full.storedBytes ?? 0) < full.sqlBytes, `${tool}: stored ${full.storedBytes} of ${full.sqlBytes}`);
      assert.ok((one('S2', tool).addedBytes ?? Infinity) < (full.addedBytes ?? 0), `${tool}: S2 added ${one('S2', tool).addedBytes}, full ${full.addedBytes}`);
    }
    // Appended rows only: key order (the default) adds less than the pipeline that re-uploads the whole gzip file.
    const seedS2 = rowsOf('S2').find((x) => x.tool.startsWith('pg_dump|gzip'))!;
    assert.ok((one('S2', 'pgvault').addedBytes ?? Infinity) < (seedS2.addedBytes ?? 0));
  });

  it('counts S3 requests and uploads one object per new chunk', () => {
    for (const x of rowsOf('s3-full')) {
      assert.ok(x.requests && x.requests.PUT > 0, `${x.tool}: no PUT counted`);
      assert.ok(x.requests.PUT >= (x.objects ?? 0) - 3, `${x.tool}: ${x.requests.PUT} PUTs for ${x.objects} objects`);
    }
    assert.ok((rowsOf('s3-restore-gz')[0]!.requests?.GET ?? 0) > 0);
  });

  it('runs a week with forget + prune for pgvault and the ticket\'s pipeline', () => {
    const week = rowsOf('week');
    assert.deepEqual(week.map((w) => w.tool.split(' ')[0]).sort(), ['pg_dump|gzip', 'pgvault', 'pgvault']);
    for (const w of week) {
      const first = (w.storedBytes ?? 0) - (w.addedBytes ?? 0);
      assert.equal(w.runs, PRESETS.smoke!.weekRuns);
      // Never more than keeping every run's full backup; never less than one backup's worth.
      assert.ok(first > 0 && (w.storedBytes ?? 0) <= first * (w.runs ?? 1) * 1.1 && (w.storedBytes ?? 0) >= first * 0.5, `${w.tool}: ${w.storedBytes} after ${w.runs} runs, first ${first}`);
    }
  });

  it('writes the Markdown and JSON report with goals', () => {
    const { md, json } = writeReport(r, out, 'smoke');
    assert.ok(existsSync(md) && existsSync(json));
    const text = readFileSync(md, 'utf8');
    for (const h of ['Load averages', 'Same-run comparisons', 'Goals', 'Full backup', 'A week']) assert.ok(text.includes(h), `report lacks "${h}"`);
    const parsed = JSON.parse(readFileSync(json, 'utf8')) as { rows: unknown[]; goals: unknown[]; machine: { cores: number } };
    assert.equal(parsed.rows.length, r.rows.length);
    assert.equal(parsed.goals.length, goals(r).length);
  });
});
