/** `backup` records the globals in the snapshot; `pgvault globals` prints them, as the operator runs it. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { tempDir } from '../repo/helpers.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { createGlobalsFixture } from './fixture.js';

let tmp: { path: string; cleanup: () => void };
let pg: PgCluster;
let repo: string;

function pgvault(args: string[]): Promise<CliRun> {
  return runCli(['--repo', repo, ...args], { PGVAULT_PASSWORD: 'globals test', XDG_CACHE_HOME: join(tmp.path, 'cache') });
}

before(async () => {
  tmp = tempDir();
  repo = join(tmp.path, 'repo');
  pg = await startCluster({ major: 15 });
  await createGlobalsFixture(pg);
});

after(async () => {
  await pg?.stop();
  tmp?.cleanup();
});

test('pgvault globals prints the roles, memberships and databases of the snapshots, merged', async () => {
  assert.equal((await pgvault(['init'])).code, 0);
  let r = await pgvault(['backup', pg.url('bus'), pg.url('paperclip')]);
  assert.equal(r.code, 0, r.stderr);
  r = await pgvault(['globals', 'latest']);
  assert.equal(r.code, 0, r.stderr);
  const sql = r.stdout;
  for (const role of ['alice', 'app_readers', 'bus', 'bus_ro', 'paperclip']) {
    assert.equal(sql.split('\n').filter((l) => l === `CREATE ROLE ${role};`).length, 1, `${role} once, though both databases reference some roles`);
  }
  assert.doesNotMatch(sql, /unrelated/);
  assert.doesNotMatch(sql, /PASSWORD/, 'no password hashes by default');
  assert.match(sql, /^CREATE DATABASE bus WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';$/m);
  assert.match(sql, /^CREATE DATABASE paperclip WITH .* LOCALE = 'C';$/m);
  assert.match(sql, /^GRANT bus_ro TO alice WITH ADMIN OPTION GRANTED BY postgres;$/m);
  assert.match(sql, /^ALTER ROLE bus SET statement_timeout TO '30s';$/m);

  r = await pgvault(['--json', 'globals', 'latest', '--db', 'bus']);
  assert.equal(r.code, 0, r.stderr);
  const [one] = JSON.parse(r.stdout) as { database: string; globals: { database: { connectionLimit: number; owner: string } } }[];
  assert.equal(one!.database, 'bus');
  assert.deepEqual([one!.globals.database.owner, one!.globals.database.connectionLimit], ['bus', 50]);

  // The printed SQL rebuilds the globals on a bare server (psql, as an operator without pgvault would).
  const bare = await startCluster({ major: 15 });
  try {
    bare.psql('postgres', ['-v', 'ON_ERROR_STOP=0', '-f', '-'], sql);
    const roles = await bare.query<{ rolname: string }>('postgres', "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1");
    assert.deepEqual(roles.map((x) => x.rolname), ['alice', 'app_readers', 'bus', 'bus_ro', 'paperclip', 'postgres']);
    const [db] = await bare.query<{ owner: string; datconnlimit: number }>('postgres',
      "SELECT pg_get_userbyid(datdba) AS owner, datconnlimit FROM pg_database WHERE datname = 'bus'");
    assert.deepEqual(db, { owner: 'bus', datconnlimit: 50 });
  } finally {
    await bare.stop();
  }
});

test('restore --target writes <db>_<time>.globals.sql beside the .sql.gz; restore latest --into <server> --create rebuilds both databases', async () => {
  const out = join(tmp.path, 'out');
  mkdirSync(out);
  let r = await pgvault(['--json', 'restore', 'latest', '--target', out]);
  assert.equal(r.code, 0, r.stderr);
  const files = readdirSync(out).sort();
  assert.equal(files.length, 4);
  assert.match(files.join(' '), /^bus_\d{8}_\d{6}\.globals\.sql bus_\d{8}_\d{6}\.sql\.gz paperclip_\d{8}_\d{6}\.globals\.sql paperclip_\d{8}_\d{6}\.sql\.gz$/);
  assert.match(readFileSync(join(out, files[0]!), 'utf8'), /^CREATE DATABASE bus WITH/m);

  const bare = await startCluster({ major: 15 });
  try {
    r = await pgvault(['--json', 'restore', 'latest', '--into', bare.url('postgres'), '--create']);
    assert.equal(r.code, 0, r.stderr);
    const done = JSON.parse(r.stdout) as { database: string; rolesCreated: string[] }[];
    assert.deepEqual(done.map((d) => [d.database, d.rolesCreated.length > 0]), [['bus', true], ['paperclip', true]]);
    r = await pgvault(['restore', 'latest', '--db', 'bus', '--into', bare.url('postgres'), '--create']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /database "bus" already exists.*--swap/);
    r = await pgvault(['restore', 'latest', '--db', 'bus', '--into', bare.url('postgres'), '--create', '--swap']);
    assert.equal(r.code, 0, r.stderr);
    const dbs = await bare.query<{ datname: string }>('postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'bus%' ORDER BY 1");
    assert.equal(dbs.length, 2, 'bus and the kept previous bus_before_<time>');
  } finally {
    await bare.stop();
  }
});
