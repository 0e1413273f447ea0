/**
 * SQL_ASCII databases holding bytes that are not UTF-8 (issue 11): pgvault passes the bytes through as pg_dump does
 * (client_encoding SQL_ASCII, and a byte-string driver session, src/db/byte-strings.ts) in names, comments,
 * definitions, sequence names and COPY data. Compared byte for byte with pg_dump 15, restored twice with psql into
 * SQL_ASCII databases and dumped again to the same bytes, on PostgreSQL 15 and 17; with parallel jobs (block and
 * key ranges of tables whose names hold such bytes). The round trips of the `sql-ascii` corpus with the catalog
 * fingerprint run on every major in the fidelity suites.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startCluster, quoteIdent, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { assertRoundTrip, pgDumpDumper, pgvaultDumper, restoreScript, roundTrip, runPsqlFile } from '../helpers/roundtrip.js';
import { CORPORA_DIR } from '../corpora/index.js';
import { tempDir } from '../repo/helpers.js';
import { CLI_MAIN } from '../helpers/cli.js';
import { sessionSetupSql } from '../../src/dump/index.js';
import { pinSession } from '../../src/dump/engine/session.js';
import { readSchema } from '../../src/dump/schema/index.js';

const CORPUS = join(CORPORA_DIR, 'encoding-sql-ascii.sql');

/** Bytes from the first object entry on (after the header and the DROP pass), without the `\unrestrict` line. */
function createPasses(script: Buffer): Buffer {
  const text = script.toString('latin1');
  const first = text.indexOf('--\n-- Name: ');
  assert.ok(first > 0, 'no object entry found in the script');
  return Buffer.from(text.slice(first).replace(/^\\unrestrict \S+\n\n?/m, ''), 'latin1');
}

for (const major of [15, 17] as PgMajor[]) {
  describe(`SQL_ASCII database with non-UTF-8 bytes (PostgreSQL ${major})`, () => {
    let cluster: PgCluster;
    const tmp = tempDir();
    before(async () => { cluster = await startCluster({ major }); });
    after(async () => {
      await cluster?.stop();
      tmp.cleanup();
    });

    async function sqlAsciiDb(prefix: string): Promise<string> {
      const db = `${prefix}_${randomBytes(4).toString('hex')}`;
      await cluster.query('postgres', `CREATE DATABASE ${quoteIdent(db)} TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C'`);
      return db;
    }

    test('restored twice with psql, the copy dumps to the same bytes; the bytes are those the catalogs hold', async () => {
      const a = await sqlAsciiDb('sa');
      const b = await sqlAsciiDb('sb');
      try {
        runPsqlFile(cluster, a, CORPUS);
        const first = Buffer.from(await pgvaultDumper({ restrictKey: null })(cluster, a));
        assert.match(first.toString('latin1'), /\nSET client_encoding = 'SQL_ASCII';\n/);
        // Latin-1 bytes written as such (0xe9 = é), not as UTF-8 or U+FFFD.
        const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
        for (const piece of ['CREATE TABLE legacy."caf\xe9" (', 'COMMENT ON TABLE legacy.people IS \'comment with latin-1 \xe9 and \xff\';',
          '1\tRen\xe9e\tcaf\xe9 latin-1\n', '3\tbroken \xc3 utf-8\tlone \x80 continuation\n', 'SELECT pg_catalog.setval(\'"sch\xe9ma"."tabl\xe9_id_seq"\', 2, true);',
          'COMMENT ON COLUMN "sch\xe9ma"."tabl\xe9"."col\xf1" IS \'colonne \xe9 \xfe\';', 'CREATE TYPE "sch\xe9ma"."humeur\xe9" AS ENUM (\n    \'gai\xe9\',']) {
          assert.ok(first.includes(latin1(piece)), `the script lacks the bytes of ${JSON.stringify(piece)}`);
        }
        assert.ok(!first.includes(Buffer.from('\ufffd', 'utf8')), 'no replacement character');
        const file = join(tmp.path, `${a}.sql`);
        writeFileSync(file, first);
        for (let i = 0; i < 2; i++) {
          const r = await restoreScript(cluster, b, file);
          assert.equal(r.exitCode, 0, r.stderr);
        }
        const again = Buffer.from(await pgvaultDumper({ restrictKey: null })(cluster, b));
        assert.ok(again.equals(first), 'the restored copy dumps to different bytes');
      } finally {
        await cluster.dropDatabase(a);
        await cluster.dropDatabase(b);
      }
    });

    test('2 jobs, stable order and small ranges: COPY and key-range queries name the tables by their bytes', async () => {
      const extra = join(tmp.path, 'bulk.sql');
      // Enough rows for block ranges (legacy."café", no key) and key ranges ("schéma"."tablé", analyzed).
      writeFileSync(extra, Buffer.from(`SET standard_conforming_strings = on;
DO $$ BEGIN
  EXECUTE format('INSERT INTO legacy.%I SELECT %L || g FROM generate_series(1, 3000) g', E'caf\\xe9', E'\\xe9t\\xe9 ');
  EXECUTE format('INSERT INTO %I.%I (%I) SELECT %L || g FROM generate_series(1, 3000) g', E'sch\\xe9ma', E'tabl\\xe9', E'col\\xf1', E'ligne \\xe9 ');
  EXECUTE format('ANALYZE %I.%I', E'sch\\xe9ma', E'tabl\\xe9');
END $$;
`, 'latin1'));
      for (const stableOrder of [false, true]) {
        const r = await roundTrip({
          cluster, corpusFiles: [CORPUS, extra], encoding: 'SQL_ASCII', restoreTwice: false,
          dumper: pgvaultDumper({ jobs: 2, stableOrder, parallelChunkBytes: 8192 }),
        });
        assertRoundTrip(r);
      }
    });

    if (major === 15) {
      test('a backup restores byte for byte with --stdout | psql; --into (pgvault\'s UTF-8 connection) refuses instead of changing bytes', async () => {
        const a = await sqlAsciiDb('ra');
        const b = await sqlAsciiDb('rb');
        const t = tempDir();
        try {
          runPsqlFile(cluster, a, CORPUS);
          const env = { ...process.env, PGVAULT_PASSWORD: 'sql-ascii test', XDG_CACHE_HOME: join(t.path, 'cache') };
          // The CLI's stdout as bytes (the test helper's runCli decodes it as UTF-8).
          const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', CLI_MAIN, '--repo', join(t.path, 'repo'), ...args], { env, maxBuffer: 1 << 28 });
          assert.equal(cli(['init']).status, 0);
          let r = cli(['backup', cluster.url(a)]);
          assert.equal(r.status, 0, r.stderr.toString());
          r = cli(['restore', 'latest', '--into', cluster.url(b)]);
          assert.notEqual(r.status, 0);
          assert.match(r.stderr.toString('latin1'), /not valid UTF-8.*--stdout \| psql/s);
          assert.deepEqual(await cluster.query(b, "SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'legacy'"), [], 'nothing restored');
          r = cli(['restore', 'latest', '--stdout']);
          assert.equal(r.status, 0, r.stderr.toString());
          const file = join(t.path, 'restore.sql');
          writeFileSync(file, r.stdout);
          const rr = await restoreScript(cluster, b, file);
          assert.equal(rr.exitCode, 0, rr.stderr);
          const original = Buffer.from(await pgvaultDumper({ restrictKey: null })(cluster, a));
          assert.ok(Buffer.from(await pgvaultDumper({ restrictKey: null })(cluster, b)).equals(original), 'the restored copy dumps to different bytes');
        } finally {
          t.cleanup();
          await cluster.dropDatabase(a);
          await cluster.dropDatabase(b);
        }
      });

      test("byte for byte pg_dump 15's script after the DROP pass", async () => {
        const db = await sqlAsciiDb('sp');
        try {
          runPsqlFile(cluster, db, CORPUS);
          const ours = createPasses(Buffer.from(await pgvaultDumper()(cluster, db)));
          const theirs = createPasses(Buffer.from(await pgDumpDumper(cluster, db)));
          assert.equal(ours.toString('latin1'), theirs.toString('latin1'));
        } finally {
          await cluster.dropDatabase(db);
        }
      });
    }

    test('the byte-string session sends and reads texts byte for byte: query text, parameters, rows, errors', async () => {
      const db = await sqlAsciiDb('sq');
      const c = new pg.Client(cluster.config(db));
      try {
        await c.connect();
        assert.equal(await pinSession(c), 'latin1');
        const simple = await c.query<{ v: string; n: number; hex: string }>("SELECT 'caf\xe9 \x80\xff'::text AS v, octet_length('caf\xe9 \x80\xff') AS n, encode(convert_to('\xe9', 'SQL_ASCII'), 'hex') AS hex");
        assert.deepEqual(simple.rows[0], { v: 'caf\xe9 \x80\xff', n: 7, hex: 'e9' });
        const ext = await c.query<{ n: number; hex: string; same: boolean; v: string }>(
          "SELECT octet_length($1::text) AS n, encode(convert_to($1::text, 'SQL_ASCII'), 'hex') AS hex, $2::text = 'ascii' AS same, '\xe9' || $2 AS v", ['\xe9\xc3', 'ascii']);
        assert.deepEqual(ext.rows[0], { n: 2, hex: 'e9c3', same: true, v: '\xe9ascii' });
        await assert.rejects(c.query('SELECT * FROM "tabl\xe9_absente"'), (e: Error) => e.message === 'relation "tabl\xe9_absente" does not exist');
        assert.equal(await pinSession(c), 'latin1', 'idempotent');
        assert.equal((await c.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one, 1);
      } finally {
        await c.end();
        await cluster.dropDatabase(db);
      }
    });

    test('without the byte-string session (a plain UTF-8 driver session) the schema cannot be read: an error, never lossy text', async () => {
      const db = await sqlAsciiDb('su');
      const c = new pg.Client(cluster.config(db));
      try {
        runPsqlFile(cluster, db, CORPUS);
        await c.connect();
        await c.query(sessionSetupSql());
        await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        await assert.rejects(readSchema(c, {}), /invalid byte sequence for encoding "UTF8"/);
      } finally {
        await c.end();
        await cluster.dropDatabase(db);
      }
    });
  });
}
