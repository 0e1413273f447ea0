/**
 * Restored files never collide and never replace anything: Unicode names are kept, unsafe characters
 * and leading dots are mapped, two outputs with the same name get the snapshot id, an existing file
 * makes the restore choose another name or refuse (--force replaces regular files only), a missing
 * target directory is created, and partial files of a killed restore do not get in the way.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Repository } from '../../src/repo/repository.js';
import { restoreToDirectory, writeGzipFile, writeStream } from '../../src/restore/to-file.js';
import { PassThrough } from 'node:stream';
import { planRestoreFiles, prepareTargetDir, discardIfEmpty } from '../../src/restore/output-file.js';
import { restoreFileName, safeFileComponent } from '../../src/restore/names.js';
import { StoreUnavailableError, UsageError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { tempDir } from '../repo/helpers.js';
import { addSnapshot, fsRepo } from './helpers.js';

let tmp: { path: string; cleanup: () => void };
let repo: Repository;
let n = 0;

before(async () => {
  tmp = tempDir();
  repo = await fsRepo(tmp.path);
});
after(async () => {
  await repo.close();
  tmp.cleanup();
});

function freshDir(): string {
  const d = join(tmp.path, `out${++n}`);
  mkdirSync(d);
  return d;
}

const text = (path: string): string => gunzipSync(readFileSync(path)).toString('utf8');

test('file names keep Unicode letters, map only unsafe characters, and never start with a dot', () => {
  const t = '2026-12-03T16:20:15Z';
  assert.equal(restoreFileName({ database: '日本', time: t }), '日本_20261203_162015.sql.gz');
  assert.equal(restoreFileName({ database: 'a b', time: t }), 'a b_20261203_162015.sql.gz');
  assert.equal(restoreFileName({ database: 'Ünïcödé-db.x', time: t }), 'Ünïcödé-db.x_20261203_162015.sql.gz');
  assert.equal(safeFileComponent('..'), '__');
  assert.equal(safeFileComponent('.x'), '_x');
  assert.equal(safeFileComponent('../../etc/passwd'), '___.._etc_passwd');
  assert.equal(safeFileComponent('a\nb\u0000c\\d'), 'a_b_c_d');
  assert.equal(safeFileComponent(''), '_');
});

test('two databases whose names map alike, restored in one go, give two files (no overwrite)', async () => {
  const time = '2026-12-03T16:20:15+00:00';
  // Same wall-clock second; `a/b` and `a_b` map to the same file name, so do `Shop` and `shop` on a case-insensitive file system.
  const snaps = [
    await addSnapshot(repo, { database: '日本', time, script: 'SELECT 1; -- 日本\n' }),
    await addSnapshot(repo, { database: '中国', time, script: 'SELECT 2; -- 中国\n' }),
    await addSnapshot(repo, { database: 'a/b', time, script: 'SELECT 3; -- a/b\n' }),
    await addSnapshot(repo, { database: 'a_b', time, script: 'SELECT 4; -- a_b\n' }),
    await addSnapshot(repo, { database: 'Shop', time, script: 'SELECT 5; -- Shop\n' }),
    await addSnapshot(repo, { database: 'shop', time, script: 'SELECT 6; -- shop\n' }),
    await addSnapshot(repo, { database: 'app', time, host: 'server-a', script: 'SELECT 7; -- app on a\n' }),
    await addSnapshot(repo, { database: 'app', time, host: 'server-b', script: 'SELECT 8; -- app on b\n' }),
    await addSnapshot(repo, { database: '..', time, script: 'SELECT 9; -- dotdot\n' }),
  ];
  const dir = freshDir();
  const plan = await planRestoreFiles(dir, snaps);
  const paths: string[] = [];
  for (const s of snaps) paths.push(await restoreToDirectory(repo, s, dir, plan.get(s.id)!));
  assert.equal(new Set(paths).size, snaps.length, 'every snapshot got its own file');
  assert.equal(readdirSync(dir).length, snaps.length);
  snaps.forEach((s, i) => assert.match(text(paths[i]!), new RegExp(`SELECT ${i + 1};`), `${s.database} holds its own script`));
  const names = readdirSync(dir).sort();
  assert.ok(names.includes('日本_20261203_162015.sql.gz') && names.includes('中国_20261203_162015.sql.gz'), names.join(' '));
  assert.ok(names.includes(`a_b_20261203_162015_${snaps[2]!.id.slice(0, 8)}.sql.gz`), 'colliding names carry the snapshot id');
  assert.ok(names.includes(`app_20261203_162015_${snaps[7]!.id.slice(0, 8)}.sql.gz`));
  assert.ok(names.includes('___20261203_162015.sql.gz'), 'a database named .. is neither hidden nor a traversal');
  assert.ok(names.every((x) => !x.startsWith('.')));
});

test('an existing file is never replaced: the id is added, then the restore refuses; --force replaces regular files only', async () => {
  const s = await addSnapshot(repo, { database: 'bus', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 42;\n' });
  const dir = freshDir();
  const plain = join(dir, 'bus_20261126_060000.sql.gz');
  writeFileSync(plain, 'precious, not a backup');
  const first = await restoreToDirectory(repo, s, dir);
  assert.equal(first, join(dir, `bus_20261126_060000_${s.id.slice(0, 8)}.sql.gz`));
  assert.equal(readFileSync(plain, 'utf8'), 'precious, not a backup');
  await assert.rejects(restoreToDirectory(repo, s, dir), (e: unknown) =>
    e instanceof UsageError && e.message.includes(first) && /--force/.test(e.message));
  assert.equal(readFileSync(plain, 'utf8'), 'precious, not a backup');
  assert.equal(readdirSync(dir).length, 2, 'nothing else was written');

  // --force: the plain name is replaced (it is a regular file).
  const forced = await restoreToDirectory(repo, s, dir, { overwrite: true });
  assert.equal(forced, plain);
  assert.equal(text(plain), 'SELECT 42;\n');

  // --force never replaces what is not a regular file (a symlink to a file elsewhere, a directory).
  const other = freshDir();
  const victim = join(tmp.path, 'victim.txt');
  writeFileSync(victim, 'keep me');
  symlinkSync(victim, join(other, 'bus_20261126_060000.sql.gz'));
  mkdirSync(join(other, `bus_20261126_060000_${s.id.slice(0, 8)}.sql.gz`));
  await assert.rejects(restoreToDirectory(repo, s, other, { overwrite: true }), (e: unknown) => e instanceof UsageError && /not a regular file/.test(e.message));
  assert.equal(readFileSync(victim, 'utf8'), 'keep me');
  await assert.rejects(restoreToDirectory(repo, s, other), UsageError);
  assert.equal(readFileSync(victim, 'utf8'), 'keep me');
});

test('a file that appears while the restore runs is not replaced', async () => {
  const s = await addSnapshot(repo, { database: 'race', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 1;\n' });
  const dir = freshDir();
  const plan = await planRestoreFiles(dir, [s]);
  writeFileSync(join(dir, plan.get(s.id)!.name), 'written by someone else meanwhile');
  await assert.rejects(restoreToDirectory(repo, s, dir, plan.get(s.id)!), (e: unknown) => e instanceof UsageError && /appeared while the restore ran/.test(e.message));
  assert.equal(readFileSync(join(dir, plan.get(s.id)!.name), 'utf8'), 'written by someone else meanwhile');
  assert.deepEqual(readdirSync(dir), [plan.get(s.id)!.name], 'no partial file is left');
});

test('partial files left by a killed restore do not block the next one; they are reported', async () => {
  const s = await addSnapshot(repo, { database: 'killed', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 7;\n' });
  const dir = freshDir();
  // What a restore killed by SIGKILL leaves: the old fixed name and a new-style unique name.
  writeFileSync(join(dir, 'killed_20261126_060000.sql.gz.partial'), 'half');
  writeFileSync(join(dir, 'killed_20261126_060000.sql.gz.0123abcd.partial'), 'half');
  const warnings: string[] = [];
  const logger: Logger = { debug() {}, info() {}, error() {}, warn: (m) => warnings.push(m) };
  const path = await restoreToDirectory(repo, s, dir, { logger });
  assert.equal(path, join(dir, 'killed_20261126_060000.sql.gz'));
  assert.equal(text(path), 'SELECT 7;\n');
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0]!, /interrupted/);

  const p2 = await writeGzipFile(dir, 'killed_20261126_060000.tables.sql.gz', (async function* () { yield Buffer.from('x'); })());
  assert.equal(text(p2), 'x');
});

test('a missing target directory is created (and removed again if the restore wrote nothing)', async () => {
  const s = await addSnapshot(repo, { database: 'fresh', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 8;\n' });
  const dir = join(tmp.path, 'new', 'nested');
  const path = await restoreToDirectory(repo, s, dir);
  assert.equal(text(path), 'SELECT 8;\n');

  const unused = join(tmp.path, 'unused', 'deeper');
  const prepared = await prepareTargetDir(unused);
  assert.ok(existsSync(unused));
  await discardIfEmpty(prepared);
  assert.ok(!existsSync(join(tmp.path, 'unused')), 'the directories it created are gone');

  writeFileSync(join(tmp.path, 'a-file'), '');
  await assert.rejects(prepareTargetDir(join(tmp.path, 'a-file', 'sub')), (e: unknown) => e instanceof UsageError && /not a directory/.test(e.message));
});

test('a name whose companion file (<name>.globals.sql) exists counts as taken', async () => {
  const s = await addSnapshot(repo, { database: 'comp', time: '2026-11-26T06:00:00+01:00', script: 'SELECT 1;\n' });
  const dir = freshDir();
  writeFileSync(join(dir, 'comp_20261126_060000.globals.sql'), '-- left from an earlier restore');
  const companions = (name: string): string[] => [name.replace(/\.sql\.gz$/, '.globals.sql')];
  const plan = await planRestoreFiles(dir, [s], { companions });
  assert.equal(plan.get(s.id)!.name, `comp_20261126_060000_${s.id.slice(0, 8)}.sql.gz`);
  const forced = await planRestoreFiles(dir, [s], { companions, force: true });
  assert.deepEqual(forced.get(s.id), { name: 'comp_20261126_060000.sql.gz', overwrite: true });
});

test('a table extract cut mid-stream (--table --stdout) ends with the trailer that makes psql fail', async () => {
  const out = new PassThrough();
  const got: Buffer[] = [];
  out.on('data', (c: Buffer) => got.push(c));
  async function* cut(): AsyncGenerator<Uint8Array> {
    yield Buffer.from('CREATE TABLE public.t (a int);\nCOPY public.t (a) FROM stdin;\n1\n2');
    throw new StoreUnavailableError('injected: the store went away');
  }
  await assert.rejects(writeStream(out, cut(), false), StoreUnavailableError);
  const text = Buffer.concat(got).toString();
  assert.match(text, /\n1\n2\\\.pgvault: restore aborted\n\\\.\n/, 'the open COPY gets an invalid end-of-copy marker');
  assert.match(text, /pg_terminate_backend\(pg_catalog\.pg_backend_pid\(\)\);\n$/);
});
