/**
 * The globals a backup records, rendered as SQL, against the reference: `pg_dumpall --globals-only`
 * (roles, role settings, memberships, tablespaces) and `pg_dump --create` (the database's definition
 * and properties), statement by statement, for the roles and tablespaces the database references.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { readGlobals, renderGlobals, splitGucList, membershipSql, quoterFor, type GlobalsRecord } from '../../src/globals/index.js';
import { PG_CLIENT_BIN, startCluster, type PgCluster } from '../helpers/pg.js';
import { createGlobalsFixture } from './fixture.js';

let pg15: PgCluster;
let spcDir: string;

before(async () => {
  pg15 = await startCluster({ major: 15 });
  await createGlobalsFixture(pg15);
  spcDir = mkdtempSync(join(tmpdir(), 'pgvault-spc-'));
  chmodSync(spcDir, 0o700);
  if (userInfo().uid === 0) spawnSync('chown', ['postgres:postgres', spcDir]);
  await pg15.query('postgres', `CREATE TABLESPACE fast OWNER bus LOCATION '${spcDir}'`);
  await pg15.query('postgres', "ALTER TABLESPACE fast SET (random_page_cost = 1.1); GRANT CREATE ON TABLESPACE fast TO bus_ro; COMMENT ON TABLESPACE fast IS 'ssd'");
  await pg15.query('bus', 'SET ROLE bus; CREATE TABLE archive (id int) TABLESPACE fast');
});

after(async () => {
  await pg15?.stop();
  spawnSync('rm', ['-rf', spcDir]);
});

async function globalsOf(db: string, rolePasswords = false): Promise<GlobalsRecord> {
  const c = new pg.Client(pg15.config(db));
  await c.connect();
  try { return await readGlobals(c, { rolePasswords }); } finally { await c.end(); }
}

/** SQL statements of a script: no comments, blank lines, psql meta-commands or session SETs. */
function statements(sql: string): string[] {
  return sql.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('--') && !l.startsWith('\\') && !l.startsWith('SET ') && !l.startsWith('SELECT pg_catalog.set_config'));
}

function pgDumpall(args: string[]): string {
  const r = spawnSync(join(PG_CLIENT_BIN, 'pg_dumpall'), ['-h', pg15.host, '-p', String(pg15.port), '-U', 'postgres', ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** pg_dumpall's statements about the roles and tablespaces in `g` only (it dumps the whole cluster). */
function referenceGlobals(g: GlobalsRecord, dumpall: string): string[] {
  const roles = new Set(g.roles.map((r) => r.name));
  const spcs = new Set(g.tablespaces.map((t) => t.name));
  return statements(dumpall).filter((s) => {
    const role = /^(?:CREATE|ALTER|COMMENT ON) ROLE (\S+?)[; ]/.exec(s);
    if (role) return roles.has(role[1]!);
    const spc = /^(?:CREATE|ALTER|COMMENT ON) TABLESPACE (\S+?)[; ]|^(?:GRANT|REVOKE) .* ON TABLESPACE (\S+) /.exec(s);
    if (spc) return spcs.has(spc[1] ?? spc[2]!);
    return true;
  });
}

/** pg_dump --create's statements about the database itself. */
function referenceDatabase(db: string): string[] {
  return statements(pg15.pgDump(db, ['--create', '--schema-only'])).filter((s) =>
    /^(CREATE DATABASE|ALTER DATABASE|COMMENT ON DATABASE)|^(GRANT|REVOKE) .* ON DATABASE |^ALTER ROLE .* IN DATABASE /.test(s));
}

function split(sql: string): { globals: string[]; database: string[] } {
  const at = sql.indexOf('\n-- Database ');
  return { globals: statements(sql.slice(0, at)), database: statements(sql.slice(at)) };
}

test('bus: roles it references, their settings and memberships, its tablespace: as pg_dumpall --globals-only writes them', async () => {
  const g = await globalsOf('bus');
  assert.deepEqual(g.roles.map((r) => r.name), ['alice', 'app_readers', 'bus', 'bus_ro', 'postgres'],
    'owner, grantees, default-privilege and policy roles, members, granted roles and grantors; never "unrelated"');
  assert.equal(g.roles.find((r) => r.name === 'bus')!.password, undefined, 'no password hashes unless asked for');
  assert.deepEqual(g.tablespaces.map((t) => t.name), ['fast']);
  const ours = split(renderGlobals(g));
  assert.deepEqual(ours.globals, referenceGlobals(g, pgDumpall(['--globals-only', '--no-role-passwords'])));
  assert.deepEqual(ours.database, referenceDatabase('bus'));
  assert.ok(ours.database.includes('REVOKE CONNECT,TEMPORARY ON DATABASE bus FROM PUBLIC;'));
  assert.ok(ours.database.includes('ALTER DATABASE bus SET "TimeZone" TO \'UTC\';'));
});

test('paperclip: another database on the same server records only what it references', async () => {
  const g = await globalsOf('paperclip');
  assert.deepEqual(g.roles.map((r) => r.name), ['alice', 'app_readers', 'bus_ro', 'paperclip', 'postgres']);
  assert.deepEqual(g.tablespaces, []);
  const ours = split(renderGlobals(g));
  assert.deepEqual(ours.globals, referenceGlobals(g, pgDumpall(['--globals-only', '--no-role-passwords'])));
  assert.deepEqual(ours.database, referenceDatabase('paperclip'));
  assert.ok(ours.database.includes("ALTER ROLE paperclip IN DATABASE paperclip SET maintenance_work_mem TO '64MB';"));
});

test('--role-passwords records the hashes a superuser can read, exactly as pg_dumpall writes them', async () => {
  const g = await globalsOf('bus', true);
  assert.match(g.roles.find((r) => r.name === 'bus')!.password ?? '', /^SCRAM-SHA-256\$/);
  assert.deepEqual(split(renderGlobals(g)).globals, referenceGlobals(g, pgDumpall(['--globals-only'])));
});

test('--role-passwords by a role that cannot read pg_authid: a clear error naming the fix', async () => {
  await pg15.query('postgres', 'CREATE ROLE backup_only LOGIN; GRANT CONNECT ON DATABASE bus TO backup_only');
  const c = new pg.Client({ ...pg15.config('bus'), user: 'backup_only' });
  await c.connect();
  try {
    await assert.rejects(readGlobals(c, { rolePasswords: true }), /cannot read role password hashes.*superuser.*leave out --role-passwords/);
    const g = await readGlobals(c);
    assert.ok(g.roles.some((r) => r.name === 'bus'), 'without passwords any role that can connect reads the globals');
  } finally {
    await c.end();
  }
});

test('setting values are quoted as pg_dump does: list settings item by item', () => {
  assert.deepEqual(splitGucList('public, "$user"'), ['public', '$user']);
  assert.deepEqual(splitGucList('"a ""b""", c'), ['a "b"', 'c']);
  assert.deepEqual(splitGucList(''), []);
  const q = quoterFor({ keywords: ['user'] });
  assert.equal(membershipSql(q, { role: 'user', member: 'alice', grantor: 'postgres', admin: true, inherit: false, set: false }),
    'GRANT "user" TO alice WITH ADMIN OPTION, INHERIT FALSE, SET FALSE GRANTED BY postgres;\n');
  assert.equal(membershipSql(q, { role: 'r', member: 'm', grantor: null, admin: false, inherit: true, set: true }), 'GRANT r TO m WITH INHERIT TRUE;\n');
});
