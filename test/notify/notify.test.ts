import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { send, urlForLog } from '../../src/notify/http.js';
import { createNotifier, logTail } from '../../src/notify/notify.js';
import type { RunReport } from '../../src/run/report.js';
import { closedPort, startReceiver, type Receiver } from '../run/helpers.js';
import { registerSecret } from '../../src/redact.js';

let rx: Receiver;
let flaky: Server;
let flakyUrl = '';
let flakyHits = 0;
let hang: Server;
let hangUrl = '';

before(async () => {
  rx = await startReceiver();
  flaky = createServer((req, res) => { flakyHits++; res.writeHead(flakyHits === 1 ? 503 : 200); res.end(); });
  await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
  flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}/x`;
  hang = createServer(() => { /* never answers */ });
  await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
  hangUrl = `http://127.0.0.1:${(hang.address() as AddressInfo).port}/x`;
});

after(async () => {
  await rx.stop();
  flaky.close();
  hang.closeAllConnections();
  hang.close();
});

test('a 5xx is retried once, then succeeds', async () => {
  flakyHits = 0;
  const r = await send(flakyUrl, { timeoutMs: 1000 });
  assert.deepEqual(r, { ok: true, status: 200, attempts: 2 });
});

test('a 4xx is not retried; connection refused and timeouts are retried once and reported, never thrown', async () => {
  rx.status = 404;
  try {
    const r = await send(`${rx.url}/nope`, { timeoutMs: 1000 });
    assert.deepEqual(r, { ok: false, status: 404, error: 'HTTP 404', attempts: 1 });
  } finally { rx.status = 200; }
  const refused = await send(`http://127.0.0.1:${await closedPort()}/`, { timeoutMs: 1000 });
  assert.deepEqual(refused, { ok: false, error: 'ECONNREFUSED', attempts: 2 });
  const t0 = Date.now();
  const slow = await send(hangUrl, { timeoutMs: 300 });
  assert.deepEqual(slow, { ok: false, error: 'no answer within 300 ms', attempts: 2 });
  assert.ok(Date.now() - t0 < 3000, 'fast timeouts');
});

test('URLs in logs show only scheme and host', () => {
  assert.equal(urlForLog('https://hc-ping.com/0b1c2d3e-uuid'), 'https://hc-ping.com/…');
  assert.equal(urlForLog('::'), '(invalid URL)');
});

test('the log tail keeps the newest lines within the byte limit, redacted', () => {
  registerSecret('TailSecret99');
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i} TailSecret99 postgres://u:pw@h/db\n`);
  const tail = logTail(lines, 400);
  assert.ok(Buffer.byteLength(tail) <= 400);
  assert.ok(tail.endsWith('line 99 *** postgres://u:***@h/db\n'));
  assert.ok(!tail.includes('TailSecret99') && !tail.includes(':pw@'));
});

test('notifier: start, success and failure pings and the webhook', async () => {
  const logs: string[] = [];
  const logger = { debug: () => {}, info: () => {}, warn: (m: string) => logs.push(m), error: () => {} };
  const n = createNotifier({ healthchecks: `${rx.url}/hc/uuid`, webhook: `${rx.url}/hook`, timeoutMs: 1000, retries: 1 }, logger);
  const report: RunReport = {
    ok: true, exitCode: 0, host: 'h', repository: '/r', startedAt: '2026-11-26T06:00:00.000Z', finishedAt: '2026-11-26T06:00:05.000Z', durationMs: 5000,
    databases: [{ database: 'bus', ok: true, snapshot: 'ab'.repeat(32), bytes: 10, newBytes: 2, storedBytes: 1, durationMs: 40 }],
    forget: { ran: true, removed: 1, kept: 3 }, prune: { ran: false, reason: 'not due' }, problems: [],
  };
  rx.received.length = 0;
  await n.start();
  await n.finish(report, ['a\n', 'b\n']);
  await n.finish({ ...report, ok: false, exitCode: 1 }, ['first\n', 'the error line\n']);
  const byUrl = (u: string) => rx.received.filter((x) => x.url === u);
  assert.equal(byUrl('/hc/uuid/start')[0]!.method, 'GET');
  assert.match(byUrl('/hc/uuid')[0]!.body, /^OK \(exit 0\): 1\/1 databases backed up, forget removed 1 snapshot\(s\) in 5\.0 s\n$/);
  assert.match(byUrl('/hc/uuid/fail')[0]!.body, /^FAILED \(exit 1\).*\n\nfirst\nthe error line\n$/);
  const hooks = byUrl('/hook').map((x) => JSON.parse(x.body) as Record<string, unknown>);
  assert.equal(hooks.length, 2);
  assert.equal(hooks[0]!.event, 'pgvault.run');
  assert.deepEqual((hooks[0]!.databases as unknown[])[0], report.databases[0]);
  assert.deepEqual(logs, []);
});
