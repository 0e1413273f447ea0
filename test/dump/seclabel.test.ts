/**
 * Security labels (issue 11): written as pg_dump writes them — one SECURITY LABEL entry per object, right after the
 * object's comment (a table's after its column comments), holding the labels of the object and, for relations, of its
 * columns, in pg_dump's order — on every kind SECURITY LABEL accepts in a database. A stock server has no label
 * provider, so test/corpora/seclabels*.sql write the rows into pg_seclabel / pg_shseclabel directly; for the same
 * reason no restore can load them (psql stops at the first SECURITY LABEL), which the last test shows, together with
 * the rest of such a script round-tripping once the labels are taken out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { oraclePgDumpBin, PG_MAJORS, startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { assertRoundTrip, pgDumpDumper, pgvaultDumper, restoreScript, roundTrip, runPsqlFile, type Dumper } from '../helpers/roundtrip.js';
import { unifiedDiff } from '../helpers/textdiff.js';
import { CORPORA_DIR } from '../corpora/index.js';
import { tempDir } from '../repo/helpers.js';

const FIXTURE = join(CORPORA_DIR, 'seclabels.sql');
const BEYOND = join(CORPORA_DIR, 'seclabels-beyond-pgdump.sql');

/** The SECURITY LABEL entries of a script: `<tag>; Schema: …; Owner: …` + the statements. */
function labelEntries(script: string): string[] {
  const re = /--\n-- Name: ([^\n]*); Type: SECURITY LABEL; ([^\n]*)\n--\n\n((?:SECURITY LABEL [^\n]*\n)+)/g;
  return [...script.matchAll(re)].map((m) => `${m[1]}; ${m[2]}\n${m[3]}`);
}

/** What pg_dump 15 writes for seclabels.sql, in script order (the public schema's owner differs before 15). */
function expected(major: PgMajor): string[] {
  return [
    `SCHEMA public; Schema: -; Owner: ${major >= 15 ? 'pg_database_owner' : 'postgres'}\nSECURITY LABEL FOR selinux ON SCHEMA public IS 'public schema';\n`,
    "SCHEMA sl; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON SCHEMA sl IS 'system_u:object_r:sepgsql_schema_t:s0';\n",
    "LANGUAGE sl_lang; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON LANGUAGE sl_lang IS 'lang';\n",
    "TYPE comp; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON TYPE sl.comp IS 'comp';\n",
    "DOMAIN dom; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON DOMAIN sl.dom IS 'dom';\n",
    "TYPE mood; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON TYPE sl.mood IS 'mood';\n",
    "FUNCTION f(integer); Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON FUNCTION sl.f(integer) IS 'f';\n",
    "PROCEDURE p(); Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON PROCEDURE sl.p() IS 'p';\n",
    "AGGREGATE agg(integer); Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON AGGREGATE sl.agg(integer) IS 'agg';\n",
    "FOREIGN TABLE ft; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON FOREIGN TABLE sl.ft IS 'ft';\nSECURITY LABEL FOR selinux ON COLUMN sl.ft.a IS 'ft col';\n",
    "TABLE t; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON TABLE sl.t IS 'label''t';\nSECURITY LABEL FOR \"Other Provider\" ON TABLE sl.t IS 'second';\nSECURITY LABEL FOR selinux ON COLUMN sl.t.\"Note\" IS 'label col';\n",
    "MATERIALIZED VIEW mv; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON MATERIALIZED VIEW sl.mv IS 'mv';\n",
    "SEQUENCE seq; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON SEQUENCE sl.seq IS 'seq';\n",
    "VIEW v; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON VIEW sl.v IS 'v';\nSECURITY LABEL FOR selinux ON COLUMN sl.v.id IS 'v col';\n",
    "LARGE OBJECT 4343001; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON LARGE OBJECT 4343001 IS 'lo';\n",
    "PUBLICATION sl_pub; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON PUBLICATION sl_pub IS 'pub';\n",
    "SUBSCRIPTION sl_sub; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON SUBSCRIPTION sl_sub IS 'sub';\n",
    "EVENT TRIGGER sl_evt; Schema: -; Owner: postgres\nSECURITY LABEL FOR selinux ON EVENT TRIGGER sl_evt IS 'evt';\n",
  ];
}

/** The script after the header and the DROP pass (from the first object entry), without the closing `\unrestrict`. */
function createPasses(script: string): string[] {
  const lines = script.split('\n');
  const first = lines.findIndex((l, i) => l.startsWith('-- Name: ') && lines[i - 1] === '--');
  assert.ok(first > 0, 'no object entry found in the script');
  return lines.slice(first - 1).filter((l) => !l.startsWith('\\unrestrict '));
}

/** Drops the SECURITY LABEL entries (for restores: no provider is loaded). */
function withoutLabels(script: string): string {
  return script.replace(/--\n-- Name: [^\n]*; Type: SECURITY LABEL; [^\n]*\n--\n\n(?:SECURITY LABEL [^\n]*\n)+\n\n/g, '');
}

for (const major of PG_MAJORS) {
  describe(`security labels (PostgreSQL ${major})`, () => {
    let cluster: PgCluster;
    const tmp = tempDir();
    before(async () => { cluster = await startCluster({ major }); });
    after(async () => {
      await cluster?.stop();
      tmp.cleanup();
    });

    async function withDb<T>(files: string[], f: (db: string) => Promise<T>): Promise<T> {
      const db = `sl_${randomBytes(4).toString('hex')}`;
      await cluster.createDatabase(db);
      try {
        for (const file of files) runPsqlFile(cluster, db, file);
        return await f(db);
      } finally {
        await cluster.dropDatabase(db);
      }
    }

    test('every kind SECURITY LABEL accepts is written, in pg_dump\'s form, placement and order', async () => {
      await withDb([FIXTURE], async (db) => {
        const script = (await pgvaultDumper()(cluster, db)).toString();
        // The labels of one object by several providers come in the order of pg_dump's query on the pg_seclabels view,
        // which differs between majors (13's view lists them the other way round): compared exactly with pg_dump below.
        const sorted = (entries: string[]): string[] => entries.map((e) => e.split('\n').sort().join('\n'));
        assert.deepEqual(sorted(labelEntries(script)), sorted(expected(major)));
        if (major === 15) assert.deepEqual(labelEntries(script), expected(major));
        // Placement: a table's labels after its column comments and before its inline constraints' comments.
        const t = script.indexOf('-- Name: TABLE t; Type: SECURITY LABEL;');
        assert.ok(script.indexOf('COMMENT ON COLUMN sl.t."Note"') < t && t < script.indexOf('COMMENT ON CONSTRAINT "t_Note_check"'));
        // A domain's right after its comment.
        assert.ok(script.indexOf("COMMENT ON DOMAIN sl.dom IS 'a domain';\n\n\n--\n-- Name: DOMAIN dom; Type: SECURITY LABEL;") > 0);
      });
    });

    if (oraclePgDumpBin(major) !== null) {
      // On 13 and 14 only the label entries: pg_dump 15 diffs the public schema's ACL against 15's default there.
      test(major === 15 ? "after the DROP pass, pgvault's script is pg_dump 15's, statement for statement"
        : "the SECURITY LABEL entries are pg_dump 15's, in the same order", async () => {
        await withDb([FIXTURE], async (db) => {
          const ours = (await pgvaultDumper()(cluster, db)).toString();
          const theirs = (await pgDumpDumper(cluster, db)).toString();
          if (major !== 15) {
            assert.deepEqual(labelEntries(ours), labelEntries(theirs));
            return;
          }
          const diff = unifiedDiff(createPasses(theirs), createPasses(ours), { labelA: 'pg_dump 15', labelB: 'pgvault' });
          assert.equal(diff, '', diff);
        });
      });
    }

    test('labels on the columns of a composite type are written too (pg_dump 15 leaves them out)', async () => {
      await withDb([FIXTURE, BEYOND], async (db) => {
        const script = (await pgvaultDumper()(cluster, db)).toString();
        assert.ok(labelEntries(script).includes("TYPE comp; Schema: sl; Owner: postgres\nSECURITY LABEL FOR selinux ON TYPE sl.comp IS 'comp';\nSECURITY LABEL FOR selinux ON COLUMN sl.comp.x IS 'comp col';\n"));
      });
    });

    test('labels on extension members are left out, as pg_dump 15 leaves them out (no guard error)', async () => {
      await withDb([], async (db) => {
        await cluster.query(db, `CREATE EXTENSION seg;
          INSERT INTO pg_catalog.pg_seclabel VALUES ('public.seg_size(public.seg)'::regprocedure, 'pg_proc'::regclass, 0, 'selinux', 'member func'),
            ('public.seg'::regtype, 'pg_type'::regclass, 0, 'selinux', 'member type')`);
        const script = (await pgvaultDumper()(cluster, db)).toString();
        assert.deepEqual(labelEntries(script), []);
        if (oraclePgDumpBin(major) !== null) assert.deepEqual(labelEntries((await pgDumpDumper(cluster, db)).toString()), []);
      });
    });

    if (major === 15) {
      test('without a label provider the restore stops at the first label; the rest of the script round-trips', async () => {
        await withDb([FIXTURE], async (db) => {
          const file = join(tmp.path, 'labels.sql');
          writeFileSync(file, await pgvaultDumper()(cluster, db));
          await cluster.createDatabase(`${db}_r`);
          try {
            const r = await restoreScript(cluster, `${db}_r`, file);
            assert.notEqual(r.exitCode, 0);
            assert.match(r.stderr, /ERROR: {2}(no security label providers have been loaded|security label provider "selinux" is not loaded)/);
          } finally {
            await cluster.dropDatabase(`${db}_r`);
          }
        });
        const dumper: Dumper = async (c, d) => withoutLabels((await pgvaultDumper()(c, d)).toString());
        // pg_dump --schema-only of the source shows the labels, the restored copy has none: compare the catalogs and data.
        const rt = await roundTrip({ cluster, corpusFiles: [FIXTURE], dumper, compareSchemaDump: false });
        assertRoundTrip(rt);
      });
    }
  });
}
