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
import { planLoad, postDataEntries, restoreParallel, runJobs, tableOfEntry, tablesOfForeignKey, type PostEntry } from '../../src/restore/parallel.js';
import type { PartRecord } from '../../src/snapshot/manifest.js';
import { silentLogger } from '../../src/log.js';
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
    const j: J = { label, weight, tables: table ? [table] : [], waits: 0, then: [], run: (client) => {
      started.push(`${String(client)}:${label}`);
      const g = gate();
      gates.set(label, g);
      return g.promise;
    } };
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
  const a: J = { label: 'a', weight: 3, tables: [], waits: 0, then: [], run: async () => { ran.push('a'); throw new Error('boom'); } };
  const b: J = { label: 'b', weight: 2, tables: [], waits: 0, then: [], run: async () => { ran.push('b'); } };
  const c: J = { label: 'c', weight: 1, tables: [], waits: 0, then: [], run: async () => { ran.push('c'); } };
  await assert.rejects(runJobs(['c1'] as unknown as pg.Client[], [a, b, c]), /a: boom/);
  assert.deepEqual(ran, ['a']);
});

test('the two tables of a foreign key: both plain tables with data, else none (added in script order afterwards)', () => {
  const tables = ['public.a', 'public.b', 'app."B c"'];
  const fk = (sql: string): { type: string; sql: string } => ({ type: 'FK CONSTRAINT', sql });
  assert.deepEqual(tablesOfForeignKey(fk('ALTER TABLE ONLY public.b\n    ADD CONSTRAINT b_a FOREIGN KEY (a) REFERENCES public.a(id);\n'), tables),
    { table: 'public.b', references: 'public.a' });
  assert.deepEqual(tablesOfForeignKey(fk('ALTER TABLE ONLY app."B c"\n    ADD CONSTRAINT s FOREIGN KEY (p) REFERENCES app."B c"(id) ON DELETE CASCADE;\n'), tables),
    { table: 'app."B c"', references: 'app."B c"' }, 'a key onto its own table');
  assert.equal(tablesOfForeignKey(fk('ALTER TABLE public.p\n    ADD CONSTRAINT p_a FOREIGN KEY (a) REFERENCES public.a(id);\n'), tables), undefined, 'a partitioned table has no data of its own');
  assert.equal(tablesOfForeignKey(fk('ALTER TABLE ONLY public.b\n    ADD CONSTRAINT b_p FOREIGN KEY (p) REFERENCES public.p(id);\n'), tables), undefined, 'onto a partitioned table');
  assert.equal(tablesOfForeignKey({ type: 'CONSTRAINT', sql: 'ALTER TABLE ONLY public.b\n    ADD CONSTRAINT b_pkey PRIMARY KEY (id);\n' }, tables), undefined);
});

/** A post-data entry as the dump writes it (its TOC comment, then its SQL). */
const entry = (type: string, name: string, sql: string): string => `--\n-- Name: ${name}; Type: ${type}; Schema: public; Owner: x\n--\n\n${sql}\n\n`;

/** The part record of a table's data, of `length` bytes. */
const data = (name: string, length: number): PartRecord => ({
  kind: 'table-data', name: `public.${name}`, offset: 0, length,
  table: { schema: 'public', name, qualified: `public.${name}`, rows: 1, bytes: length, sha256: '', order: 'heap', columns: [], dataOffset: 0, dataLength: length },
});

test('plan: a foreign key runs as soon as both tables are loaded and the referenced key is built, while another table still loads, never next to another job on either table', async () => {
  const { entries } = postDataEntries([
    entry('CONSTRAINT', 'big big_pkey', 'ALTER TABLE ONLY public.big\n    ADD CONSTRAINT big_pkey PRIMARY KEY (id);'),
    entry('CONSTRAINT', 'parent parent_pkey', 'ALTER TABLE ONLY public.parent\n    ADD CONSTRAINT parent_pkey PRIMARY KEY (id);'),
    entry('INDEX', 'child_v', 'CREATE INDEX child_v ON public.child USING btree (v);'),
    entry('TRIGGER', 'child t', 'CREATE TRIGGER t BEFORE INSERT ON public.child FOR EACH ROW EXECUTE FUNCTION public.f();'),
    entry('FK CONSTRAINT', 'child child_parent_fkey_with_a_long_name', 'ALTER TABLE ONLY public.child\n    ADD CONSTRAINT child_parent_fkey_with_a_long_name FOREIGN KEY (p) REFERENCES public.parent(id);'),
    entry('FK CONSTRAINT', 'pt pt_parent_fkey', 'ALTER TABLE public.pt\n    ADD CONSTRAINT pt_parent_fkey FOREIGN KEY (p) REFERENCES public.parent(id);'),
    entry('COMMENT', 'CONSTRAINT child_parent_fkey_with_a_long_name ON child', "COMMENT ON CONSTRAINT child_parent_fkey_with_a_long_name ON public.child IS 'c';"),
  ].join(''));
  const parts: PartRecord[] = [data('big', 1000), data('child', 200), data('parent', 100)];
  const started: string[] = [];
  const gates = new Map<string, ReturnType<typeof gate>>();
  const running = (label: string): Promise<void> => { started.push(label); const g = gate(); gates.set(label, g); return g.promise; };
  const plan = planLoad(parts, entries, {
    part: (_c, p) => running(`data ${p.table!.name}`),
    entry: (_c, e: PostEntry) => running(`${e.type} ${e.name}`),
  });
  assert.deepEqual(plan.serial.map((e) => e.name), ['child t', 'pt pt_parent_fkey', 'CONSTRAINT child_parent_fkey_with_a_long_name ON child'],
    'the trigger, the key of a partitioned table and the comment stay in script order for afterwards');
  const done = runJobs(['c1', 'c2', 'c3'] as unknown as pg.Client[], plan.jobs);
  const open = async (label: string, total: number): Promise<void> => { gates.get(label)!.open(); await until(() => started.length === total); };
  await until(() => started.length === 3);
  assert.deepEqual(started, ['data big', 'data child', 'data parent']);
  await open('data child', 4);
  assert.equal(started[3], 'INDEX child_v', 'the key waits for the referenced table');
  await open('data parent', 5);
  assert.equal(started[4], 'CONSTRAINT parent parent_pkey');
  gates.get('INDEX child_v')!.open();
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
  assert.equal(started.length, 5, 'the foreign key waits for the referenced table\'s primary key');
  await open('CONSTRAINT parent parent_pkey', 6);
  assert.equal(started[5], 'FK CONSTRAINT child child_parent_fkey_with_a_long_name', 'the foreign key while the big table still loads');
  await open('data big', 7);
  assert.equal(started[6], 'CONSTRAINT big big_pkey');
  gates.get('FK CONSTRAINT child child_parent_fkey_with_a_long_name')!.open();
  gates.get('CONSTRAINT big big_pkey')!.open();
  await done;
});

test('plan: two foreign keys on one table never run at once, and a foreign key waits for a job on either of its tables', async () => {
  const { entries } = postDataEntries([
    entry('CONSTRAINT', 'a a_pkey', 'ALTER TABLE ONLY public.a\n    ADD CONSTRAINT a_pkey PRIMARY KEY (id);'),
    entry('FK CONSTRAINT', 'b b_a', 'ALTER TABLE ONLY public.b\n    ADD CONSTRAINT b_a FOREIGN KEY (a) REFERENCES public.a(id);'),
    entry('FK CONSTRAINT', 'c c_a', 'ALTER TABLE ONLY public.c\n    ADD CONSTRAINT c_a FOREIGN KEY (a) REFERENCES public.a(id);'),
  ].join(''));
  const active = new Set<string>();
  let overlapped = false;
  const tablesOf: Record<string, string[]> = { 'b b_a': ['b', 'a'], 'c c_a': ['c', 'a'], 'a a_pkey': ['a'] };
  const gates: ReturnType<typeof gate>[] = [];
  const plan = planLoad([data('a', 10), data('b', 10), data('c', 10)], entries, {
    part: async () => {},
    entry: async (_c, e) => {
      const ts = tablesOf[e.name]!;
      if (ts.some((t) => active.has(t))) overlapped = true;
      for (const t of ts) active.add(t);
      const g = gate();
      gates.push(g);
      await g.promise;
      for (const t of ts) active.delete(t);
    },
  });
  assert.equal(plan.serial.length, 0);
  const done = runJobs(['c1', 'c2', 'c3'] as unknown as pg.Client[], plan.jobs);
  for (let n = 1; n <= 3; n++) {
    await until(() => gates.length === n);
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
    assert.equal(gates.length, n, 'one job at a time: each of these locks table a');
    gates[n - 1]!.open();
  }
  await done;
  assert.equal(overlapped, false);
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
      const debug: string[] = [];
      const logger = { ...silentLogger, debug: (m: string) => { debug.push(m); } };
      const x = await restoreCreate(r.repo, s, parseConnectionUrl(pg.url('postgres')), { database: 'pagila_par', jobs: 3, logger });
      assert.equal(x.load.tables, s.parts.filter((p) => p.kind === 'table-data').length);
      // Foreign keys between plain tables run on the N connections (pagila's onto its partitioned payment table cannot).
      const fks = debug.filter((m) => /^parallel load: connection \d+ starts FK CONSTRAINT /.test(m));
      assert.ok(fks.length >= 10, `foreign keys as parallel jobs: ${fks.length}`);
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
