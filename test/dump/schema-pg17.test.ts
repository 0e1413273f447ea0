/**
 * The schema side of the native dumper on PostgreSQL 17 (embedded server). pg_dump 15 refuses a
 * 17 server, so fidelity is proven by round trips compared with the harness's catalog and data
 * fingerprints, and by the dump of the restored database being the same script as the source's.
 * The script is assembled here from readSchema's plan (see schema.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { readSchema } from '../../src/dump/schema/index.js';
import { scriptText } from '../../src/dump/plan.js';
import { CORPORA, corpusFiles, pgvaultCorpusFiles } from '../corpora/index.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { assertRoundTrip, ensureRoles, roundTrip, runPsqlFile, type Dumper } from '../helpers/roundtrip.js';

const PIN_SESSION = [
  "SELECT pg_catalog.set_config('search_path', '', false)",
  "SET client_encoding = 'UTF8'", 'SET DateStyle = ISO', 'SET IntervalStyle = postgres', 'SET extra_float_digits = 3',
  'SET synchronize_seqscans = off', 'SET statement_timeout = 0', 'SET lock_timeout = 0', 'SET idle_in_transaction_session_timeout = 0',
  'SET transaction_timeout = 0', 'SET row_security = off', 'SET standard_conforming_strings = on', 'SET quote_all_identifiers = off',
  "SET TimeZone = 'UTC'", 'SET bytea_output = hex', 'SET default_transaction_read_only = off',
];
const sanitize = (s: string | null | undefined): string => (s ?? '-').replace(/[\r\n]/g, ' ');
const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

async function nativeDump(cluster: PgCluster, db: string): Promise<string> {
  const c = new pg.Client(cluster.config(db));
  await c.connect();
  try {
    for (const s of PIN_SESSION) await c.query(s);
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const plan = await readSchema(c, { restrictKey: 'testkey' });
    const out: string[] = [scriptText(plan.prologue)];
    for (const t of plan.tables) {
      out.push(`--\n-- Data for Name: ${sanitize(t.name)}; Type: TABLE DATA; Schema: ${sanitize(t.schema)}; Owner: ${sanitize(t.owner)}\n--\n\n`, t.copyFromLine);
      const chunks: Buffer[] = [];
      for await (const ch of c.query(copyTo(`COPY ${t.qualified} ${t.columns.length ? `(${t.columns.join(', ')})` : ''} TO STDOUT`))) chunks.push(ch as Buffer);
      out.push(Buffer.concat(chunks).toString('utf8'), '\\.\n\n\n');
    }
    for (const s of plan.sequences) {
      const r = await c.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${s.qualified}`);
      out.push(`--\n-- Name: ${sanitize(s.name)}; Type: SEQUENCE SET; Schema: ${sanitize(s.schema)}; Owner: ${sanitize(s.owner)}\n--\n\n`);
      out.push(`SELECT pg_catalog.setval(${lit(s.qualified)}, ${r.rows[0]!.last_value}, ${r.rows[0]!.is_called});\n\n\n`);
    }
    if (plan.largeObjects.length > 0) {
      out.push(plan.largeObjectsHeader, 'BEGIN;\n\n');
      for (const oid of plan.largeObjects) {
        const d = (await c.query<{ d: Buffer }>('SELECT pg_catalog.lo_get($1::oid) AS d', [oid])).rows[0]!.d;
        out.push(`SELECT pg_catalog.lo_open('${oid}', 131072);\n`);
        for (let i = 0; i < d.length; i += 16384) out.push(`SELECT pg_catalog.lowrite(0, '\\x${d.subarray(i, i + 16384).toString('hex')}');\n`);
        out.push('SELECT pg_catalog.lo_close(0);\n\n');
      }
      out.push('COMMIT;\n\n');
    }
    out.push(scriptText(plan.epilogue));
    await c.query('COMMIT');
    return out.join('');
  } finally {
    await c.end();
  }
}

describe('schema side on PostgreSQL 17', { timeout: 600_000 }, () => {
  let cluster: PgCluster;
  before(async () => {
    cluster = await startCluster({ major: 17, settings: { wal_level: 'logical' } });
    ensureRoles(cluster);
  });
  after(async () => { await cluster?.stop(); });

  const scripts = new Map<string, { source: string; restored: string }>();
  const dumper = (corpus: string): Dumper => async (cl, db) => {
    const script = await nativeDump(cl, db);
    scripts.set(corpus, { source: script, restored: '' });
    return script;
  };

  // This file's own UTF-8 session cannot read SQL_ASCII bytes (the engine's byte strings can: sql-ascii.test.ts).
  for (const corpus of CORPORA.filter((c) => c.encoding !== 'SQL_ASCII' && pgvaultCorpusFiles(c, 17).length > 0)) {
    it(`round-trips corpus ${corpus.name} (hostile defaults, empty database then again over it)`, async () => {
      const result = await roundTrip({ cluster, corpusFiles: pgvaultCorpusFiles(corpus, 17), dumper: dumper(corpus.name), hostileDefaults: true, encoding: corpus.encoding, name: `s17_${corpus.name.replace(/\W/g, '')}`, keepDatabases: true });
      try {
        assertRoundTrip(result);
        // The restored database dumps to the same script.
        const again = await nativeDump(cluster, result.target);
        assert.equal(again, scripts.get(corpus.name)!.source);
      } finally {
        await cluster.dropDatabase(result.source);
        await cluster.dropDatabase(result.target);
      }
    });
  }

  it('writes MAINTAIN grants and identity columns of partitioned tables (17 features)', async () => {
    const db = 's17_features';
    await cluster.createDatabase(db);
    for (const f of corpusFiles(CORPORA.find((c) => c.name === 'objects-partitions')!, 17)) runPsqlFile(cluster, db, f);
    const script = await nativeDump(cluster, db);
    assert.match(script, /GRANT MAINTAIN ON TABLE part\.sensors TO pgv_auditor;/);
    assert.match(script, /ALTER TABLE part\.tickets ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY \(\n {4}SEQUENCE NAME part\.tickets_id_seq\n {4}START WITH 1000\n/);
    assert.match(script, /SELECT pg_catalog\.set_config\(name, '0', false\) FROM pg_catalog\.pg_settings WHERE name = 'transaction_timeout';/);
    assert.doesNotMatch(script, /^SET transaction_timeout/m, 'a 17 dump must still load into 13–16');
    await cluster.dropDatabase(db);
  });
});
