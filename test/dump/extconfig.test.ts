/**
 * Data of extension configuration tables (pg_extension_config_dump, issue 11): the rows a configuration table's
 * filter selects and the values of configuration sequences are dumped as pg_dump dumps them, and round-trip on
 * PostgreSQL 15 and 17. The test installs a small extension (test/corpora/extensions/pgvault_cfgtest*) into each
 * server's share/extension folder under a unique name and removes it afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PG_MAJORS, startCluster, type PgCluster } from '../helpers/pg.js';
import { installTestExtension, type InstalledExtension } from '../helpers/extensions.js';
import { assertRoundTrip, pgDumpDumper, pgvaultDumper, roundTrip, runPsqlFile } from '../helpers/roundtrip.js';
import { unifiedDiff } from '../helpers/textdiff.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../repo/helpers.js';

/** The script after the header and the DROP pass (from the first object entry), without the closing `\unrestrict`. */
function createPasses(script: string): string[] {
  const lines = script.split('\n');
  const first = lines.findIndex((l, i) => l.startsWith('-- Name: ') && lines[i - 1] === '--');
  assert.ok(first > 0, 'no object entry found in the script');
  return lines.slice(first - 1).filter((l) => !l.startsWith('\\unrestrict '));
}

/** A database using the extension: user rows in the configuration tables, a used configuration sequence. */
function corpusSql(ext: string): string {
  return `SET client_min_messages = warning;
CREATE SCHEMA cfgext;
CREATE EXTENSION ${ext} SCHEMA cfgext;
INSERT INTO cfgext.cfg_settings (name, "Value") VALUES ('user one', 'x'), ('user two', E'tab\\there'), ('user three', NULL);
INSERT INTO cfgext.cfg_rules VALUES ('r1', 3), ('r2', NULL), ('r3', 5);
SELECT pg_catalog.nextval('cfgext.cfg_counter') FROM pg_catalog.generate_series(1, 5);
CREATE TABLE public.uses (id integer PRIMARY KEY, setting integer REFERENCES cfgext.cfg_settings (id));
INSERT INTO public.uses VALUES (1, 1), (2, 4);
`;
}

for (const major of PG_MAJORS) {
  describe(`extension configuration data (PostgreSQL ${major})`, () => {
    let cluster: PgCluster;
    let ext: InstalledExtension | undefined;
    const tmp = tempDir();
    let corpus = '';
    before(async () => {
      cluster = await startCluster({ major });
      ext = await installTestExtension(cluster, 'pgvault_cfgtest');
      corpus = join(tmp.path, 'extconfig.sql');
      writeFileSync(corpus, corpusSql(ext.name));
    });
    after(async () => {
      ext?.remove();
      await cluster?.stop();
      tmp.cleanup();
    });

    test('the filtered rows and the configuration sequences round-trip twice under hostile defaults (data hashes of every table)', async () => {
      let script = '';
      const dumper = pgvaultDumper();
      const r = await roundTrip({ cluster, corpusFiles: [corpus], dumper: async (c, db) => { const s = await dumper(c, db); script = s.toString(); return s; }, hostileDefaults: true });
      assertRoundTrip(r);
      assert.deepEqual(r.restores.map((x) => x.ok), [true, true]);
      assert.ok(r.comparisons.some((c) => c.check === 'data:table-data' && c.equal));
      // Only the user's rows (the filter is NOT shipped), without the generated column; unfiltered table whole.
      assert.match(script, /\nCOPY cfgext\.cfg_settings \(id, name, "Value", shipped\) FROM stdin;\n3\tuser one\tx\tf\n4\tuser two\ttab\\there\tf\n5\tuser three\t\\N\tf\n\\\.\n/);
      assert.match(script, /\nCOPY cfgext\.cfg_rules \(rule, setting_id\) FROM stdin;\nr1\t3\nr2\t\\N\nr3\t5\n\\\.\n/);
      assert.ok(script.indexOf('COPY cfgext.cfg_settings') < script.indexOf('COPY cfgext.cfg_rules'), 'referenced configuration data first');
      assert.match(script, /SELECT pg_catalog\.setval\('cfgext\.cfg_counter', 5, true\);/);
      assert.match(script, /SELECT pg_catalog\.setval\('cfgext\.cfg_settings_id_seq', 5, true\);/);
      assert.doesNotMatch(script, /cfg_internal/);
    });

    test('2 jobs in stable row order read the filtered rows in key order', async () => {
      const r = await roundTrip({ cluster, corpusFiles: [corpus], dumper: pgvaultDumper({ jobs: 2, stableOrder: true, parallelChunkBytes: 8192 }), restoreTwice: false });
      assertRoundTrip(r);
    });

    test('--exclude-table-data and --exclude-table leave the configuration data out on purpose', async () => {
      const db = `cx_${randomBytes(4).toString('hex')}`;
      await cluster.createDatabase(db);
      try {
        runPsqlFile(cluster, db, corpus);
        const noData = (await pgvaultDumper({ excludeTableData: ['cfgext.cfg_settings'] })(cluster, db)).toString();
        assert.doesNotMatch(noData, /COPY cfgext\.cfg_settings/);
        assert.match(noData, /COPY cfgext\.cfg_rules/);
        const noTable = (await pgvaultDumper({ excludeTables: ['cfgext.cfg_counter'] })(cluster, db)).toString();
        assert.doesNotMatch(noTable, /cfg_counter/);
        assert.match(noTable, /cfg_settings_id_seq', 5, true/);
        const schemaOnly = (await pgvaultDumper({ schemas: ['public'] })(cluster, db)).toString();
        assert.doesNotMatch(schemaOnly, /COPY cfgext\.|setval\('cfgext/, 'no extension, so no configuration data (--schema)');
      } finally {
        await cluster.dropDatabase(db);
      }
    });

    if (major === 15) {
      test("pgvault's script is pg_dump 15's after the DROP pass, statement for statement", async () => {
        const db = `cs_${randomBytes(4).toString('hex')}`;
        await cluster.createDatabase(db);
        try {
          runPsqlFile(cluster, db, corpus);
          const ours = createPasses((await pgvaultDumper()(cluster, db)).toString());
          const theirs = createPasses((await pgDumpDumper(cluster, db)).toString());
          const diff = unifiedDiff(theirs, ours, { labelA: 'pg_dump 15', labelB: 'pgvault' });
          assert.equal(diff, '', diff);
        } finally {
          await cluster.dropDatabase(db);
        }
      });

      test('backup records the filter and verify hashes the restored table with it', async () => {
        const db = `cv_${randomBytes(4).toString('hex')}`;
        await cluster.createDatabase(db);
        const t = tempDir();
        try {
          runPsqlFile(cluster, db, corpus);
          const env = { PGVAULT_PASSWORD: 'extconfig test', XDG_CACHE_HOME: join(t.path, 'cache') };
          const pgvault = (args: string[]) => runCli(['--repo', join(t.path, 'repo'), ...args], env);
          assert.equal((await pgvault(['init'])).code, 0);
          let r = await pgvault(['backup', cluster.url(db)]);
          assert.equal(r.code, 0, r.stderr);
          r = await pgvault(['verify', 'latest', '--scratch', cluster.url('postgres')]);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.match(r.stdout, /restores exactly/);
        } finally {
          t.cleanup();
          await cluster.dropDatabase(db);
        }
      });
    }
  });
}
