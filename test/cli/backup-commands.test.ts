/**
 * backup / snapshots / restore / verify / diff / stats through the CLI, as an operator runs them,
 * against a real PostgreSQL: output formats, exit codes, and the errors of bad input.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { tempDir } from '../repo/helpers.js';
import { runCli, type CliRun } from '../helpers/cli.js';

let tmp: { path: string; cleanup: () => void };
let pg: PgCluster;
let repo: string;

function pgvault(args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  return runCli(['--repo', repo, ...args], { PGVAULT_PASSWORD: 'cli test password', XDG_CACHE_HOME: join(tmp.path, 'cache'), ...env });
}

before(async () => {
  tmp = tempDir();
  repo = join(tmp.path, 'repo');
  pg = await startCluster({ major: 15 });
  for (const db of ['shop', 'crm']) {
    await pg.createDatabase(db);
    pg.psql(db, ['-c', `CREATE TABLE public.items (id int PRIMARY KEY, name text);
      INSERT INTO public.items SELECT g, 'item ' || g FROM generate_series(1, 2000) g;`]);
  }
  pg.psql('shop', ['-c', "CREATE TABLE public.orders (id int PRIMARY KEY, item int REFERENCES public.items); INSERT INTO public.orders SELECT g, g FROM generate_series(1, 30) g;"]);
});

after(async () => {
  await pg?.stop();
  tmp?.cleanup();
});

test('backup, snapshots, diff, restore, verify and stats from the command line', async () => {
  let r = await pgvault(['init']);
  assert.equal(r.code, 0, r.stderr);

  r = await pgvault(['--json', 'backup', pg.url('shop'), pg.url('crm'), '--tag', 'nightly', '--time', '2026-11-20T06:00:00+01:00']);
  assert.equal(r.code, 0, r.stderr);
  const first = JSON.parse(r.stdout) as { database: string; ok: boolean; snapshot: string }[];
  assert.deepEqual(first.map((x) => [x.database, x.ok]), [['shop', true], ['crm', true]]);

  pg.psql('shop', ['-c', "UPDATE public.items SET name = 'changed' WHERE id = 7"]);
  r = await pgvault(['--json', 'backup', pg.url('shop'), '--tag', 'nightly', '--time', '2026-11-20T18:00:00+01:00']);
  assert.equal(r.code, 0, r.stderr);
  const second = (JSON.parse(r.stdout) as { snapshot: string }[])[0]!.snapshot;

  r = await pgvault(['--json', 'snapshots', '--db', 'shop']);
  assert.equal(r.code, 0, r.stderr);
  const snaps = JSON.parse(r.stdout) as { id: string; time: string; tags: string[]; segments?: string; sha256?: string }[];
  assert.deepEqual(snaps.map((s) => s.time), ['2026-11-20T06:00:00+01:00', '2026-11-20T18:00:00+01:00']);
  // The script's checksum as the manifest records it: a new backup's segment digest (no whole-script sha256).
  assert.ok(snaps.every((s) => /^[0-9a-f]{64}$/.test(s.segments ?? '') && s.sha256 === undefined), r.stdout);
  assert.deepEqual(snaps[0]!.tags, ['nightly']);
  r = await pgvault(['snapshots', '--latest', '1']);
  assert.match(r.stdout, /2 snapshot\(s\)/);

  r = await pgvault(['--json', 'diff', snaps[0]!.id.slice(0, 8), second.slice(0, 8)]);
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout) as { schemaChanged: boolean; tables: { table: string; change: string }[] };
  assert.deepEqual(d.tables.map((t) => [t.table, t.change]), [['public.items', 'changed'], ['public.orders', 'unchanged']]);

  const out = join(tmp.path, 'out');
  mkdirSync(out);
  r = await pgvault(['restore', 'latest', '--target', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out).sort(), ['crm_20261120_060000.globals.sql', 'crm_20261120_060000.sql.gz', 'shop_20261120_180000.globals.sql', 'shop_20261120_180000.sql.gz']);
  await pg.createDatabase('shop_copy');
  pg.psql('shop_copy', ['-f', '-'], gunzipSync(readFileSync(join(out, 'shop_20261120_180000.sql.gz'))));
  const [row] = await pg.query<{ name: string }>('shop_copy', 'SELECT name FROM public.items WHERE id = 7');
  assert.equal(row!.name, 'changed');

  r = await pgvault(['restore', 'latest', '--stdout']);
  assert.equal(r.code, 2, 'latest matches two databases: --stdout needs --db');
  assert.match(r.stderr, /choose one with --db/);
  r = await pgvault(['restore', 'latest', '--db', 'crm', '--stdout']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /COPY public\.items \(id, name\) FROM stdin;/);

  r = await pgvault(['restore', 'latest', '--db', 'shop', '--into', pg.url('shop_copy')]);
  assert.equal(r.code, 2, 'a non-empty target needs --clean');
  r = await pgvault(['restore', 'latest', '--db', 'shop', '--into', pg.url('shop_copy'), '--clean']);
  assert.equal(r.code, 0, r.stderr);

  r = await pgvault(['verify', 'latest', '--scratch', pg.url('postgres')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /restores exactly/);

  r = await pgvault(['--json', 'stats']);
  assert.equal(r.code, 0, r.stderr);
  const st = JSON.parse(r.stdout) as { total: { snapshots: number; logicalBytes: number; storedBytes: number }; databases: unknown[] };
  assert.equal(st.total.snapshots, 3);
  assert.equal(st.databases.length, 2);
  assert.ok(st.total.storedBytes > 0 && st.total.storedBytes < st.total.logicalBytes);

  r = await pgvault(['restore', 'ffffffff', '--target', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no snapshot ffffffff/);
  r = await pgvault(['restore', 'latest', '--db', 'crm', '--target', join(tmp.path, 'missing-dir')]);
  assert.equal(r.code, 0, 'a missing target directory is created');
  assert.deepEqual(readdirSync(join(tmp.path, 'missing-dir')).sort(), ['crm_20261120_060000.globals.sql', 'crm_20261120_060000.sql.gz']);
});

test('one unreachable database: the other is backed up, exit code 1; alone, the database error code 15', async () => {
  const bad = `postgres://postgres@127.0.0.1:1/nope`;
  let r = await pgvault(['--json', 'backup', bad, pg.url('crm')]);
  assert.equal(r.code, 1, r.stderr);
  const res = JSON.parse(r.stdout) as { ok: boolean }[];
  assert.deepEqual(res.map((x) => x.ok), [false, true]);
  r = await pgvault(['backup', bad]);
  assert.equal(r.code, 15, r.stderr);
  assert.match(r.stderr, /cannot connect|connection refused/i);
});

test('ls lists a snapshot\'s tables; restore --table without --db uses the databases that have the table', async () => {
  let r = await pgvault(['--json', 'ls', 'latest', '--db', 'shop']);
  assert.equal(r.code, 0, r.stderr);
  const [shop] = JSON.parse(r.stdout) as { database: string; tables: { qualified: string; rows: number; bytes: number; sha256: string }[] }[];
  assert.equal(shop!.database, 'shop');
  assert.deepEqual(shop!.tables.map((t) => [t.qualified, t.rows]), [['public.items', 2000], ['public.orders', 30]]);
  assert.ok(shop!.tables.every((t) => t.bytes > 0 && /^[0-9a-f]{64}$/.test(t.sha256)));
  r = await pgvault(['ls', 'latest']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /snapshot [0-9a-f]{8} \(crm on /);
  assert.match(r.stdout, /public\.orders\s+30\s/);

  const dir = join(tmp.path, 'tables');
  r = await pgvault(['restore', 'latest', '--table', 'orders', '--target', dir]);
  assert.equal(r.code, 0, r.stderr);
  const files = readdirSync(dir);
  assert.equal(files.length, 1, 'only shop has the table');
  assert.match(files[0]!, /^shop_\d{8}_\d{6}\.tables\.sql\.gz$/);
  assert.match(gunzipSync(readFileSync(join(dir, files[0]!))).toString(), /COPY public\.orders/);
  r = await pgvault(['restore', 'latest', '--table', 'items', '--stdout']);
  assert.equal(r.code, 2, 'both databases have items: --stdout needs --db');
  r = await pgvault(['restore', 'latest', '--table', 'nowhere', '--target', dir]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /no table matching nowhere in any of the 2 snapshots/);
});
