import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dumpShape, generateDump, generateDumpSync } from '../../bench/lib/dumpdata.js';

const text = (opts: Parameters<typeof generateDumpSync>[0]): string =>
  Buffer.concat([...generateDumpSync(opts)]).toString('latin1');

test('the bench data generator is deterministic and shaped like a pg_dump COPY script', async () => {
  const a = text({ rows: 2000, seed: 3 });
  assert.equal(text({ rows: 2000, seed: 3 }), a, 'same options, same bytes');
  assert.notEqual(text({ rows: 2000, seed: 4 }), a, 'the seed matters');
  const parts: Buffer[] = [];
  for await (const b of generateDump({ rows: 2000, seed: 3, bufferSize: 4096 })) {
    parts.push(b);
  }
  assert.ok(parts.length > 10);
  assert.ok(parts.slice(0, -1).every((b) => b.length >= 4096 && b.length < 4096 + 65536), 'buffers of about bufferSize');
  assert.equal(Buffer.concat(parts).toString('latin1'), a, 'async and sync agree, whatever the buffer size');
  const shape = dumpShape({ rows: 2000 });
  for (const [table, n] of [['accounts', shape.accounts], ['events', shape.events], ['items', shape.items]] as const) {
    const m = new RegExp(`COPY public\\.${table} \\([^)]*\\) FROM stdin;\\n([\\s\\S]*?)\\\\\\.\\n`).exec(a);
    assert.ok(m, `COPY block for ${table}`);
    const rows = m[1]!.split('\n').filter(Boolean);
    assert.equal(rows.length, n);
    assert.deepEqual(rows.map((r) => Number(r.split('\t')[0])), Array.from({ length: n }, (_, i) => i + 1), 'key order');
  }
});

test('a next version appends rows and updates a few scattered rows in place', () => {
  const opts = { rows: 20000, seed: 1, updateFraction: 0.01 };
  const lines = (v: number) => text({ ...opts, version: v }).split('\n');
  const v0 = lines(0);
  const v1 = lines(1);
  const s0 = dumpShape({ ...opts, version: 0 });
  const s1 = dumpShape({ ...opts, version: 1 });
  assert.ok(s1.events > s0.events && s1.accounts > s0.accounts && s1.items === s0.items);
  assert.equal(v1.length - v0.length, s1.events - s0.events + s1.accounts - s0.accounts);
  const set0 = new Set(v0);
  const changed = v1.filter((l) => !set0.has(l));
  const appended = s1.events - s0.events + s1.accounts - s0.accounts;
  const updated = changed.length - appended;
  // about 1% of the 8000 account rows, scattered
  assert.ok(updated > 40 && updated < 130, `updated rows: ${updated}`);
});
