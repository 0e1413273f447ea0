/**
 * `pgvault run` end to end, as cron runs it: the CLI as a child process against a real PostgreSQL,
 * a local repository, and a local HTTP server receiving the healthchecks pings and the webhook.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { TEST_KDF } from '../repo/helpers.js';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { S3Store } from '../../src/store/s3.js';
import { startS3Server } from '../helpers/s3.js';
import { acquireRunLock } from '../../src/run/lock.js';
import { closedPort, runCli, startReceiver, type Receiver } from './helpers.js';

const PASSWORD = 'Repo-Pa55word-for-tests';
const DB_SECRET = 'DbSecret-4242';

let pg: PgCluster;
let hc: Receiver;
let deadPort: number;
const dirs: string[] = [];

before(async () => {
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('bus');
  await pg.query('bus', `CREATE TABLE events (id int PRIMARY KEY, payload text);
    INSERT INTO events SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 40000) g;`);
  await pg.createDatabase('paperclip');
  await pg.query('paperclip', 'CREATE TABLE issues (id int PRIMARY KEY, title text); INSERT INTO issues VALUES (1, \'first\');');
  hc = await startReceiver();
  deadPort = await closedPort();
});

after(async () => {
  await hc?.stop();
  await pg?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Setup {
  dir: string;
  config: string;
  env: Record<string, string>;
  log: string;
  metrics: string;
  repo: string;
}

async function setup(over: { databases?: unknown[]; extra?: Record<string, unknown>; pings?: Record<string, unknown> | null } = {}): Promise<Setup> {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-run-'));
  dirs.push(dir);
  const repo = join(dir, 'repo');
  const r = await Repository.init(new FsStore(repo, { fsync: false }), PASSWORD, { kdf: TEST_KDF, cacheDir: null });
  await r.close();
  const log = join(dir, 'log', 'pgvault.log');
  mkdirSync(join(dir, 'log'));
  mkdirSync(join(dir, 'metrics'));
  const metrics = join(dir, 'metrics', 'pgvault.prom');
  const cfg = {
    repository: { path: 'repo' },
    host: 'testhost',
    tags: ['db-backup'],
    databases: over.databases ?? [
      { name: 'bus', url: pg.url('bus'), stable_order: true },
      { name: 'paperclip', url: pg.url('paperclip') },
    ],
    retention: { keep_last: 1 },
    prune: { every: '7d', grace: '0' },
    ...(over.pings === null ? {} : { pings: over.pings ?? { healthchecks: `${hc.url}/ping/abc-123`, webhook: `${hc.url}/hook`, timeout: '2s' } }),
    metrics: { textfile: 'metrics/pgvault.prom' },
    log: { file: 'log/pgvault.log' },
    state_dir: 'state',
    ...over.extra,
  };
  const config = join(dir, 'pgvault.jsonc');
  writeFileSync(config, `// written by the test\n${JSON.stringify(cfg, null, 2)}\n`);
  const env = { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(dir, 'cache'), PGVAULT_CONFIG: config };
  return { dir, config, env, log, metrics, repo };
}

function snapshotCount(repo: string): number {
  return existsSync(join(repo, 'snapshots')) ? readdirSync(join(repo, 'snapshots')).length : 0;
}

function assertNoSecrets(texts: string[]): void {
  for (const t of texts) {
    assert.ok(!t.includes(PASSWORD), 'the repository password leaked');
    assert.ok(!t.includes(DB_SECRET), 'a database password leaked');
  }
}

test('one database unreachable: the other is backed up, exit 1, failure ping with the log tail, webhook, metrics', async () => {
  const s = await setup({
    databases: [
      { name: 'bus', url: pg.url('bus'), stable_order: true },
      { name: 'paperclip', url: `postgres://paperclip:${DB_SECRET}@127.0.0.1:${deadPort}/paperclip` },
    ],
  });
  hc.received.length = 0;
  const r = await runCli(['run'], s.env);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(snapshotCount(s.repo), 1, 'bus was backed up');
  assert.match(r.stderr, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (INFO |ERROR|WARN ) /m, 'timestamped lines');
  assert.match(r.stderr, /backup of database paperclip failed: .*127\.0\.0\.1:\d+/);
  assert.equal(r.stdout, '', 'nothing on stdout when it is not a terminal (cron)');
  const log = readFileSync(s.log, 'utf8');
  assert.match(log, /snapshot [0-9a-f]{8} of bus/);
  assert.match(log, /pgvault run finished: FAILED \(exit 1\): 1\/2 databases backed up/);

  const paths = hc.received.map((x) => `${x.method} ${x.url}`);
  assert.deepEqual(paths.sort(), ['GET /ping/abc-123/start', 'POST /hook', 'POST /ping/abc-123/fail'].sort());
  const fail = hc.received.find((x) => x.url === '/ping/abc-123/fail')!;
  assert.match(fail.body, /^FAILED \(exit 1\)/);
  assert.match(fail.body, /backup of database paperclip failed/, 'the log tail is in the failure ping');
  const hook = hc.received.find((x) => x.url === '/hook')!;
  assert.equal(hook.contentType, 'application/json');
  const payload = JSON.parse(hook.body) as { ok: boolean; exitCode: number; host: string; databases: { database: string; ok: boolean; snapshot?: string; bytes?: number; newBytes?: number; durationMs: number; error?: string }[] };
  assert.equal(payload.ok, false);
  assert.equal(payload.exitCode, 1);
  assert.equal(payload.host, 'testhost');
  const [bus, pc] = payload.databases;
  assert.equal(bus!.database, 'bus');
  assert.equal(bus!.ok, true);
  assert.match(bus!.snapshot!, /^[0-9a-f]{64}$/);
  assert.ok(bus!.bytes! > 100_000 && bus!.newBytes! > 0 && bus!.durationMs >= 0);
  assert.equal(pc!.ok, false);
  assert.match(pc!.error!, /127\.0\.0\.1/);

  const prom = readFileSync(s.metrics, 'utf8');
  assert.match(prom, /^# TYPE pgvault_last_success_timestamp_seconds gauge$/m);
  const ts = Number(/^pgvault_last_success_timestamp_seconds\{database="bus"\} (\S+)$/m.exec(prom)?.[1]);
  assert.ok(Math.abs(ts - Date.now() / 1000) < 120, `last success ${ts}`);
  assert.doesNotMatch(prom, /pgvault_last_success_timestamp_seconds\{database="paperclip"\}/);
  assert.match(prom, /^pgvault_last_error\{database="bus"\} 0$/m);
  assert.match(prom, /^pgvault_last_error\{database="paperclip"\} 1$/m);
  assert.match(prom, /^pgvault_backup_logical_bytes\{database="bus"\} \d{6,}$/m);
  assert.match(prom, /^pgvault_backup_new_bytes\{database="bus"\} \d+$/m);
  assert.match(prom, /^pgvault_backup_stored_bytes\{database="bus"\} \d+$/m);
  assert.match(prom, /^pgvault_backup_dedup_ratio\{database="bus"\} 0(\.\d+)?$/m);
  assert.match(prom, /^pgvault_snapshots\{database="bus"\} 1$/m);
  assert.match(prom, /^pgvault_snapshots\{database="paperclip"\} 0$/m);
  assert.match(prom, /^pgvault_run_exit_code 1$/m);
  assert.match(prom, /^pgvault_run_success 0$/m);
  assert.deepEqual(readdirSync(join(s.dir, 'metrics')), ['pgvault.prom'], 'no temporary file left behind');
  assertNoSecrets([r.stderr, r.stdout, log, prom, ...hc.received.map((x) => x.body)]);
});

test('all good: exit 0, success ping; the second run deduplicates, forgets by the policy, prune only when due', async () => {
  const s = await setup();
  hc.received.length = 0;
  const first = await runCli(['run', '--json'], s.env);
  assert.equal(first.code, 0, first.stderr);
  const report1 = JSON.parse(first.stdout) as { ok: boolean; databases: { ok: boolean; newBytes: number; bytes: number }[]; prune: { ran: boolean }; forget: { ran: boolean; removed: number } };
  assert.equal(report1.ok, true);
  assert.equal(report1.prune.ran, true, 'never pruned before: due');
  assert.deepEqual(hc.received.map((x) => x.url).sort(), ['/hook', '/ping/abc-123', '/ping/abc-123/start']);
  assert.match(hc.received.find((x) => x.url === '/ping/abc-123')!.body, /^OK \(exit 0\): 2\/2 databases backed up/);

  await pg.query('bus', 'UPDATE events SET payload = \'changed\' WHERE id = 7');
  const second = await runCli(['run', '--json'], s.env);
  assert.equal(second.code, 0, second.stderr);
  const report2 = JSON.parse(second.stdout) as typeof report1;
  const bus2 = report2.databases[0]!;
  assert.ok(bus2.newBytes < bus2.bytes / 2, `the second backup deduplicates (${bus2.newBytes} new of ${bus2.bytes})`);
  assert.deepEqual(report2.forget, { ...report2.forget, ran: true, removed: 2 }, 'keep_last 1 forgets the first snapshot of each database');
  assert.equal(report2.prune.ran, false, 'prune.every 7d: not due again');
  assert.equal(snapshotCount(s.repo), 2);

  const forced = await runCli(['run', '--json', '--prune-now'], s.env);
  assert.equal(forced.code, 0, forced.stderr);
  const report3 = JSON.parse(forced.stdout) as { prune: { ran: boolean; deletedObjects: number } };
  assert.equal(report3.prune.ran, true);
  assert.ok(report3.prune.deletedObjects > 0, 'the forgotten snapshots\' unique chunks are deleted');

  // The repository cannot be opened: the metrics keep the last known success time (alerts on its age still fire).
  const lastGood = /^pgvault_last_success_timestamp_seconds\{database="bus"\} (\S+)$/m.exec(readFileSync(s.metrics, 'utf8'))?.[1];
  assert.ok(lastGood);
  const broken = await runCli(['run'], { ...s.env, PGVAULT_PASSWORD: 'wrong' });
  assert.equal(broken.code, 12);
  const prom = readFileSync(s.metrics, 'utf8');
  assert.match(prom, new RegExp(`^pgvault_last_success_timestamp_seconds\\{database="bus"\\} ${lastGood.replace('.', '\\.')}$`, 'm'));
  assert.match(prom, /^pgvault_last_error\{database="bus"\} 1$/m);
  assert.match(prom, /^pgvault_run_exit_code 12$/m);
});

test('a second run while one holds the lock exits 3 with a clear message; with --lock-wait it waits', async () => {
  const s = await setup({ pings: null });
  const lock = await acquireRunLock(join(s.dir, 'state', 'run.lock'), { command: 'the test' });
  try {
    const r = await runCli(['run'], s.env);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /another pgvault run holds the lock .*run\.lock: pid \d+ on .* \(the test\), since .*this one did nothing/);
    assert.equal(snapshotCount(s.repo), 0);
    assert.match(readFileSync(s.log, 'utf8'), /another pgvault run holds the lock/);
    // Release once the second run says it is waiting (its log line reaches the log file).
    const before = readFileSync(s.log, 'utf8').length;
    const poller = setInterval(() => {
      if (readFileSync(s.log, 'utf8').slice(before).includes('waiting up to')) { clearInterval(poller); lock.release(); }
    }, 100);
    const waited = await runCli(['run', '--lock-wait', '30s'], s.env);
    clearInterval(poller);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stderr, /waiting up to 30 s/);
    assert.equal(snapshotCount(s.repo), 2);
  } finally {
    lock.release();
  }
});

test('two overlapping runs: exactly one proceeds', async () => {
  // The first run's start ping is answered slowly, so it holds the run lock for seconds; the second starts meanwhile.
  const s = await setup({ pings: { healthchecks: `${hc.url}/slow/xyz`, timeout: '10s' } });
  hc.received.length = 0;
  hc.delay = { match: '/slow/xyz/start', ms: 4000 };
  try {
    const first = runCli(['run'], s.env);
    while (!hc.received.some((x) => x.url === '/slow/xyz/start')) await new Promise((r) => setTimeout(r, 50));
    const second = await runCli(['run'], s.env);
    assert.equal(second.code, 3, second.stderr);
    assert.match(second.stderr, /another pgvault run holds the lock .*run\.lock: pid \d+/);
    const a = await first;
    assert.equal(a.code, 0, a.stderr);
    assert.equal(snapshotCount(s.repo), 2);
    assert.equal(hc.received.filter((x) => x.url === '/slow/xyz/start').length, 1, 'the locked-out run sends no pings');
    assert.ok(!existsSync(join(s.dir, 'state', 'run.lock')), 'the lock is released');
  } finally {
    hc.delay = null;
  }
});

test('unreachable ping URLs never fail the backup', async () => {
  const s = await setup({ pings: { healthchecks: `http://127.0.0.1:${deadPort}/hc`, webhook: `http://127.0.0.1:${deadPort}/hook`, timeout: '1s' } });
  const t0 = Date.now();
  const r = await runCli(['run'], s.env);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(snapshotCount(s.repo), 2);
  assert.match(r.stderr, /WARN  start ping to http:\/\/127\.0\.0\.1:\d+\/… failed after 2 attempt\(s\): ECONNREFUSED \(the backup is not affected\)/);
  assert.match(r.stderr, /webhook to .* failed after 2 attempt/);
  assert.ok(!r.stderr.includes('/hc'), 'ping URLs (their UUIDs are secrets) are not logged');
  assert.ok(Date.now() - t0 < 30_000);
});

test('wrong password: exit 12 and a failure ping; failing password command: exit 2; unreadable password file: exit 2', async () => {
  const s = await setup();
  hc.received.length = 0;
  const wrong = await runCli(['run'], { ...s.env, PGVAULT_PASSWORD: 'not-the-password' });
  assert.equal(wrong.code, 12, wrong.stderr);
  assert.match(wrong.stderr, /wrong password/);
  assert.ok(hc.received.some((x) => x.url === '/ping/abc-123/fail' && /wrong password/.test(x.body)));

  const cmd = await runCli(['run', '--password-command', 'echo oops >&2; exit 3'], s.env);
  assert.equal(cmd.code, 2, cmd.stderr);
  assert.match(cmd.stderr, /the password command failed \(exit 3\): oops/);

  const unreadable = await runCli(['run', '--password-file', join(s.dir, 'missing-pw')], s.env);
  assert.equal(unreadable.code, 2, unreadable.stderr);
  assert.match(unreadable.stderr, /cannot read the password file .*missing-pw/);
  assert.equal(snapshotCount(s.repo), 0);
  assertNoSecrets([wrong.stderr, cmd.stderr, unreadable.stderr, readFileSync(s.log, 'utf8'), ...hc.received.map((x) => x.body)]);
});

test('log file not writable: the backup still runs, the problem is reported, exit 1', async () => {
  const s = await setup({ pings: null, extra: { log: { file: 'no/such/folder/pgvault.log' } } });
  const r = await runCli(['run'], s.env);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /ERROR cannot write the log file .*no\/such\/folder\/pgvault\.log: ENOENT.*\(logging to stderr only\)/);
  assert.equal(snapshotCount(s.repo), 2);
});

test('configuration errors exit 2 and name the key and line', async () => {
  const s = await setup();
  writeFileSync(s.config, '{\n  "repository": { "path": "repo" },\n  "databases": [ { "name": "bus", "port": "5432" } ]\n}\n');
  const r = await runCli(['run'], s.env);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /databases\[0\]\.port \(line 3\): expected a whole number from 1 to 65535, got "5432"/);
  const none = await runCli(['run'], { ...s.env, PGVAULT_CONFIG: '' });
  assert.equal(none.code, 2);
  assert.match(none.stderr, /pgvault run needs a configuration file/);
});

test('SOPS: `sops exec-env secrets.enc.env "pgvault run"` (with a stand-in sops) supplies the password and config', async () => {
  const s = await setup({ pings: null });
  const bin = join(s.dir, 'bin');
  mkdirSync(bin);
  // Stand-in for sops: "exec-env FILE CMD" exports FILE's variables (real sops decrypts it first) and runs CMD with sh.
  writeFileSync(join(bin, 'sops'), '#!/bin/sh\n[ "$1" = exec-env ] || exit 64\nset -a\n. "$2"\nset +a\nexec /bin/sh -c "$3"\n', { mode: 0o755 });
  writeFileSync(join(bin, 'pgvault'), `#!/bin/sh\nexec "${process.execPath}" --import tsx "${join(process.cwd(), 'src/cli/main.ts')}" "$@"\n`, { mode: 0o755 });
  const secrets = join(s.dir, 'secrets.enc.env');
  writeFileSync(secrets, `PGVAULT_PASSWORD=${PASSWORD}\nB2_ACCOUNT_ID=0012abc\nB2_ACCOUNT_KEY=K0012SecretKeyValue\n`, { mode: 0o600 });
  const env = { XDG_CACHE_HOME: s.env.XDG_CACHE_HOME, PATH: `${bin}:${process.env.PATH ?? ''}` };
  const r = await runCli([], env, { command: ['sops', 'exec-env', secrets, `pgvault run --config ${s.config}`] });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(snapshotCount(s.repo), 2);
  assert.ok(!r.stderr.includes('K0012SecretKeyValue'));
});

test('B2/S3 repository with keys from a credentials file (environment wins); keys never reach logs or pings', async () => {
  const s3 = await startS3Server({ bucket: 'struxio-db-backups' });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'pgvault-run-s3-'));
    dirs.push(dir);
    const store = new S3Store({ endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'pgvault', credentials: s3.credentials });
    await (await Repository.init(store, PASSWORD, { kdf: TEST_KDF, cacheDir: null })).close();
    writeFileSync(join(dir, 'b2.env'), `export B2_ACCOUNT_ID=${s3.credentials.accessKeyId}\nB2_ACCOUNT_KEY=${s3.credentials.secretAccessKey}\n`, { mode: 0o600 });
    writeFileSync(join(dir, 'pgvault.jsonc'), JSON.stringify({
      repository: { s3: { endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'pgvault' }, credentials_file: 'b2.env' },
      databases: [{ name: 'bus', url: pg.url('bus') }],
      pings: { healthchecks: `${hc.url}/s3check` },
      log: { file: 'pgvault.log' }, state_dir: 'state',
    }));
    const env = { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(dir, 'cache'), PGVAULT_CONFIG: join(dir, 'pgvault.jsonc') };
    const ok = await runCli(['run'], env);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /snapshot [0-9a-f]{8} of bus/);
    assert.ok(s3.requests.some((r) => r.method === 'PUT' && r.url.startsWith('/struxio-db-backups/pgvault/snapshots/')));

    hc.received.length = 0;
    const WRONG = 'WrongSecretKey-0042';
    // s3rver checks the key ID (not the signature): a wrong ID is what it rejects.
    const bad = await runCli(['run'], { ...env, B2_ACCOUNT_ID: 'WrongKeyId', B2_ACCOUNT_KEY: WRONG });
    assert.equal(bad.code, 14, bad.stderr);
    const log = readFileSync(join(dir, 'pgvault.log'), 'utf8');
    for (const text of [ok.stderr, bad.stderr, log, ...hc.received.map((x) => x.body)]) {
      assert.ok(!text.includes(WRONG), 'the secret key from the environment leaked');
      assert.ok(!text.includes(PASSWORD));
    }
    assert.ok(hc.received.some((x) => x.url === '/s3check/fail'));
  } finally {
    await s3.stop();
  }
});

test('state folder not usable: exit 17 naming the lock file, nothing backed up', async () => {
  const s = await setup({ pings: null, extra: { state_dir: 'not-a-folder/state' } });
  writeFileSync(join(s.dir, 'not-a-folder'), 'a file\n');
  const r = await runCli(['run'], s.env);
  assert.equal(r.code, 17, r.stderr);
  assert.match(r.stderr, /ERROR cannot take the run lock: cannot create the run lock .*not-a-folder\/state\/run\.lock: ENOTDIR/);
  assert.equal(r.stderr.match(/cannot create the run lock/g)?.length, 1, 'reported once');
  assert.equal(snapshotCount(s.repo), 0);
});
