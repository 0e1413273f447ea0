/**
 * Live progress (issue 12, item 2): the renderer draws at most every 250 ms (injected clock), only on a terminal,
 * without colour under NO_COLOR, as restic-style JSON lines with --json, clears its line before log lines; the
 * library's counted() reports bytes and the current dump part.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgressRenderer, formatProgressLine, progressJson, clearProgressLine } from '../../src/cli/progress.js';
import { counted, partAt } from '../../src/progress/count.js';
import type { Progress } from '../../src/progress/types.js';
import type { PartRecord } from '../../src/snapshot/manifest.js';

function terminal(isTTY = true): { writes: string[]; write: (s: string) => boolean; isTTY: boolean; columns: number } {
  const writes: string[] = [];
  return { writes, write: (s) => { writes.push(s); return true; }, isTTY, columns: 120 };
}

const MiB = 1024 * 1024;
const p = (done: number, item = 'public.rental'): Progress => ({ operation: 'backup', database: 'bus', done, total: 100 * MiB, estimated: true, item });

test('redrawn at most every 250 ms, with bytes, percent, rate, ETA and the table', () => {
  let t = 0;
  const out = terminal();
  const r = createProgressRenderer({ stream: out, env: {}, now: () => t });
  r.update(p(1 * MiB));
  assert.equal(out.writes.length, 0, 'nothing before the first interval');
  t = 250;
  r.update(p(10 * MiB));
  t = 400;
  r.update(p(20 * MiB));
  assert.equal(out.writes.length, 1, 'one draw per 250 ms');
  t = 1000;
  r.update(p(40 * MiB));
  assert.equal(out.writes.length, 2);
  const line = out.writes[1]!;
  assert.ok(line.startsWith('\r\x1b[K'));
  assert.match(line, /backup bus {2}40\.0 MiB \/ ~100\.0 MiB {2}40\.0 % {2}40\.0 MiB\/s {2}ETA 0:02 {2}/);
  assert.match(line, /public\.rental/);
  assert.match(line, /\x1b\[36m/, 'the table in colour');
  r.done();
  assert.equal(out.writes.at(-1), '\r\x1b[K', 'done() clears the line');
});

test('nothing when stderr is not a terminal or with -q; no colour with NO_COLOR', () => {
  let t = 0;
  for (const [stream, quiet] of [[terminal(false), false], [terminal(true), true]] as const) {
    const r = createProgressRenderer({ stream, env: {}, now: () => t, quiet });
    t += 5000;
    r.update(p(1));
    r.done();
    assert.deepEqual(stream.writes, []);
  }
  const out = terminal();
  const r = createProgressRenderer({ stream: out, env: { NO_COLOR: '1' }, now: () => t });
  t += 5000;
  r.update(p(5 * MiB));
  assert.doesNotMatch(out.writes[0]!, /\x1b\[3\d?m/);
  assert.match(out.writes[0]!, /public\.rental/);
});

test('--json: restic-style status lines, at most one per second', () => {
  let t = 0;
  const out = terminal();
  const r = createProgressRenderer({ stream: out, env: {}, now: () => t, json: true });
  t = 500;
  r.update(p(5 * MiB));
  t = 2000;
  r.update(p(50 * MiB));
  assert.equal(out.writes.length, 1);
  const status = JSON.parse(out.writes[0]!) as Record<string, unknown>;
  assert.deepEqual(status, {
    message_type: 'status', operation: 'backup', database: 'bus', seconds_elapsed: 2, seconds_remaining: 2, percent_done: 0.5,
    bytes_done: 50 * MiB, total_bytes: 100 * MiB, total_estimated: true, current_item: 'public.rental',
  });
  assert.ok(out.writes[0]!.endsWith('\n'));
});

test('an estimated total never shows 100 % early; objects are counted as objects; long names are cut to the width', () => {
  assert.match(formatProgressLine({ ...p(150 * MiB), total: 100 * MiB }, 1000), /99\.0 %/);
  assert.match(formatProgressLine({ operation: 'prune', done: 3, total: 12, unit: 'objects' }, 1000), /^prune {2}3 \/ 12 objects {2}25\.0 %/);
  const line = formatProgressLine(p(MiB, 'x'.repeat(300)), 1000, { columns: 80 });
  assert.ok(line.length <= 79, `${line.length}`);
  assert.equal(progressJson({ operation: 'restore', done: 0 }, 0).percent_done, undefined);
});

test('the logger clears a visible progress line before writing', () => {
  let t = 0;
  const out = terminal();
  const r = createProgressRenderer({ stream: out, env: {}, now: () => t });
  t = 300;
  r.update(p(MiB));
  clearProgressLine();
  assert.equal(out.writes.at(-1), '\r\x1b[K');
  const n = out.writes.length;
  clearProgressLine();
  assert.equal(out.writes.length, n, 'cleared once');
  r.done();
});

test('counted() reports bytes and the dump part being read', async () => {
  const parts: PartRecord[] = [
    { kind: 'prologue', name: 'prologue', offset: 0, length: 10 },
    { kind: 'table-data', name: 'public.a', offset: 10, length: 20 },
    { kind: 'epilogue', name: 'epilogue', offset: 30, length: 5 },
  ];
  assert.equal(partAt(parts, 12), 'public.a');
  assert.equal(partAt(parts, 35), undefined);
  async function* src(): AsyncGenerator<Uint8Array> { for (const n of [10, 15, 10]) yield new Uint8Array(n); }
  const seen: Progress[] = [];
  let total = 0;
  for await (const b of counted(src(), (x) => seen.push(x), { operation: 'restore', database: 'bus', total: 35 }, { parts })) total += b.length;
  assert.equal(total, 35);
  assert.deepEqual(seen.map((x) => [x.done, x.item]), [[0, 'prologue'], [10, 'prologue'], [25, 'public.a'], [35, 'epilogue']]);
});
