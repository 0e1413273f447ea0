/** `pgvault doctor` against a real PostgreSQL, a local repository and an S3 server (s3rver). */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { startS3Server, type S3TestServer } from '../helpers/s3.js';
import { TEST_KDF } from '../repo/helpers.js';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { checkChunkIds, checkClock, checkDatabase, checkS3Access } from '../../src/run/doctor.js';
import { runCli, startReceiver } from './helpers.js';

let pg: PgCluster;
let s3: S3TestServer;
let dir: string;

before(async () => {
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('app');
  await pg.query('app', `CREATE TABLE public.open_t (id int); CREATE TABLE public.secret_t (id int); CREATE SEQUENCE public.s;
    CREATE TABLE public.rls_t (id int); ALTER TABLE public.rls_t ENABLE ROW LEVEL SECURITY;
    CREATE ROLE backup LOGIN; GRANT SELECT ON public.open_t, public.rls_t TO backup;`);
  s3 = await startS3Server();
  dir = mkdtempSync(join(tmpdir(), 'pgvault-doctor-'));
});

after(async () => {
  await s3?.stop();
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('database checks: connectivity, tables the role cannot read, row security; a superuser passes', async () => {
  const limited = await checkDatabase({ name: 'app', url: `postgres://backup@127.0.0.1:${pg.port}/app`, tags: [] });
  const priv = limited.find((c) => c.check === 'database app privileges')!;
  assert.equal(priv.status, 'fail');
  assert.match(priv.detail, /role backup cannot SELECT 2 table\(s\)\/sequence\(s\): public\.s, public\.secret_t/);
  assert.match(priv.fix!, /GRANT pg_read_all_data TO backup/);
  const rls = limited.find((c) => c.check === 'database app row security')!;
  assert.equal(rls.status, 'fail');
  assert.match(rls.detail, /public\.rls_t/);
  const su = await checkDatabase({ name: 'app', url: pg.url('app'), tags: [] });
  assert.deepEqual(su.map((c) => c.status), ['ok', 'ok'], JSON.stringify(su));
  const down = await checkDatabase({ name: 'gone', url: 'postgres://x@127.0.0.1:1/gone', tags: [] });
  assert.equal(down[0]!.status, 'fail');
  assert.match(down[0]!.detail, /127\.0\.0\.1:1/);
});

test('bucket checks: list, write, read, delete a probe under the prefix; wrong credentials fail clearly', async () => {
  const env = { AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey };
  const target = { endpoint: s3.endpoint, bucket: s3.bucket, prefix: 'doc/tor', region: 'us-east-1' };
  const ok = await checkS3Access(target, env);
  assert.deepEqual(ok.filter((c) => c.status !== 'info').map((c) => `${c.check}:${c.status}`), ['bucket list:ok', 'bucket write:ok', 'bucket read:ok', 'bucket delete:ok']);
  s3.requests.length = 0;
  await checkS3Access(target, env);
  const keys = s3.requests.filter((r) => r.method === 'PUT').map((r) => r.url);
  assert.equal(keys.length, 1);
  assert.match(keys[0]!, /^\/pgvault-test\/doc\/tor\/doctor-probe-[0-9a-f]{12}/, 'the probe stays under the prefix, outside the repository folders');
  const bad = await checkS3Access(target, { AWS_ACCESS_KEY_ID: 'nope', AWS_SECRET_ACCESS_KEY: 'WrongSecret' });
  assert.equal(bad[0]!.status, 'fail');
  assert.equal(bad.length, 1);
  const none = await checkS3Access(target, {});
  assert.match(none[0]!.detail, /no credentials/);
});

test('clock skew is measured against the server Date header', async () => {
  const ok = await checkClock(s3.endpoint);
  assert.equal(ok.status, 'ok', ok.detail);
  assert.match(ok.detail, /local clock is \d+ s (behind|ahead of) 127\.0\.0\.1:\d+/);
  const late = await checkClock(s3.endpoint, () => Date.now() - 20 * 60_000);
  assert.equal(late.status, 'fail');
  assert.match(late.fix!, /15 minutes/);
  const rx = await startReceiver();
  try {
    const slow = await checkClock(rx.url, () => Date.now() + 5 * 60_000);
    assert.equal(slow.status, 'warn');
    assert.match(slow.detail, /\b(299|300|301) s ahead of/, 'the Date header has one-second resolution');
  } finally { await rx.stop(); }
});

test('pgvault doctor (CLI): a ready setup exits 0; a wrong password and a bad role exit 1 with fixes', async () => {
  const repoDir = join(dir, 'repo');
  const r = await Repository.init(new FsStore(repoDir, { fsync: false }), 'right-password', { kdf: TEST_KDF, cacheDir: null });
  await r.close();
  const cfg = join(dir, 'pgvault.jsonc');
  writeFileSync(cfg, JSON.stringify({ repository: { path: 'repo' }, databases: [{ name: 'app', url: pg.url('app') }], state_dir: 'state', metrics: { textfile: 'm/x.prom' } }));
  const env = { PGVAULT_CONFIG: cfg, XDG_CACHE_HOME: join(dir, 'cache') };
  const good = await runCli(['doctor'], { ...env, PGVAULT_PASSWORD: 'right-password' });
  assert.match(good.stdout, /\[ok  \] repository password: opens repository [0-9a-f]{8}/);
  // ok or info: doctor measures the faster hash again, and on a CPU where the two are close it may differ from init's.
  assert.match(good.stdout, /\[(ok  |info)\] chunk IDs: format version 2, objects named by (hmac-sha256|blake2b-256-keyed)/);
  assert.match(good.stdout, /\[ok  \] database app privileges: role postgres can read every table and sequence/);
  assert.match(good.stdout, /\[FAIL\] metrics file: .*m\/x\.prom/, 'the metrics folder does not exist');
  assert.equal(good.code, 1);
  writeFileSync(cfg, JSON.stringify({ repository: { path: 'repo' }, databases: [{ name: 'app', url: `postgres://backup@127.0.0.1:${pg.port}/app` }], state_dir: 'state' }));
  const okRun = await runCli(['doctor', '--no-databases'], { ...env, PGVAULT_PASSWORD: 'right-password' });
  assert.equal(okRun.code, 0, okRun.stdout + okRun.stderr);
  assert.match(okRun.stdout, /ready: "pgvault run" has everything it needs/);
  const bad = await runCli(['doctor', '--json'], { ...env, PGVAULT_PASSWORD: 'wrong-password' });
  assert.equal(bad.code, 1);
  const checks = JSON.parse(bad.stdout) as { check: string; status: string; detail: string }[];
  assert.equal(checks.find((c) => c.check === 'repository password')!.status, 'fail');
  assert.equal(checks.find((c) => c.check === 'database app privileges')!.status, 'fail');
  assert.ok(!bad.stdout.includes('wrong-password'));
});

test('doctor reports the repository\'s chunk-ID scheme: ok when it is the faster one here, information otherwise', () => {
  const ok = checkChunkIds({ chunkIdScheme: 'hmac-sha256', formatVersion: 2 }, 'hmac-sha256');
  assert.equal(ok.status, 'ok');
  assert.match(ok.detail, /format version 2, objects named by hmac-sha256, the faster keyed hash on this CPU/);
  const old = checkChunkIds({ chunkIdScheme: 'blake2b-256-keyed', formatVersion: 1 }, 'hmac-sha256');
  assert.equal(old.status, 'info', 'a repository made by an earlier pgvault is not a fault');
  assert.match(old.detail, /format version 1, objects named by blake2b-256-keyed; hmac-sha256 is faster on this CPU/);
  assert.match(old.detail, /fixed per repository/);
  assert.equal(checkChunkIds({ chunkIdScheme: 'blake2b-256-keyed', formatVersion: 2 }, 'blake2b-256-keyed').status, 'ok');
});
