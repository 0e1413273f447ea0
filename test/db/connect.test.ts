/**
 * connect() against a real PostgreSQL 15 configured with password authentication for TCP (scram-sha-256) and
 * trust on the Unix socket: wrong / missing password, ~/.pgpass, PGPASSWORD, missing database, unreachable
 * server, sslmode handling, socket connections.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { connect, resolveConnection } from '../../src/db/index.js';
import { connectAttempts, forgetTlsRefusals } from '../../src/db/connect.js';
import { DatabaseError } from '../../src/errors.js';

let c: PgCluster;
let dir: string;
const PW = 'correct horse battery';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgvault-hba-'));
  chmodSync(dir, 0o755);
  const hba = join(dir, 'pg_hba.conf');
  writeFileSync(hba, ['local all all trust', 'host all postgres 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 scram-sha-256', ''].join('\n'));
  chmodSync(hba, 0o644);
  c = await startCluster({ major: 15, settings: { hba_file: hba } });
  await c.query('postgres', `CREATE ROLE app LOGIN PASSWORD '${PW}'`);
});
after(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const noFile = { PGPASSFILE: '/nonexistent/pgpass' };
const base = () => ({ host: '127.0.0.1', port: c.port, user: 'app', database: 'postgres' });

async function expectError(p: Promise<unknown>, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DatabaseError, String(e));
    assert.match(e.message, re);
    assert.equal(e.exitCode, 15);
    assert.ok(!e.message.includes(PW), 'no password in messages');
    return true;
  });
}

test('right password connects and reports the server version', async () => {
  const conn = await connect(resolveConnection({ ...base(), password: PW }, noFile));
  try {
    assert.equal(Math.floor(conn.serverVersionNum / 10000), 15);
    assert.match(conn.serverVersion, /^15\./);
    assert.equal(conn.endpoint, `127.0.0.1:${c.port}`);
    const r = await conn.client.query<{ u: string }>('SELECT current_user AS u');
    assert.equal(r.rows[0]!.u, 'app');
  } finally {
    await conn.close();
  }
});

test('wrong password: operator-grade message, no secret in it', async () => {
  await expectError(connect(resolveConnection({ ...base(), password: 'wrong-one' }, noFile)),
    new RegExp(`^password authentication failed for user "app" at 127\\.0\\.0\\.1:${c.port} \\(password from the connection options/URL\\)`));
});

test('password required but none given', async () => {
  await expectError(connect(resolveConnection(base(), noFile)), /asks for a password for user "app" but none was given: set PGPASSWORD, add a line to ~\/\.pgpass/);
});

test('password from PGPASSWORD and from a password file', async () => {
  const a = await connect(resolveConnection(base(), { ...noFile, PGPASSWORD: PW }));
  await a.close();
  const f = join(dir, 'pgpass');
  writeFileSync(f, `127.0.0.1:${c.port}:*:app:${PW.replace(/:/g, '\\:')}\n`);
  chmodSync(f, 0o600);
  const r = resolveConnection(base(), { PGPASSFILE: f });
  assert.equal(r.passwordSource, 'pgpass');
  const b = await connect(r);
  await b.close();
  writeFileSync(f, `127.0.0.1:${c.port}:*:app:not-it\n`);
  await expectError(connect(resolveConnection(base(), { PGPASSFILE: f })), /password authentication failed .*\(password from the password file\)/);
});

test('missing database, unknown role, unreachable server', async () => {
  await expectError(connect(resolveConnection({ ...base(), user: 'postgres', database: 'nope' }, noFile)),
    new RegExp(`^database "nope" does not exist on 127\\.0\\.0\\.1:${c.port}`));
  await expectError(connect(resolveConnection({ host: c.socketDir, port: c.port, user: 'ghost', database: 'postgres' }, noFile)),
    /rejected user "ghost": role "ghost" does not exist/);
  await expectError(connect(resolveConnection({ ...base(), port: 1, password: PW }, noFile)),
    /^cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused — is the server running/);
  await expectError(connect(resolveConnection({ host: join(dir, 'nosock'), port: 5432, user: 'x', database: 'x' }, noFile)),
    /no such socket/);
});

test('Unix socket connections, and sslmode: prefer falls back to plain, require refuses a server without TLS', async () => {
  const s = await connect(resolveConnection({ host: c.socketDir, port: c.port, user: 'postgres', database: 'postgres' }, noFile));
  assert.equal(s.endpoint, `${c.socketDir}/.s.PGSQL.${c.port}`);
  await s.close();
  const p = await connect(resolveConnection({ ...base(), user: 'postgres', sslmode: 'prefer' }, noFile));
  await p.close();
  await expectError(connect(resolveConnection({ ...base(), user: 'postgres', sslmode: 'require' }, noFile)), /does not support TLS but sslmode=require requires it/);
});

test('sslmode=prefer: once a server has refused TLS, later connections to it go straight to plaintext (one backend each, as libpq)', async () => {
  forgetTlsRefusals();
  const r = resolveConnection({ ...base(), user: 'postgres', sslmode: 'prefer' }, noFile);
  assert.deepEqual(connectAttempts(r), ['tls', 'plain']);
  const p = await connect(r);
  await p.close();
  assert.deepEqual(connectAttempts(r), ['plain'], 'the refusal is remembered for this server');
  const again = await connect(r);
  await again.close();
  // Stricter modes never fall back, whatever is remembered; another server is asked afresh.
  assert.deepEqual(connectAttempts({ ...r, sslmode: 'require' }), ['tls']);
  assert.deepEqual(connectAttempts({ ...r, port: r.port + 1 }), ['tls', 'plain']);
  await expectError(connect({ ...r, sslmode: 'require' }), /does not support TLS but sslmode=require requires it/);
});
