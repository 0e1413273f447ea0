/**
 * The round-trip fidelity suite for one PostgreSQL major, shared by the per-major test files
 * (`fidelity-pg13.test.ts` … `fidelity-pg18.test.ts`, one cluster per file so `npm test` runs majors in parallel).
 * Every corpus in test/corpora/index.ts (all of its files that load on that major, known failures left
 * out) is dumped by pgvault, restored into an empty database and again over it under hostile defaults,
 * and compared: catalog fingerprint, data, sequences and large objects after each restore, plus
 * `pg_dump --schema-only` texts where a pg_dump that reads the major is installed (oraclePgDumpBin).
 * A new corpus added to CORPORA runs on every major without touching these files.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { oraclePgDumpBin, startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { assertRoundTrip, pgvaultDumper, roundTrip, type Dumper } from '../helpers/roundtrip.js';
import { CORPORA, CORPORA_DIR, pgvaultCorpusFiles } from '../corpora/index.js';

/**
 * Declare the suite for `major`; `extra` declares further tests in the same describe block, on the
 * same cluster (read it through the getter once the suite's `before` hook has run).
 */
export function fidelitySuite(major: PgMajor, extra?: (cluster: () => PgCluster) => void): void {
  describe(`pgvault dump round trips on PostgreSQL ${major}`, () => {
    let cluster: PgCluster;
    before(async () => { cluster = await startCluster({ major }); });
    after(async () => { await cluster?.stop(); });

    const withSchemaDump = oraclePgDumpBin(major) !== null;
    for (const c of CORPORA.filter((x) => pgvaultCorpusFiles(x, major).length > 0)) {
      test(`pgvault round-trips ${c.name} twice under hostile defaults`, async () => {
        const r = await roundTrip({ cluster, corpusFiles: pgvaultCorpusFiles(c, major), dumper: pgvaultDumper(), hostileDefaults: true, encoding: c.encoding });
        assertRoundTrip(r);
        assert.deepEqual(r.restores.map((x) => x.ok), [true, true]);
        assert.ok(r.comparisons.filter((x) => x.check.startsWith('catalog:')).length > 20, 'the fingerprint comparisons ran');
        assert.equal(r.comparisons.some((x) => x.check === 'pg_dump --schema-only'), withSchemaDump,
          withSchemaDump ? 'pg_dump --schema-only was compared' : 'no pg_dump reads this major');
      });
    }
    // The comparators are not vacuous on this major (the fingerprint's queries differ by major): a "dump" that is
    // the corpus replayed plus a lost row and an extra grant is caught by the data, catalog and pg_dump checks.
    test(`on PostgreSQL ${major} the comparison catches a restore that lost a row and gained a grant`, async () => {
      const files = [join(CORPORA_DIR, 'identifiers.sql')];
      const lossy: Dumper = async () => `${files.map((f) => readFileSync(f, 'utf8')).join('\n')}
DELETE FROM "select"."table" WHERE "column" = 5;
GRANT SELECT ON "select"."table" TO pgv_reader;
`;
      const r = await roundTrip({ cluster, corpusFiles: files, dumper: lossy, restoreTwice: false });
      assert.equal(r.ok, false);
      const failing = [...new Set(r.comparisons.filter((c) => !c.equal).map((c) => c.check))].sort();
      assert.deepEqual(failing, ['catalog:relations', 'data:table-data', ...(withSchemaDump ? ['pg_dump --schema-only'] : [])], r.report);
    });
    extra?.(() => cluster);
  });
}
