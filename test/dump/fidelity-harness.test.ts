/**
 * Proves the round-trip harness itself: with pg_dump 15 as the dumper it passes on every corpus part
 * pg_dump handles (so it reports no false differences, under hostile database defaults), and it fails,
 * naming the right check, on deliberately broken dumps (so it can fail). On PostgreSQL 17, where no
 * pg_dump is available, the corpus replayed into an empty database must fingerprint identically, and a
 * replay with one change must not.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { assertRoundTrip, pgDumpDumper, roundTrip, type Dumper, type RoundTripResult } from '../helpers/roundtrip.js';
import { unifiedDiff } from '../helpers/textdiff.js';
import { CORPORA_DIR, PAGILA_DIR, PGDUMP_SAFE } from '../corpora/index.js';

/** pg_dump's script with one edit; fails loudly if the edit does not apply (a test that cannot fail is no test). */
function mutated(dumper: Dumper, what: string, edit: (script: string) => string): Dumper {
  return async (cluster, db) => {
    const script = (await dumper(cluster, db)).toString();
    const out = edit(script);
    assert.notEqual(out, script, `the mutation "${what}" did not change the script`);
    return out;
  };
}

function removeLine(script: string, line: string): string {
  const lines = script.split('\n');
  const i = lines.indexOf(line);
  assert.ok(i >= 0, `line not found in the dump: ${line}`);
  lines.splice(i, 1);
  return lines.join('\n');
}

function failingChecks(r: RoundTripResult): string[] {
  return [...new Set(r.comparisons.filter((c) => !c.equal).map((c) => c.check))].sort();
}

/** Replays the corpus files themselves as the "dump" (restore-once only: they are not --clean scripts). */
function replayDumper(files: string[], extraSql = ''): Dumper {
  return async () => `${files.map((f) => readFileSync(f, 'utf8')).join('\n')}\n${extraSql}\n`;
}

test('textdiff: equal inputs give no diff, changes show as -/+ lines with context', () => {
  assert.equal(unifiedDiff(['a', 'b'], ['a', 'b']), '');
  const d = unifiedDiff(['1', '2', '3', '4', '5', '6', '7', '8'], ['1', '2', '3', '4', 'X', '6', '7', '8', '9'], { labelA: 'A', labelB: 'B' });
  assert.match(d, /^--- A\n\+\+\+ B\n/);
  assert.match(d, /\n-5\n\+X\n/);
  assert.match(d, /\n\+9\n/);
  assert.match(d, /\(1 line\(s\) only in A, 2 only in B\)$/);
  assert.ok(!d.includes('\n 1\n'), 'context is limited to lines near changes');
});

describe('round-trip harness on PostgreSQL 15 with pg_dump 15 as the dumper', () => {
  let cluster: PgCluster;
  before(async () => { cluster = await startCluster({ major: 15 }); });
  after(async () => { await cluster?.stop(); });

  for (const c of PGDUMP_SAFE) {
    test(`pg_dump round-trips ${c.name} twice under hostile defaults: harness reports no difference`, async () => {
      const r = await roundTrip({ cluster, corpusFiles: c.files, dumper: pgDumpDumper, hostileDefaults: true, encoding: c.encoding });
      assertRoundTrip(r);
      assert.equal(r.restores.length, 2);
      assert.ok(r.comparisons.some((x) => x.check === 'pg_dump --schema-only'), 'the schema-dump comparison ran');
      assert.ok(r.comparisons.some((x) => x.check === 'data:table-data'), 'the data comparison ran');
    });
  }

  test('pg_dump round-trips pagila once (its second restore fails on the partitioned payment PK, see limits test)', async () => {
    const r = await roundTrip({
      cluster, corpusFiles: [`${PAGILA_DIR}/pagila-schema.sql`, `${PAGILA_DIR}/pagila-data.sql`], dumper: pgDumpDumper,
      hostileDefaults: true, restoreTwice: false,
    });
    assertRoundTrip(r);
  });

  const base = [`${CORPORA_DIR}/objects-code.sql`];
  const broken: { what: string; edit: (s: string) => string; expect: string[]; mention: RegExp }[] = [
    {
      what: 'one COPY row removed',
      edit: (s) => s.replace(/(COPY code\.ranked \([^)]*\) FROM stdin;\n)[^\n]*\n/, '$1'),
      expect: ['data:table-data'], mention: /code\.ranked \| rows=4/,
    },
    {
      what: 'one GRANT dropped',
      edit: (s) => removeLine(s, 'GRANT SELECT ON TABLE code.members TO pgv_reader;'),
      expect: ['catalog:relations', 'pg_dump --schema-only'], mention: /code\.members .*acl=/,
    },
    {
      what: 'a column GRANT dropped',
      edit: (s) => removeLine(s, 'GRANT UPDATE(display_name) ON TABLE code.users TO pgv_app;'),
      expect: ['catalog:columns', 'pg_dump --schema-only'], mention: /display_name/,
    },
    {
      what: 'a COMMENT dropped',
      edit: (s) => removeLine(s, "COMMENT ON POLICY orders_own ON code.orders IS 'own orders only';"),
      expect: ['catalog:comments', 'pg_dump --schema-only'], mention: /policy orders_own on table code\.orders IS/,
    },
    {
      what: 'a sequence value changed',
      edit: (s) => s.replace("SELECT pg_catalog.setval('code.users_id_seq', 61, true);", "SELECT pg_catalog.setval('code.users_id_seq', 62, true);"),
      expect: ['data:sequence-values'], mention: /code\.users_id_seq \| last_value=62/,
    },
    {
      what: 'a matview REFRESH dropped',
      edit: (s) => removeLine(s, 'REFRESH MATERIALIZED VIEW code.mv_top;'),
      expect: ['catalog:relations', 'data:table-data'], mention: /code\.mv_top .*populated=false/,
    },
    {
      what: 'a function body changed',
      edit: (s) => s.replace("RAISE EXCEPTION 'negative amount in order %", "RAISE EXCEPTION 'negative amount in ORDER %"),
      expect: ['catalog:functions', 'pg_dump --schema-only'], mention: /negative amount in ORDER/,
    },
    {
      what: 'a large-object GRANT dropped',
      edit: (s) => removeLine(s, 'GRANT SELECT ON LARGE OBJECT 90001 TO pgv_reader;'),
      expect: ['catalog:large-objects'], mention: /lo 90001/,
    },
    {
      what: 'a trigger left enabled',
      edit: (s) => removeLine(s, 'ALTER TABLE code.orders DISABLE TRIGGER orders_disabled;'),
      expect: ['catalog:triggers', 'pg_dump --schema-only'], mention: /orders_disabled .*enabled=O/,
    },
    {
      what: 'a NOT NULL lost',
      edit: (s) => s.replace('    status text DEFAULT \'open\'::text NOT NULL,', '    status text DEFAULT \'open\'::text,'),
      expect: ['catalog:columns', 'pg_dump --schema-only'], mention: /code\.orders #4 \| status \| text \| default/,
    },
  ];
  // Two mutations alone (each caught by exactly its checks), then all of them in one script: every one must
  // be reported, naming its object (one round trip instead of ten keeps the suite fast).
  for (const b of broken.slice(0, 2)) {
    test(`the harness detects a broken dump: ${b.what}`, async () => {
      const r = await roundTrip({ cluster, corpusFiles: base, dumper: mutated(pgDumpDumper, b.what, b.edit), restoreTwice: false });
      assert.equal(r.ok, false, 'a broken dump must not pass');
      assert.deepEqual(r.restores.map((x) => x.ok), [true]);
      assert.deepEqual(failingChecks(r), b.expect, r.report);
      assert.match(r.report, b.mention);
      assert.throws(() => assertRoundTrip(r), /differing check/);
    });
  }

  test(`the harness detects each of ${broken.length} breakages in one dump: ${broken.map((b) => b.what).join('; ')}`, async () => {
    const all = mutated(pgDumpDumper, 'all', (s) => broken.reduce((acc, b) => {
      const next = b.edit(acc);
      assert.notEqual(next, acc, `the mutation "${b.what}" did not apply`);
      return next;
    }, s));
    const r = await roundTrip({ cluster, corpusFiles: base, dumper: all, restoreTwice: false });
    assert.equal(r.ok, false);
    assert.deepEqual(r.restores.map((x) => x.ok), [true]);
    assert.deepEqual(failingChecks(r), [...new Set(broken.flatMap((b) => b.expect))].sort(), r.report);
    for (const b of broken) assert.match(r.report, b.mention, `not reported: ${b.what}`);
  });

  test('the hostile target defaults catch a script that does not pin its restore session (statement_timeout)', async () => {
    const r = await roundTrip({
      cluster, corpusFiles: [`${CORPORA_DIR}/values.sql`], hostileDefaults: true, restoreTwice: false,
      dumper: mutated(pgDumpDumper, 'no statement_timeout', (s) => s.replace('SET statement_timeout = 0;\n', '')),
    });
    assert.equal(r.ok, false);
    assert.match(r.restores[0]!.stderr, /canceling statement due to statement timeout/);
  });

  test('the harness detects a dumper that changes the source database', async () => {
    const sneaky: Dumper = async (cluster, db) => {
      const script = await pgDumpDumper(cluster, db);
      await cluster.query(db, `SELECT nextval('code.users_id_seq')`);
      return script;
    };
    const r = await roundTrip({ cluster, corpusFiles: base, dumper: sneaky, restoreTwice: false });
    assert.equal(r.ok, false);
    assert.ok(failingChecks(r).includes('source unchanged:sequence-values'), r.report);
  });

  test('the harness reports a failing restore with psql\'s error and the script around it', async () => {
    const r = await roundTrip({
      cluster, corpusFiles: base, restoreTwice: false,
      dumper: mutated(pgDumpDumper, 'syntax error', (s) => s.replace('CREATE TABLE code.users (', 'CREATE TABLEX code.users (')),
    });
    assert.equal(r.ok, false);
    assert.deepEqual(r.restores.map((x) => x.ok), [false]);
    assert.match(r.report, /restore-1 failed \(psql exit 3\):\npsql:[^\n]*: ERROR: {2}syntax error/);
    assert.match(r.errorContext.join('\n'), /\n +\d+  CREATE TABLEX code\.users \(\n[^]*\n +\d+> \);/);
  });
});

describe('round-trip harness on PostgreSQL 17 (corpus replay as the reference "dump")', () => {
  let cluster: PgCluster;
  before(async () => { cluster = await startCluster({ major: 17 }); });
  after(async () => { await cluster?.stop(); });

  // objects-core is left out here: its defaults (now(), gen_random_uuid()) make a replay's data differ.
  const deterministic = [
    [
      'objects-code.sql', 'objects-code-split-view.sql', 'objects-code-event-trigger.sql', 'objects-code-global-defacl.sql',
      'objects-code-functions.sql', 'objects-code-depends-on-extension.sql', 'objects-code-extversion.sql',
    ],
    ['objects-partitions.sql', 'objects-partitions-keys.sql', 'objects-partitions-inherit-order.sql', 'objects-partitions.pg17.sql'],
    ['objects-more.sql', 'objects-more-rare.sql', 'objects-more.pg17.sql', 'objects-more-partitioned.pg17.sql'],
    ['identifiers.sql'],
    ['values.sql'],
  ].map((fs) => fs.map((f) => `${CORPORA_DIR}/${f}`));
  for (const files of deterministic) {
    const name = files.map((f) => f.split('/').pop()).join(' + ');
    test(`replaying ${name} into an empty database fingerprints identically`, async () => {
      const r = await roundTrip({ cluster, corpusFiles: files, dumper: replayDumper(files), restoreTwice: false });
      assertRoundTrip(r);
      assert.ok(!r.comparisons.some((c) => c.check === 'pg_dump --schema-only'), 'no pg_dump 15 comparison against a 17 server');
    });
  }

  const changes: { what: string; sql: string; expect: string[] }[] = [
    { what: 'one row deleted', sql: 'DELETE FROM "select"."table" WHERE "column" = 5;', expect: ['data:table-data'] },
    { what: 'one value changed', sql: `UPDATE "ünïcødé схема 🐘"."таблица ✓" SET "値" = '一 ' WHERE "値" = '一';`, expect: ['data:table-data'] },
    { what: 'a grant added', sql: 'GRANT SELECT ON "select"."table" TO pgv_reader;', expect: ['catalog:relations'] },
    { what: 'a column default changed', sql: 'ALTER TABLE "select"."table" ALTER COLUMN "references" SET DEFAULT 1;', expect: ['catalog:columns', 'catalog:dependencies', 'catalog:inventory'] },
  ];
  for (const c of changes) {
    test(`the PostgreSQL 17 fingerprint detects a replay with ${c.what}`, async () => {
      const files = [`${CORPORA_DIR}/identifiers.sql`];
      const r = await roundTrip({ cluster, corpusFiles: files, dumper: replayDumper(files, c.sql), restoreTwice: false });
      assert.equal(r.ok, false);
      assert.deepEqual(failingChecks(r), c.expect, r.report);
    });
  }
});
