/**
 * `restore --stdout | psql` cut mid-stream: whatever the cut point (a COPY row, a line start in COPY
 * data, a dollar-quoted body, a string, a comment, an open parenthesis, between statements, before
 * anything), the trailer pgvault appends makes psql 15 fail — exit 2 (connection terminated) without
 * ON_ERROR_STOP, 3 with it — and no truncated COPY is loaded. End to end: a store failure in the middle
 * of restoreToStream, the output piped into psql.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startCluster, PG_CLIENT_BIN, type PgCluster } from '../helpers/pg.js';
import { dumpDatabase, writeDump } from '../../src/dump/index.js';
import { PsqlScriptTracker } from '../../src/restore/abort-trailer.js';
import { restoreToStream } from '../../src/restore/to-file.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { FaultyStore } from '../../src/store/faulty.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { tempDir } from '../repo/helpers.js';
import { fsRepo } from './helpers.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';

let pg: PgCluster;
let script: string;
let n = 0;
const ROWS = 20000;

function psql(db: string, input: string | Buffer, onErrorStop: boolean): { status: number | null; stderr: string } {
  const r = spawnSync(join(PG_CLIENT_BIN, 'psql'), ['-X', '-q', '-v', `ON_ERROR_STOP=${onErrorStop ? 1 : 0}`, '-h', pg.host, '-p', String(pg.port), '-U', pg.user, '-d', db],
    { input, encoding: 'utf8', maxBuffer: 1 << 28, env: { PATH: process.env.PATH ?? '' } });
  return { status: r.status, stderr: r.stderr };
}

async function rowsIn(db: string): Promise<number | null> {
  const [exists] = await pg.query<{ t: string | null }>(db, "SELECT to_regclass('public.items')::text AS t");
  if (exists!.t === null) return null;
  const [r] = await pg.query<{ n: string }>(db, 'SELECT count(*)::text AS n FROM public.items');
  return Number(r!.n);
}

before(async () => {
  pg = await startCluster({ major: 15 });
  await pg.createDatabase('src');
  pg.psql('src', ['-c', `
    CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL CHECK (length(name) < (100 + (2 * 3))), note text);
    INSERT INTO public.items SELECT g, 'item ' || g, CASE WHEN g % 7 = 0 THEN E'back\\\\slash\\ttab' END FROM generate_series(1, ${ROWS}) g;
    CREATE INDEX items_name ON public.items USING btree (name, (lower(name)));
    CREATE FUNCTION public.greet(who text) RETURNS text LANGUAGE plpgsql AS $body$
    BEGIN
      -- a comment with 'quotes' and (parens
      RETURN 'it''s ' || who || $$ and $$ || '; DROP TABLE nothing; ';
    END
    $body$;
    COMMENT ON TABLE public.items IS 'the ''items'' table; (with a paren';
    CREATE FUNCTION public.n_items(lim int) RETURNS bigint LANGUAGE sql
    BEGIN ATOMIC
      SELECT 1;
      SELECT CASE WHEN lim > 0 THEN (SELECT count(*) FROM public.items) ELSE 0 END;
    END;`]);
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeDump(dumpDatabase({ host: pg.host, port: pg.port, user: pg.user, database: 'src' }), out);
  script = Buffer.concat(chunks).toString('utf8');
});
after(async () => { await pg?.stop(); });

function cutAt(name: string, at: number): { name: string; at: number } {
  assert.ok(at > 0 && at < script.length, `cut point ${name} found`);
  return { name, at };
}

test('wherever the script is cut, the trailer makes psql fail and loads no truncated COPY', async () => {
  const copyStart = script.indexOf('COPY public.items');
  const row = script.indexOf('\n5000\t', copyStart);
  const cuts = [
    { name: 'nothing written', at: 0 },
    cutAt('mid COPY row', row + 4),
    cutAt('COPY line start', row + 1),
    cutAt('after a backslash in a COPY row', script.indexOf('back\\', copyStart) + 5),
    cutAt('dollar-quoted body', script.indexOf('a comment with')),
    cutAt('string literal', script.indexOf("the ''items")+ 6),
    cutAt('open parenthesis', script.indexOf('(name, (lower(name') + 9),
    cutAt('between statements', script.indexOf('\n', script.indexOf('CREATE INDEX items_name')) + 1),
    cutAt('line comment', script.indexOf('--', script.indexOf('CREATE INDEX items_name') - 200) + 3),
    // psql does not end a statement at a semicolon inside CREATE FUNCTION … BEGIN ATOMIC … END (nor CASE … END in it).
    cutAt('right after BEGIN of BEGIN ATOMIC', script.indexOf('BEGIN ATOMIC') + 5),
    cutAt('after a statement inside BEGIN ATOMIC', script.indexOf('SELECT 1;', script.indexOf('BEGIN ATOMIC')) + 9),
    cutAt('inside CASE inside BEGIN ATOMIC', script.indexOf('WHEN', script.indexOf('BEGIN ATOMIC')) + 4),
    cutAt('right after the END of a CASE inside BEGIN ATOMIC', script.indexOf('END', script.indexOf('WHEN', script.indexOf('BEGIN ATOMIC'))) + 3),
  ];
  for (const cut of cuts) {
    const prefix = script.slice(0, cut.at);
    const t = new PsqlScriptTracker();
    const bytes = Buffer.from(prefix, 'utf8');
    // Fed in uneven pieces, as chunks arrive.
    for (let i = 0; i < bytes.length; i += 7919) t.update(bytes.subarray(i, i + 7919));
    const input = prefix + t.abortTrailer('injected store failure');
    for (const stop of [false, true]) {
      const db = `cut${++n}`;
      await pg.createDatabase(db);
      const r = psql(db, input, stop);
      assert.equal(r.status, stop ? 3 : 2, `${cut.name} (ON_ERROR_STOP=${stop ? 1 : 0}): psql exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, stop ? /restore stream was cut|ERROR/ : /terminating connection|connection to server was lost/, cut.name);
      const rows = await rowsIn(db);
      assert.ok(rows === null || rows === 0 || rows === ROWS, `${cut.name}: no truncated COPY was loaded (${rows} rows)`);
    }
  }
});

test('a store failure in the middle of restore --stdout: the output makes psql fail, the database stays visibly incomplete', async () => {
  const t = tempDir();
  try {
    let faulty!: FaultyStore;
    const repo = await fsRepo(t.path, (s) => (faulty = new FaultyStore(s)));
    const { snapshotId } = await backupDatabase(repo, { connection: { host: pg.host, port: pg.port, user: pg.user, database: 'src' } });
    const snapshot = await loadSnapshot(repo, snapshotId);
    const dataGets = () => faulty.calls.filter((c) => c.method === 'get' && c.kind === 'data').length;
    const before = dataGets();
    const full = new PassThrough();
    const all: Buffer[] = [];
    full.on('data', (c: Buffer) => all.push(c));
    await restoreToStream(repo, snapshot, full);
    const chunkReads = dataGets() - before;
    assert.ok(chunkReads > 10, `enough chunks to cut in the middle (${chunkReads})`);

    faulty.fail({ methods: 'get', kinds: 'data', nth: Math.floor(chunkReads / 2), times: Infinity });
    const out = new PassThrough();
    const got: Buffer[] = [];
    out.on('data', (c: Buffer) => got.push(c));
    await assert.rejects(restoreToStream(repo, snapshot, out), StoreUnavailableError);
    const cut = Buffer.concat(got);
    assert.ok(cut.length < Buffer.concat(all).length);
    for (const stop of [false, true]) {
      const db = `aborted${++n}`;
      await pg.createDatabase(db);
      const r = psql(db, cut, stop);
      assert.equal(r.status, stop ? 3 : 2, r.stderr);
      const [idx] = await pg.query<{ n: string }>(db, "SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'items_name'");
      assert.equal(idx!.n, '0', 'the post-data was never run: the database is visibly incomplete');
    }
    await repo.close();
  } finally {
    t.cleanup();
  }
});
