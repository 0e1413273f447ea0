/**
 * restore --create --jobs N: pre-data, then table data, indexes and constraints as jobs over N
 * connections (an index as soon as its table is loaded), then the rest in script order. The scheduler
 * alone with stand-in connections; then pagila (partitions, foreign keys, triggers, views, materialized
 * views, ...) restored in parallel must be identical to its source by the catalog and data fingerprints
 * of the fidelity suite, on PostgreSQL 15 and 17, and so must partitions loaded through their root.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backupDatabase } from '../../src/backup/backup.js';
import { parseConnectionUrl } from '../../src/db/connection.js';
import { restoreCreate } from '../../src/restore/create.js';
import type pg from 'pg';
import { postDataEntries, restoreParallel, runJobs, tableOfEntry } from '../../src/restore/parallel.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { hasServer, startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { fingerprint } from '../helpers/fingerprint.js';
import { testRepo } from '../repo/helpers.js';
import { PAGILA_DIR } from '../corpora/index.js';

test('post-data entries: a SET default_tablespace written before an entry belongs to that entry; parallel entries get an explicit one', () => {
  const epi = [
    '--', '-- Name: a a_pkey; Type: CONSTRAINT; Schema: public; Owner: x', '--', '', 'ALTER TABLE ONLY public.a ADD CONSTRAINT a_pkey PRIMARY KEY (id);', '', '',
    "SET default_tablespace = fast;", '',
    '--', '-- Name: a_idx; Type: INDEX; Schema: public; Owner: x', '--', '', 'CREATE INDEX a_idx ON public.a USING btree (v);', '', '',
    '--', '-- Name: b b_fk; Type: FK CONSTRAINT; Schema: public; Owner: x', '--', '', 'ALTER TABLE ONLY public.b ADD CONSTRAINT b_fk FOREIGN KEY (a) REFERENCES public.a(id);', '',
  ].join('\n');
  const { entries } = postDataEntries(epi);
  assert.deepEqual(entries.map((e) => e.type), ['CONSTRAINT', 'INDEX', 'FK CONSTRAINT']);
  assert.match(entries[0]!.sql, /^SET default_tablespace = '';\n--\n-- Name: a a_pkey/);
  assert.doesNotMatch(entries[0]!.sql, /fast/);
  assert.match(entries[1]!.sql, /^SET default_tablespace = fast;\n\n--\n-- Name: a_idx/);
  assert.doesNotMatch(entries[2]!.sql, /^SET/);
});

test('the table an index or constraint acts on: named by its statement, exactly one table, else none', () => {
  const tables = ['public.a', 'public."a b"', 'app.a'];
  const idx = (sql: string): { type: string; sql: string } => ({ type: 'INDEX', sql });
  assert.equal(tableOfEntry(idx('CREATE INDEX a_v ON public.a USING btree (v);\n'), tables), 'public.a');
  assert.equal(tableOfEntry(idx('CREATE UNIQUE INDEX "x y" ON public."a b" USING btree (v) WHERE (v > 0);\n'), tables), 'public."a b"');
  assert.equal(tableOfEntry(idx('CREATE INDEX p_v ON ONLY public.p USING btree (v);\n'), tables), undefined, 'a partitioned parent has no data of its own');
  assert.equal(tableOfEntry({ type: 'CONSTRAINT', sql: 'ALTER TABLE ONLY app.a\n    ADD CONSTRAINT a_pkey PRIMARY KEY (id);\n' }, tables), 'app.a');
  assert.equal(tableOfEntry({ type: 'CONSTRAINT', sql: 'ALTER TABLE public.p\n    ADD CONSTRAINT p_excl EXCLUDE USING gist (r WITH &&);\n' }, tables), undefined,
    'a constraint that recurses to partitions waits for all the data');
  assert.equal(tableOfEntry(idx('CREATE INDEX c ON public.c USING btree (v);\n'), tables), undefined, 'a table without data');
});

/** A job whose end the test decides. */
function gate(): { promise: Promise<void>; open: () => void; fail: (e: Error) => void } {
  let open!: () => void;
  let fail!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => { open = res; fail = rej; });
  return { promise, open, fail };
}

/** Let the event loop turn until `cond` holds (the scheduler starts jobs from promise callbacks). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !cond(); i++) await new Promise<void>((r) => setImmediate(r));
  assert.ok(cond(), 'the scheduler did not get there');
}

test('jobs: heaviest ready first; an index starts as soon as its own table is loaded, while another table still loads; one table at a time', async () => {
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  type J = Parameters<typeof runJobs>[1][number];
  const job = (label: string, weight: number, table?: string): J => {
    const j: J = { label, weight, waits: 0, then: [], run: (client) => {
      started.push(`${String(client)}:${label}`);
      const g = gate();
      gates.set(label, g);
      return g.promise;
    } };
    if (table) j.table = table;
    return j;
  };
  const big = job('data big', 100, 'big');
  const small = job('data small', 10, 'small');
  const bigPk = job('pk big', 100, 'big');
  const bigIdx = job('idx big', 90, 'big');
  const smallPk = job('pk small', 10, 'small');
  const all = job('after all data', 5);
  for (const [d, after] of [[big, [bigPk, bigIdx, all]], [small, [smallPk, all]]] as const) {
    for (const a of after) { d.then.push(a); a.waits++; }
  }
  const clients = ['c1', 'c2'] as unknown as pg.Client[];
  const done = runJobs(clients, [small, smallPk, big, bigPk, bigIdx, all]);
  await until(() => started.length === 2);
  assert.deepEqual(started, ['c1:data big', 'c2:data small'], 'the heaviest first');
  gates.get('data small')!.open();
  await until(() => started.length === 3);
  assert.equal(started[2], 'c2:pk small', 'the small table\'s key while the big table still loads');
  gates.get('pk small')!.open();
  gates.get('data big')!.open();
  await until(() => started.length === 5);
  assert.deepEqual(started.slice(3).sort(), ['c1:pk big', 'c2:after all data'], 'the big table\'s key first; its other index waits');
  gates.get('after all data')!.open();
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  assert.equal(started.length, 5, 'a free connection, but the only ready job is on the table another connection works on');
  gates.get('pk big')!.open();
  await until(() => started.length === 6);
  assert.match(started[5]!, /^c[12]:idx big$/);
  gates.get('idx big')!.open();
  await done;
});

test('jobs: the first failure stops the others from starting and is what runJobs throws', async () => {
  const ran: string[] = [];
  type J = Parameters<typeof runJobs>[1][number];
  const a: J = { label: 'a', weight: 3, waits: 0, then: [], run: async () => { ran.push('a'); throw new Error('boom'); } };
  const b: J = { label: 'b', weight: 2, waits: 0, then: [], run: async () => { ran.push('b'); } };
  const c: J = { label: 'c', weight: 1, waits: 0, then: [], run: async () => { ran.push('c'); } };
  await assert.rejects(runJobs(['c1'] as unknown as pg.Client[], [a, b, c]), /a: boom/);
  assert.deepEqual(ran, ['a']);
});

for (const major of [15, 17] as PgMajor[]) {
  describe(`parallel restore, PostgreSQL ${major}`, { skip: !hasServer(major) && `PostgreSQL ${major} is not installed` }, () => {
    let pg: PgCluster;
    let r: Awaited<ReturnType<typeof testRepo>>;
    before(async () => {
      pg = await startCluster({ major });
      await pg.createDatabase('pagila');
      pg.psql('pagila', ['-f', `${PAGILA_DIR}/pagila-schema.sql`]);
      pg.psql('pagila', ['-f', `${PAGILA_DIR}/pagila-data.sql`]);
      r = await testRepo();
    });
    after(async () => {
      await r?.repo.close();
      r?.cleanup();
      await pg?.stop();
    });

    test('pagila with --jobs 3 equals its source (catalog and data fingerprints)', async () => {
      const b = await backupDatabase(r.repo, { connection: parseConnectionUrl(pg.url('pagila')) });
      const s = await loadSnapshot(r.repo, b.snapshotId);
      const x = await restoreCreate(r.repo, s, parseConnectionUrl(pg.url('postgres')), { database: 'pagila_par', jobs: 3 });
      assert.equal(x.load.tables, s.parts.filter((p) => p.kind === 'table-data').length);
      const [a, c] = await Promise.all([fingerprint(pg.config('pagila')), fingerprint(pg.config('pagila_par'))]);
      for (const k of Object.keys(a)) assert.deepEqual(c[k], a[k], `section ${k}`);
    });

    test('hash partitions on an enum column load through their root, never after a TRUNCATE (it would empty rows routed there before)', async () => {
      await pg.createDatabase('viaroot');
      await pg.query('viaroot', `CREATE TYPE color AS ENUM ('red', 'green', 'blue', 'cyan', 'magenta');
        CREATE TABLE t (c color, n int) PARTITION BY HASH (c);
        CREATE TABLE t0 PARTITION OF t FOR VALUES WITH (MODULUS 3, REMAINDER 0);
        CREATE TABLE t1 PARTITION OF t FOR VALUES WITH (MODULUS 3, REMAINDER 1);
        CREATE TABLE t2 PARTITION OF t FOR VALUES WITH (MODULUS 3, REMAINDER 2);
        INSERT INTO t SELECT (enum_range(NULL::color))[1 + g % 5], g FROM generate_series(1, 3000) g;`);
      const b = await backupDatabase(r.repo, { connection: parseConnectionUrl(pg.url('viaroot')) });
      const s = await loadSnapshot(r.repo, b.snapshotId);
      assert.ok(s.parts.some((p) => p.kind === 'table-data' && p.table && !p.table.qualified.endsWith('.t')), 'one data part per partition');
      // Enum OIDs differ in the new database, so rows land in other partitions than their part's: one connection
      // loading the parts one after the other shows a TRUNCATE of a partition that earlier parts filled.
      await pg.createDatabase('viaroot_par');
      await pg.query('viaroot_par', 'CREATE TYPE dummy AS ENUM (\'x\', \'y\', \'z\')');
      await pg.query('viaroot_par', 'DROP TYPE dummy');
      await restoreParallel(r.repo, s, parseConnectionUrl(pg.url('viaroot_par')), { jobs: 1 });
      const count = async (db: string): Promise<unknown> => pg.query(db, 'SELECT c::text, count(*)::int AS n, sum(n)::int AS s FROM t GROUP BY c ORDER BY c');
      assert.deepEqual(await count('viaroot_par'), await count('viaroot'));
    });
  });
}
