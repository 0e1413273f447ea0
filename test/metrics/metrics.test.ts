import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderMetrics, writeTextfileAtomic } from '../../src/metrics/textfile.js';
import { newestTimes, runMetrics } from '../../src/metrics/run-metrics.js';
import type { Snapshot } from '../../src/snapshot/manifest.js';
import type { RunReport } from '../../src/run/report.js';

test('exposition format: HELP/TYPE once per family, escaped labels, empty families left out', () => {
  const text = renderMetrics([
    { name: 'm_a', help: 'first\nline', type: 'gauge', samples: [{ labels: { database: 'we"ird\\na\nme' }, value: 1.5 }, { value: Infinity }] },
    { name: 'm_empty', help: 'x', type: 'gauge', samples: [] },
  ]);
  assert.equal(text, '# HELP m_a first line\n# TYPE m_a gauge\nm_a{database="we\\"ird\\\\na\\nme"} 1.5\nm_a +Inf\n');
});

test('atomic write: final file complete, mode 0644, no temp files; unwritable folder is a LocalIoError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-prom-'));
  try {
    const f = join(dir, 'pgvault.prom');
    writeTextfileAtomic(f, 'a 1\n');
    writeTextfileAtomic(f, 'a 2\n');
    assert.equal(readFileSync(f, 'utf8'), 'a 2\n');
    assert.equal(statSync(f).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir), ['pgvault.prom']);
    assert.throws(() => writeTextfileAtomic(join(dir, 'missing', 'x.prom'), ''), (e: Error & { exitCode?: number }) =>
      e.exitCode === 17 && /cannot write the metrics file .*missing\/x\.prom/.test(e.message));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

function snap(database: string, time: string, size: number, newBytes: number, host = 'h'): Snapshot {
  return {
    id: `${database}-${time}`, version: 1, time, host, tags: [], database, source: '', server: { version: '17', versionNum: 170000 },
    pgvaultVersion: '0', dump: { size, sha256: '', chunks: 1, list: [], options: {} }, parts: [],
    added: { newChunks: 1, newBytes, storedBytes: Math.floor(newBytes / 2) }, startedAt: time, finishedAt: time, durationMs: 2500,
  };
}

test('per-database values come from the newest snapshot of this host; failures flagged', () => {
  const report: RunReport = {
    ok: false, exitCode: 1, host: 'h', repository: '/r', startedAt: '2026-11-26T06:00:00.000Z', finishedAt: '2026-11-26T06:01:00.000Z', durationMs: 60_000,
    databases: [{ database: 'bus', ok: true, durationMs: 1 }, { database: 'pc', ok: false, durationMs: 1, error: 'x' }],
    forget: { ran: true, removed: 2 }, prune: { ran: false }, problems: [],
  };
  const snapshots = [
    snap('bus', '2026-11-25T18:00:00+01:00', 1000, 1000),
    snap('bus', '2026-11-26T07:00:00+01:00', 1200, 300),
    snap('bus', '2026-11-26T09:00:00+01:00', 9999, 9999, 'otherhost'),
    { ...snap('paperclip', '2026-11-20T06:00:00Z', 50, 50), unsupported: [{ kind: 'access method', name: 'heap2' }, { kind: 'conversion', name: 'public.c' }] },
  ];
  const text = renderMetrics(runMetrics({ report, snapshots, databases: [{ name: 'bus', dbname: 'bus' }, { name: 'pc', dbname: 'paperclip' }], lastPruneMs: 1_700_000_000_000 }));
  const value = (line: string) => new RegExp(`^${line.replace(/[{}"[\]]/g, (c) => `\\${c}`)} (\\S+)$`, 'm').exec(text)?.[1];
  assert.equal(value('pgvault_last_success_timestamp_seconds{database="bus"}'), String(Date.parse('2026-11-26T06:00:00Z') / 1000));
  assert.equal(value('pgvault_last_success_timestamp_seconds{database="pc"}'), String(Date.parse('2026-11-20T06:00:00Z') / 1000));
  assert.equal(value('pgvault_backup_logical_bytes{database="bus"}'), '1200');
  assert.equal(value('pgvault_backup_new_bytes{database="bus"}'), '300');
  assert.equal(value('pgvault_backup_stored_bytes{database="bus"}'), '150');
  assert.equal(value('pgvault_backup_dedup_ratio{database="bus"}'), '0.75');
  assert.equal(value('pgvault_backup_duration_seconds{database="bus"}'), '2.5');
  assert.equal(value('pgvault_snapshots{database="bus"}'), '2');
  assert.equal(value('pgvault_backup_unsupported_objects{database="bus"}'), '0');
  assert.equal(value('pgvault_backup_unsupported_objects{database="pc"}'), '2', 'objects the newest snapshot lacks (allow_unsupported)');
  assert.equal(value('pgvault_last_error{database="bus"}'), '0');
  assert.equal(value('pgvault_last_error{database="pc"}'), '1');
  assert.equal(value('pgvault_run_exit_code'), '1');
  assert.equal(value('pgvault_forget_removed_snapshots'), '2');
  assert.equal(value('pgvault_last_prune_timestamp_seconds'), '1700000000');
  const dbs = [{ name: 'bus', dbname: 'bus' }, { name: 'pc', dbname: 'paperclip' }];
  assert.deepEqual(newestTimes(dbs, snapshots, 'h'), { bus: Date.parse('2026-11-26T06:00:00Z') / 1000, pc: Date.parse('2026-11-20T06:00:00Z') / 1000 });
  const noRepo = renderMetrics(runMetrics({ report, snapshots: null, databases: dbs, lastSuccessFallback: { bus: 1234 } }));
  assert.match(noRepo, /^pgvault_last_error\{database="bus"\} 0$/m);
  assert.match(noRepo, /^pgvault_last_success_timestamp_seconds\{database="bus"\} 1234$/m, 'the last known value keeps the series alive');
  assert.doesNotMatch(noRepo, /pgvault_last_success_timestamp_seconds\{database="pc"\}/);
  assert.doesNotMatch(noRepo, /pgvault_snapshots/);
});

test('store retries and stalls of the run are exported as counters (remote stores only)', () => {
  const report: RunReport = {
    ok: true, exitCode: 0, host: 'h', repository: 's3:x', startedAt: '2026-11-26T06:00:00.000Z', finishedAt: '2026-11-26T06:01:00.000Z', durationMs: 60_000,
    databases: [], forget: { ran: false }, prune: { ran: false }, problems: [],
  };
  const text = renderMetrics(runMetrics({ report, snapshots: [], databases: [], store: { retries: 3, stalls: 1 } }));
  assert.match(text, /^# TYPE pgvault_store_retries_total counter\npgvault_store_retries_total 3$/m);
  assert.match(text, /^# TYPE pgvault_store_stalls_total counter\npgvault_store_stalls_total 1$/m);
  assert.doesNotMatch(renderMetrics(runMetrics({ report, snapshots: [], databases: [] })), /pgvault_store_retries_total/);
});
