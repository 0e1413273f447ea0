/** Connection options: URL / keyword parsing, libpq environment, password file, redaction (no server needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectionFromArgs, describeConnection, parseConnectionUrl, parseKeywordString, resolveConnection, checkServerVersion,
  lookupPgpass, parsePgpassLine,
} from '../../src/db/index.js';
import { ConfigError, DatabaseError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';

test('parses connection URLs like libpq', () => {
  assert.deepEqual(parseConnectionUrl('postgres://u%40x:p%3Ass@db.example.com:6543/my%20db?sslmode=verify-full&application_name=nightly'),
    { user: 'u@x', password: 'p:ss', host: 'db.example.com', port: 6543, database: 'my db', sslmode: 'verify-full', applicationName: 'nightly' });
  assert.deepEqual(parseConnectionUrl('postgresql://[::1]:5433/app'), { host: '::1', port: 5433, database: 'app' });
  assert.deepEqual(parseConnectionUrl('postgres:///app?host=/var/run/postgresql&port=5434'), { database: 'app', host: '/var/run/postgresql', port: 5434 });
  assert.deepEqual(parseConnectionUrl('postgres://%2Ftmp%2Fsock/app'), { host: '/tmp/sock', database: 'app' });
  assert.throws(() => parseConnectionUrl('postgres://h/db?sslmode=sometimes'), (e: unknown) => e instanceof ConfigError && /invalid sslmode "sometimes"/.test(e.message));
  assert.throws(() => parseConnectionUrl('postgres://h:99999/db'), ConfigError);
  assert.throws(() => parseConnectionUrl('postgres://h/db?frobnicate=1'), /unsupported connection parameter "frobnicate"/);
  assert.throws(() => parseConnectionUrl('mysql://h/db'), ConfigError);
});

test('parses key=value strings and pg_dump-style -d/-h/-p/-U arguments', () => {
  assert.deepEqual(parseKeywordString("host=db1 port=5433 dbname='my app' user=bob password='it\\'s a \\\\x'"),
    { host: 'db1', port: 5433, database: 'my app', user: 'bob', password: "it's a \\x" });
  assert.throws(() => parseKeywordString('host=db1 nonsense'), /cannot parse the connection string/);
  assert.deepEqual(connectionFromArgs({ dbname: 'shop' }), { database: 'shop' });
  assert.deepEqual(connectionFromArgs({ dbname: 'postgres://a@h1:1/db', host: 'h2', port: 2, user: 'b' }), { user: 'b', host: 'h2', port: 2, database: 'db' });
  assert.deepEqual(connectionFromArgs({ dbname: 'host=h dbname=d' }), { host: 'h', database: 'd' });
});

test('describeConnection and redact never show the password', () => {
  const o = parseConnectionUrl('postgres://alice:s3cr3t-pw@db:5432/app');
  const d = describeConnection(o);
  assert.equal(d, 'postgres://alice@db:5432/app');
  assert.ok(!redact('failed for postgres://alice:s3cr3t-pw@db:5432/app and s3cr3t-pw').includes('s3cr3t-pw'));
  assert.equal(describeConnection({ host: '/run/pg', port: 5432, user: 'u', database: 'd' }), 'postgres://u@:5432/d?host=%2Frun%2Fpg');
});

test('libpq environment variables fill what options leave open; options win', () => {
  const env = { PGHOST: 'envhost', PGPORT: '6000', PGUSER: 'envuser', PGDATABASE: 'envdb', PGPASSWORD: 'envpw', PGSSLMODE: 'require', PGAPPNAME: 'x', PGPASSFILE: '/nonexistent' };
  const r = resolveConnection({}, env);
  assert.deepEqual([r.host, r.port, r.user, r.database, r.password, r.passwordSource, r.sslmode, r.applicationName],
    ['envhost', 6000, 'envuser', 'envdb', 'envpw', 'PGPASSWORD', 'require', 'x']);
  const o = resolveConnection({ host: 'h', port: 1, user: 'u', database: 'd', password: 'p', sslmode: 'disable' }, env);
  assert.deepEqual([o.host, o.port, o.user, o.database, o.password, o.passwordSource, o.sslmode], ['h', 1, 'u', 'd', 'p', 'option', 'disable']);
  const dflt = resolveConnection({ host: 'h', user: 'u' }, { PGPASSFILE: '/nonexistent' });
  assert.deepEqual([dflt.port, dflt.database, dflt.password, dflt.sslmode], [5432, 'u', undefined, 'prefer']);
  assert.throws(() => resolveConnection({}, { PGSSLMODE: 'bogus' }), /invalid sslmode "bogus" in PGSSLMODE/);
});

test('~/.pgpass: first matching line wins, wildcards and escapes, loose permissions are ignored with a warning', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-pgpass-'));
  try {
    const f = join(dir, 'pgpass');
    writeFileSync(f, [
      '# comment',
      'other:5432:*:bob:nope',
      'db1:5432:app:bob:first\\:pw\\\\x',
      'db1:*:*:bob:second',
      'localhost:5432:*:sock:viasocket',
      '*:*:*:*:fallback',
    ].join('\n'));
    chmodSync(f, 0o600);
    const env = { PGPASSFILE: f };
    assert.equal(lookupPgpass({ host: 'db1', port: 5432, database: 'app', user: 'bob' }, env).password, 'first:pw\\x');
    assert.equal(lookupPgpass({ host: 'db1', port: 9999, database: 'app', user: 'bob' }, env).password, 'second');
    assert.equal(lookupPgpass({ host: '/var/run/postgresql', port: 5432, database: 'x', user: 'sock' }, env).password, 'viasocket');
    assert.equal(lookupPgpass({ host: 'zzz', port: 1, database: 'x', user: 'y' }, env).password, 'fallback');
    const r = resolveConnection({ host: 'db1', port: 5432, database: 'app', user: 'bob' }, env);
    assert.equal(r.passwordSource, 'pgpass');
    assert.equal(r.password, 'first:pw\\x');
    assert.equal(resolveConnection({ host: 'db1', user: 'bob', password: 'explicit' }, env).password, 'explicit');
    chmodSync(f, 0o644);
    const loose = resolveConnection({ host: 'db1', port: 5432, database: 'app', user: 'bob' }, env);
    assert.equal(loose.password, undefined);
    assert.match(loose.warnings[0]!, /has group or world access/);
    assert.equal(parsePgpassLine('a:b:c:d'), null);
    assert.deepEqual(parsePgpassLine('a:b:c:d:pw:with:colons'), ['a', 'b', 'c', 'd', 'pw:with:colons']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unsupported server versions are refused with the supported range', () => {
  assert.throws(() => checkServerVersion(120017, 'h:5432'), (e: unknown) => e instanceof DatabaseError && e.message.startsWith('PostgreSQL 12 is not supported (13–18 are)'));
  assert.throws(() => checkServerVersion(190000, 'h:5432'), /PostgreSQL 19 is not supported/);
  for (const v of [130000, 150018, 170006, 180001]) checkServerVersion(v, 'h');
});
