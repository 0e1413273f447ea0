/**
 * Memory bounded in the number of objects (issue 10 item 20): the schema side prints every object's entries into the
 * script's sections as soon as they are rendered (flat text, pass by pass as pg_dump prints them) instead of keeping
 * every rendered entry until the end. The guard on readSchema is structural, not timed: the most rendered entries it
 * ever holds is one object's, whatever the number of tables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pinSession } from '../../src/dump/engine/session.js';
import { readSchema } from '../../src/dump/schema/index.js';
import { scriptText } from '../../src/dump/plan.js';
import type { TocEntry } from '../../src/dump/schema/model.js';
import { Quoter } from '../../src/dump/schema/quote.js';
import { ScriptWriter, TextSpool } from '../../src/dump/schema/render.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';

function entry(tag: string, pass: 1 | 2 | 3, extra: Partial<TocEntry> = {}): TocEntry {
  return { tag, desc: pass === 2 ? 'ACL' : 'TABLE', schema: 'public', owner: 'o', create: `-- ${tag}\n`, drop: null, ownerStmt: null, pass, ...extra };
}

describe('TextSpool', () => {
  it('keeps the appended text in order, across flat segments', () => {
    const spool = new TextSpool();
    const pieces = Array.from({ length: 5000 }, (_, i) => `piece ${i} ${'x'.repeat(i % 50)}\n`);
    for (const p of pieces) spool.append(p);
    assert.equal(spool.take(), pieces.join(''));
    assert.equal(spool.take(), '', 'take() empties the spool');
  });

  it('gives the pieces of a reversed spool last first, across segments', () => {
    const spool = new TextSpool(true);
    const pieces = Array.from({ length: 5000 }, (_, i) => `DROP TABLE IF EXISTS t${i} ${'y'.repeat(i % 40)};\n`);
    for (const p of pieces) spool.append(p);
    assert.equal(spool.take(), [...pieces].reverse().join(''));
  });
});

describe('ScriptWriter', () => {
  const q = new Quoter([]);

  it('prints pass by pass: DROP pass last first, pre-data, post-data, ACLs, matview refreshes, then the rest', () => {
    const w = new ScriptWriter(q, true);
    w.write([entry('a', 1, { drop: 'DROP a;\n' }), entry('a-acl', 2)], 'pre');
    w.write([entry('refresh', 3, { desc: 'MATERIALIZED VIEW DATA' })], 'post');
    w.write([entry('b', 1, { drop: 'DROP b;\n' })], 'pre');
    w.write([entry('evt', 3, { desc: 'EVENT TRIGGER', drop: 'DROP evt;\n' })], 'post');
    w.write([entry('c', 1, { drop: 'DROP c;\n' }), entry('c-acl', 2)], 'post');
    const finished = w.finish('HEADER\n', 'FOOTER\n');
    const [prologue, epilogue] = [finished.prologue.join(''), finished.epilogue.join('')];
    const tags = (s: string): string[] => [...s.matchAll(/-- Name: (\S+);/g)].map((m) => m[1]!);
    assert.ok(prologue.startsWith('HEADER\nDROP c;\nDROP evt;\nDROP b;\nDROP a;\n'), prologue);
    assert.deepEqual(tags(prologue), ['a', 'b']);
    assert.deepEqual(tags(epilogue), ['c', 'a-acl', 'c-acl', 'refresh', 'evt']);
    assert.ok(epilogue.endsWith('FOOTER\n'));
    assert.deepEqual(w.stats, { entries: 7, maxHeld: 2 });
  });

  it('tracks SET default_tablespace from the last pre-data entry into post-data', () => {
    const w = new ScriptWriter(q, false);
    w.write([entry('t', 1, { tablespace: '' })], 'pre');
    w.write([entry('i', 1, { tablespace: '' }), entry('j', 1, { tablespace: 'fast' })], 'post');
    const finished = w.finish('', '');
    const [prologue, epilogue] = [finished.prologue.join(''), finished.epilogue.join('')];
    assert.match(prologue, /^SET default_tablespace = '';\n\n--\n-- Name: t;/);
    assert.ok(epilogue.startsWith('--\n-- Name: i;'), 'no second SET for the same tablespace');
    assert.match(epilogue, /SET default_tablespace = fast;\n\n--\n-- Name: j;/);
  });

  it('refuses a tablespace outside the main pass (it could not be tracked in order)', () => {
    const w = new ScriptWriter(q, false);
    assert.throws(() => w.write([entry('x', 2, { tablespace: 'fast' })], 'post'), /outside the main pass/);
  });
});

describe('readSchema holds no per-object rendered SQL (PostgreSQL 15)', () => {
  let cluster: PgCluster;
  const TABLES = 120;

  before(async () => {
    cluster = await startCluster({ major: 15 });
    await cluster.createDatabase('many');
    await cluster.query('many', `CREATE ROLE many_reader; CREATE SCHEMA app;
      DO $$ BEGIN FOR i IN 1..${TABLES} LOOP
        EXECUTE format('CREATE TABLE app.%I (id bigserial PRIMARY KEY, name text NOT NULL, v numeric DEFAULT 0)', 't' || i);
        EXECUTE format('CREATE INDEX ON app.%I (name)', 't' || i);
        EXECUTE format('COMMENT ON TABLE app.%I IS %L', 't' || i, 'table ' || i);
        EXECUTE format('COMMENT ON COLUMN app.%I.name IS %L', 't' || i, 'the name');
        EXECUTE format('GRANT SELECT ON app.%I TO many_reader', 't' || i);
      END LOOP; END $$;
      CREATE VIEW app.names AS SELECT id, name FROM app.t1`);
  });
  after(async () => {
    await cluster?.query('postgres', 'DROP DATABASE IF EXISTS many').catch(() => undefined);
    await cluster?.query('postgres', 'DROP ROLE IF EXISTS many_reader').catch(() => undefined);
    await cluster?.stop();
  });

  it(`renders ${TABLES} tables while holding at most one object's entries`, async () => {
    const c = new pg.Client(cluster.config('many'));
    await c.connect();
    try {
      await pinSession(c);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      let stats: { entries: number; maxHeld: number } | undefined;
      const plan = await readSchema(c, { restrictKey: 'k', onWriterStats: (s) => { stats = s; } });
      await c.query('COMMIT');
      assert.ok(stats, 'the writer reported its statistics');
      // Per table: the table, its sequence, the sequence's OWNED BY, the primary key, the index, two comments and an ACL.
      assert.ok(stats.entries >= TABLES * 7, `entries written: ${stats.entries}`);
      // A table with its comments and ACL is the largest object here (4 entries); collecting the whole TOC first
      // (what the schema side did before) holds every entry.
      assert.ok(stats.maxHeld <= 4, `at most one object's entries held, got ${stats.maxHeld}`);
      assert.equal(plan.tables.length, TABLES);
      assert.match(scriptText(plan.epilogue), /GRANT SELECT ON TABLE app\.t120 TO many_reader;/);
    } finally {
      await c.end();
    }
  });

  it('lets go of every table\'s column records once its CREATE TABLE is printed (a view keeps its own)', async () => {
    const c = new pg.Client(cluster.config('many'));
    await c.connect();
    try {
      await pinSession(c);
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const held: number[] = [];
      const plan = await readSchema(c, { restrictKey: 'k', onRenderStats: (s) => { held.push(s.columnsHeldAtPostData); } });
      await c.query('COMMIT');
      // Read before: 3 columns per table and the view's 2. Before the records were let go, all 362 were still held.
      assert.deepEqual(held, [2]);
      // The constraints, rendered after the tables' columns are gone, still name their columns; so do the data specs.
      const epilogue = scriptText(plan.epilogue);
      assert.match(epilogue, /ALTER TABLE ONLY app\.t120\n    ADD CONSTRAINT t120_pkey PRIMARY KEY \(id\);/);
      assert.deepEqual(plan.tables.find((t) => t.name === 't120')?.columns, ['id', 'name', 'v']);
      assert.match(scriptText(plan.prologue), /ALTER SEQUENCE app\.t120_id_seq OWNED BY app\.t120\.id;/);
    } finally {
      await c.end();
    }
  });

  it('reads pg_depend and the completeness guard\'s census a page at a time, with the same script', async () => {
    const c = new pg.Client(cluster.config('many'));
    await c.connect();
    try {
      await pinSession(c);
      const read = async (pageRows?: number): Promise<{ script: string; results: { sql: string; rows: number }[] }> => {
        const results: { sql: string; rows: number }[] = [];
        const query = c.query.bind(c);
        // Every round trip of readSchema, with the number of rows it brought back.
        (c as unknown as { query: typeof query }).query = (async (config: string | pg.QueryConfig, values?: unknown[]) => {
          const r = await (query as (q: string | pg.QueryConfig, v?: unknown[]) => Promise<pg.QueryResult>)(config, values);
          results.push({ sql: typeof config === 'string' ? config : config.text, rows: r.rows.length });
          return r;
        }) as unknown as typeof query;
        try {
          await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
          const plan = await readSchema(c, pageRows === undefined ? { restrictKey: 'k' } : { restrictKey: 'k', pageRows });
          await c.query('COMMIT');
          return { script: scriptText(plan.prologue) + scriptText(plan.epilogue), results };
        } finally {
          (c as unknown as { query: typeof query }).query = query;
        }
      };
      const PAGE = 40;
      const paged = await read(PAGE);
      const fetches = paged.results.filter((r) => r.sql.startsWith('FETCH '));
      assert.ok(fetches.every((r) => r.rows <= PAGE), `a page holds at most ${PAGE} rows: ${fetches.map((r) => r.rows).join(', ')}`);
      // pg_depend holds about ten rows per table here and the census more: many full pages.
      assert.ok(fetches.filter((r) => r.rows === PAGE).length >= (TABLES * 10) / PAGE, `full pages: ${fetches.filter((r) => r.rows === PAGE).length}`);
      // No read of pg_depend or pg_description (comments, and the census that lists them) brings more than a page back.
      const big = paged.results.filter((r) => r.rows > PAGE && /pg_catalog\.pg_(depend|description)\b/.test(r.sql));
      assert.deepEqual(big.map((r) => `${r.rows} rows: ${r.sql.slice(0, 80)}`), []);
      assert.ok(paged.results.some((r) => r.sql.startsWith('DECLARE ') && /FROM pg_catalog\.pg_description\b/.test(r.sql)), 'the census is read through a cursor');
      const unpaged = await read();
      assert.equal(paged.script, unpaged.script, 'the page size changes nothing in the script');
    } finally {
      await c.end();
    }
  });
});
