/**
 * restore --create --jobs N: pre-data, table data over N connections, indexes and constraints over N
 * connections, then the rest in script order. pagila (partitions, foreign keys, triggers, views,
 * materialized views, ...) restored in parallel must be identical to its source by the catalog and
 * data fingerprints of the fidelity suite, on PostgreSQL 15 and 17.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { backupDatabase } from '../../src/backup/backup.js';
import { parseConnectionUrl } from '../../src/db/connection.js';
import { restoreCreate } from '../../src/restore/create.js';
import { postDataEntries } from '../../src/restore/parallel.js';
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
  });
}
