/**
 * `pgvault dump` as a child process against PostgreSQL 15: stdout and --file output, --gzip, --summary, restore
 * with psql, atomic file handling on failure, exit codes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { startCluster, type PgCluster } from '../helpers/pg.js';

let c: PgCluster;
let dir: string;
const ENTRY = join(import.meta.dirname, 'engine-cli-entry.ts');

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'dump', ...args],
    { env: { ...clean, ...env }, maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

/** Like cli(), without blocking the event loop (for a FIFO whose reader this process waits on). */
function cliAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')));
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'dump', ...args], { env: clean, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
}

before(async () => {
  c = await startCluster({ major: 15 });
  dir = mkdtempSync(join(tmpdir(), 'pgvault-dumpcli-'));
  await c.createDatabase('app');
  c.psql('app', ['-c', `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL, price numeric);
    INSERT INTO items (name, price) SELECT 'item ' || g, g * 1.5 FROM generate_series(1, 500) g;
    CREATE TABLE notes (n text); INSERT INTO notes VALUES (E'line1\\nline2'), ('\\.');`]);
});
after(async () => {
  await c?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('dump to stdout restores with psql; --file, --gzip and --summary agree with it', async () => {
  const base = ['-h', c.host, '-p', String(c.port), '-U', c.user, '--restrict-key', 'K3y', 'app'];
  const out = cli(base);
  assert.equal(out.status, 0, out.stderr);
  const script = out.stdout;
  assert.match(script.toString(), /^\\restrict K3y$/m);
  await c.createDatabase('copy1');
  c.psql('copy1', ['-f', '-'], script);
  c.psql('copy1', ['-f', '-'], script); // --clean --if-exists: a second restore over the first works
  assert.equal(c.psql('copy1', ['-At', '-c', 'SELECT count(*), sum(price), max(id) FROM items']).stdout.trim(), '500|187875.0|500');
  assert.equal(c.psql('copy1', ['-At', '-c', "SELECT nextval('items_id_seq')"]).stdout.trim(), '501');

  const file = join(dir, 'app.sql');
  const gz = join(dir, 'app.sql.gz');
  const summaryFile = join(dir, 'summary.json');
  assert.equal(cli([...base, '-f', file, '--summary', summaryFile]).status, 0);
  assert.equal(cli([...base, '-f', gz, '--gzip', '--compress-level', '1']).status, 0);
  assert.ok(readFileSync(file).equals(script));
  assert.ok(gunzipSync(readFileSync(gz)).equals(script));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as { totalBytes: number; sha256?: string; segments?: string; tables: { qualified: string; rows: number }[] };
  assert.equal(summary.totalBytes, script.length);
  // The whole script's SHA-256, as sha256sum prints it (not the segment digest that backups record).
  assert.equal(summary.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
  assert.equal(summary.segments, undefined);
  assert.deepEqual(summary.tables.map((t) => [t.qualified, t.rows]), [['public.items', 500], ['public.notes', 2]]);

  const noRestrict = cli(['-d', c.url('app'), '--no-restrict-key', '-j', '2', '--stable-order', '-T', 'public.notes']);
  assert.equal(noRestrict.status, 0, noRestrict.stderr);
  assert.doesNotMatch(noRestrict.stdout.toString(), /\\restrict|\\unrestrict/);
  assert.doesNotMatch(noRestrict.stdout.toString(), /COPY public\.notes/);
});

test('on failure with --file: exit 15, message names the table, no partial file, an existing file is untouched', async () => {
  await c.query('app', 'CREATE TABLE secret (s text); CREATE ROLE weak LOGIN; GRANT SELECT ON items, notes TO weak; GRANT USAGE ON SEQUENCE items_id_seq TO weak');
  const file = join(dir, 'weak.sql');
  writeFileSync(file, 'previous good dump\n');
  const r = cli(['-h', c.host, '-p', String(c.port), '-U', 'weak', '-f', file, 'app']);
  assert.equal(r.status, 15, r.stderr);
  assert.match(r.stderr, /^pgvault: .*secret/m);
  assert.equal(readFileSync(file, 'utf8'), 'previous good dump\n');
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('partial')), []);
  await c.query('app', 'DROP TABLE secret');
});

test('connection and usage errors map to exit codes', () => {
  const down = cli(['-h', '127.0.0.1', '-p', '1', '-U', 'x', 'app']);
  assert.equal(down.status, 15);
  assert.match(down.stderr, /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
  const missing = cli(['-d', c.url('nope')]);
  assert.equal(missing.status, 15);
  assert.match(missing.stderr, /database "nope" does not exist/);
  const env = cli([], { PGHOST: c.host, PGPORT: String(c.port), PGUSER: c.user, PGDATABASE: 'app' });
  assert.equal(env.status, 0, env.stderr);
  assert.match(env.stdout.toString(), /COPY public\.items/);
  assert.equal(cli(['-j', 'many', 'app']).status, 2);
  assert.equal(cli(['--compress-level', '11', 'app']).status, 2);
});

test('-f never replaces what is at PATH: /dev/null stays a device, a FIFO and a symlink are written through', async () => {
  const base = ['-h', c.host, '-p', String(c.port), '-U', c.user, '--restrict-key', 'K3y', 'app'];
  const expected = cli(base).stdout;
  const devBefore = readdirSync('/dev').filter((n) => n.includes('pgvault'));

  // As root, the old code wrote /dev/.null.pgvault-partial-* and renamed it over /dev/null.
  const devnull = cli([...base, '-f', '/dev/null']);
  assert.equal(devnull.status, 0, devnull.stderr);
  assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a character device');
  assert.deepEqual(readdirSync('/dev').filter((n) => n.includes('pgvault')), devBefore, 'no temporary file in /dev');

  const fifo = join(dir, 'pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  const received = join(dir, 'from-pipe.sql');
  const reader = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', fifo, received]);
  const readerDone = new Promise((resolve) => reader.on('exit', resolve));
  const viaFifo = await cliAsync([...base, '-f', fifo]);
  if (viaFifo.status !== 0) reader.kill(); // nobody opened the FIFO: do not leave the reader blocked
  await readerDone;
  assert.equal(viaFifo.status, 0, viaFifo.stderr);
  assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
  assert.ok(readFileSync(received).equals(expected));

  const real = join(dir, 'real.sql');
  writeFileSync(real, 'old');
  const link = join(dir, 'link.sql');
  symlinkSync(real, link);
  const viaLink = cli([...base, '-f', link]);
  assert.equal(viaLink.status, 0, viaLink.stderr);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the symlink is still a symlink');
  assert.ok(readFileSync(real).equals(expected), 'its target holds the dump');

  const intoDir = cli([...base, '-f', dir]);
  assert.equal(intoDir.status, 2, intoDir.stderr);
  assert.match(intoDir.stderr, /is a directory/);
});
