/**
 * Dump engine, data path (PostgreSQL 15, with pg_dump 15 as the oracle): value fidelity through a psql restore,
 * byte-identical COPY / setval / large-object text, hostile source defaults, statistics and hashes, stable order.
 * The schema side is stood in for by a minimal reader (engine-fixtures.ts) so these tests exercise the engine only.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { dumpDatabase, hashTableData, writeDump } from '../../src/dump/index.js';
import { pieceEnd, SCRIPT_PIECE_CHARS } from '../../src/dump/engine/dump.js';
import { collect, copyBlocks, handPlanner, verifierHash } from './engine-fixtures.js';
import { PassThrough } from 'node:stream';
import { existsSync, rmSync } from 'node:fs';

let c: PgCluster;

const TRICKY = `
CREATE TABLE tricky (id int PRIMARY KEY, t text, f8 float8, f4 float4, n numeric, b bytea, ts timestamp, tstz timestamptz,
  d date, iv interval, j jsonb, arr text[], u uuid, x xml, r regclass);
INSERT INTO tricky (id, t) VALUES (1, E'tab\\there'), (2, E'new\\nline'), (3, E'back\\\\slash'), (4, '\\.'), (5, NULL), (6, ''),
  (7, E'cr\\r\\nlf'), (8, '\\N'), (9, E'trailing\\\\'), (10, 'héllo 🐘 ünï'), (11, E'\\\\.\\n\\\\.'), (12, repeat('long-', 300000));
INSERT INTO tricky (id, f8, f4) VALUES (20, 'NaN', 'NaN'), (21, 'Infinity', 'Infinity'), (22, '-Infinity', '-Infinity'), (23, '-0', '-0'),
  (24, 1.0000000000000002, 0.1), (25, 1e308, 3.4e38), (26, 5e-324, 1e-45), (27, 0.30000000000000004, 16777217);
INSERT INTO tricky (id, n) VALUES (30, repeat('9', 2000)::numeric), (31, 'NaN'), (32, ('0.' || repeat('0', 500) || '1')::numeric),
  (33, 'Infinity'), (34, '-Infinity'), (35, -123456789012345678901234567890.123456789);
INSERT INTO tricky (id, b) SELECT 40, decode(string_agg(lpad(to_hex(g), 2, '0'), '' ORDER BY g), 'hex') FROM generate_series(0, 255) g;
INSERT INTO tricky (id, b) VALUES (41, ''), (42, NULL), (43, '\\x5c2e0a');
INSERT INTO tricky (id, ts, tstz, d) VALUES (50, 'infinity', 'infinity', 'infinity'), (51, '-infinity', '-infinity', '-infinity'),
  (52, '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '4713-01-01 BC'), (53, '294276-12-31 23:59:59.999999', '294276-12-31 23:59:59.999999+00', '5874897-12-31'),
  (54, '2024-02-29 12:34:56.789', '2024-07-01 00:00:00+05:45', '2000-01-01'), (55, '0044-03-15 12:00:00 BC', '1900-01-01 00:00:00+00', '1582-10-10');
INSERT INTO tricky (id, iv, j, arr, u, x, r) VALUES (60, '1 year 2 mons -3 days 04:05:06.789', '{"a": "tab\\there", "b": [1, 2.50, null], "c": "\\\\u0000"}',
  ARRAY['a,b', '"q"', NULL, '', E'back\\\\'], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '<a>x</a>text', 'pg_class'),
  (61, '-178000000 years', '[]', '{}', NULL, 'frag<b/>', 'tricky');
CREATE TABLE "Mixed Case" ("select" int, "we""ird" text, g int GENERATED ALWAYS AS ("select" * 2) STORED);
INSERT INTO "Mixed Case" VALUES (1, 'a'), (2, NULL);
ALTER TABLE "Mixed Case" DROP COLUMN "we""ird";
ALTER TABLE "Mixed Case" ADD COLUMN later text DEFAULT 'dflt';
CREATE TABLE nocols ();
INSERT INTO nocols DEFAULT VALUES; INSERT INTO nocols DEFAULT VALUES;
CREATE TABLE empty_t (a int);
CREATE TABLE "evil
\\! touch /tmp/pwned" (a int); INSERT INTO "evil
\\! touch /tmp/pwned" VALUES (1);
CREATE SEQUENCE s_called; SELECT nextval('s_called'), nextval('s_called');
CREATE SEQUENCE s_fresh START 100;
CREATE SEQUENCE "Seq ""q""" INCREMENT -1 MINVALUE -1000 MAXVALUE -1 START -5; SELECT nextval('"Seq ""q"""');
SELECT lo_from_bytea(0, '\\x00010203');
SELECT lo_create(0);
SELECT lo_from_bytea(0, decode(repeat('0123456789abcdef', 5000), 'hex'));
SELECT lo_from_bytea(0, decode(repeat('ff', 65536 * 16 + 3), 'hex'));
`;

/** DDL to recreate the tables in an empty target (the engine test restores data only). */
const TARGET_DDL = `
CREATE TABLE tricky (id int PRIMARY KEY, t text, f8 float8, f4 float4, n numeric, b bytea, ts timestamp, tstz timestamptz,
  d date, iv interval, j jsonb, arr text[], u uuid, x xml, r regclass);
CREATE TABLE "Mixed Case" ("select" int, g int GENERATED ALWAYS AS ("select" * 2) STORED, later text DEFAULT 'dflt');
CREATE TABLE nocols ();
CREATE TABLE empty_t (a int);
CREATE TABLE "evil
\\! touch /tmp/pwned" (a int);
CREATE SEQUENCE s_called; CREATE SEQUENCE s_fresh START 100;
CREATE SEQUENCE "Seq ""q""" INCREMENT -1 MINVALUE -1000 MAXVALUE -1 START -5;
`;

before(async () => {
  c = await startCluster({ major: 15 });
  await c.createDatabase('src');
  await c.query('src', "ALTER DATABASE src SET TimeZone = 'UTC'");
  c.psql('src', ['-c', TRICKY]);
});
after(async () => { await c?.stop(); });

async function dumpSrc(db = 'src', extra: Parameters<typeof dumpDatabase>[1] = {}) {
  return collect(dumpDatabase({ port: c.port, host: c.host, user: c.user, database: db }, { schemaReader: handPlanner(), ...extra }));
}

async function tableCopy(db: string, sql: string): Promise<{ rows: number; bytes: number; sha256: string }> {
  const client = new pg.Client(c.config(db));
  await client.connect();
  try { return await verifierHash(client, sql); } finally { await client.end(); }
}

test('COPY blocks, sequence values and large objects are byte-identical to pg_dump 15 --data-only', async () => {
  const ours = (await dumpSrc()).script.toString('utf8');
  const theirs = c.pgDump('src', ['--data-only']);
  const start = (s: string): number => s.indexOf('--\n-- Data for Name: ');
  const end = (s: string): number => { const i = s.indexOf('--\n-- PostgreSQL database dump complete'); return i < 0 ? s.length : i; };
  const a = ours.slice(start(ours), end(ours));
  const b = theirs.slice(start(theirs), end(theirs));
  assert.ok(b.includes('COPY public.tricky') && b.includes('lowrite') && b.includes('setval'));
  assert.equal(a, b);
  assert.deepEqual([...copyBlocks(ours).keys()].sort(), [...copyBlocks(theirs).keys()].sort());
});

test('every tricky value survives dump → psql restore unchanged', async () => {
  const { script } = await dumpSrc();
  rmSync('/tmp/pwned', { force: true });
  await c.createDatabase('restored');
  c.psql('restored', ['-c', TARGET_DDL]);
  // The schema side's prologue creates large objects (lo_create); the data section only fills them.
  for (const r of await c.query<{ oid: number }>('src', 'SELECT oid::int AS oid FROM pg_largeobject_metadata')) {
    await c.query('restored', 'SELECT lo_create($1)', [r.oid]);
  }
  c.psql('restored', ['-f', '-'], script);
  for (const sql of ['COPY (SELECT * FROM public.tricky ORDER BY id) TO STDOUT', 'COPY (SELECT * FROM public."Mixed Case" ORDER BY 1) TO STDOUT',
    'COPY public.nocols TO STDOUT', 'COPY (SELECT last_value, is_called FROM public.s_called) TO STDOUT', 'COPY (SELECT last_value, is_called FROM public.s_fresh) TO STDOUT',
    'COPY (SELECT last_value, is_called FROM public."Seq ""q""") TO STDOUT',
    'COPY (SELECT oid, md5(lo_get(oid)), length(lo_get(oid)) FROM pg_catalog.pg_largeobject_metadata ORDER BY oid) TO STDOUT']) {
    assert.deepEqual(await tableCopy('restored', sql), await tableCopy('src', sql), sql);
  }
  assert.equal(existsSync('/tmp/pwned'), false, 'psql ran no meta-command from a table name');
  const n = await c.query<{ n: string }>('restored', 'SELECT count(*)::text AS n FROM nocols');
  assert.equal(n[0]!.n, '2');
  await c.dropDatabase('restored');
});

test('per-table stats match a verifier re-reading each table; summary hash is the hash of the script', async () => {
  const { script, summary, parts } = await dumpSrc();
  assert.equal(summary.sha256, createHash('sha256').update(script).digest('hex'));
  assert.equal(summary.totalBytes, script.length);
  assert.equal(summary.serverVersionNum >= 150000 && summary.serverVersionNum < 160000, true);
  assert.deepEqual(parts.map((p) => p.kind), ['prologue', 'table-data', 'table-data', 'table-data', 'table-data', 'table-data', 'data-sql', 'large-objects', 'epilogue']);
  assert.deepEqual(summary.tables.map((t) => t.qualified), ['public."Mixed Case"', 'public.empty_t', 'public."evil\n\\! touch /tmp/pwned"', 'public.nocols', 'public.tricky']);
  // A name with a newline never starts a line of its own in the comment blocks (psql would run `\!` otherwise).
  assert.ok(script.toString('utf8').includes('\n-- Data for Name: evil \\! touch /tmp/pwned; Type: TABLE DATA; Schema: public; Owner: postgres\n'));
  for (const t of summary.tables) {
    if (t.name.startsWith('evil')) continue;
    const cols = t.qualified === 'public.nocols' ? '' : t.qualified === 'public."Mixed Case"' ? ' ("select", later)' : t.qualified === 'public.empty_t' ? ' (a)'
      : ' (id, t, f8, f4, n, b, ts, tstz, d, iv, j, arr, u, x, r)';
    const v = await tableCopy('src', `COPY ${t.qualified}${cols} TO STDOUT`);
    assert.deepEqual({ rows: t.rows, bytes: t.bytes, sha256: t.sha256 }, v, t.qualified);
    // The exported verifier helper reproduces it from the recorded fields.
    const client = new pg.Client(c.config('src'));
    await client.connect();
    try {
      const columns = cols ? cols.slice(2, -1).split(', ') : [];
      assert.deepEqual(await hashTableData(client, { qualified: t.qualified, columns, order: t.order }), v);
    } finally {
      await client.end();
    }
    assert.equal(t.order, 'heap');
  }
  // Hashing in a worker thread or inline gives the same results.
  for (const inlineHashing of [true, false]) {
    const other = await dumpSrc('src', { inlineHashing });
    assert.equal(other.summary.sha256, summary.sha256);
    assert.deepEqual(other.summary.tables, summary.tables);
  }
  const counts = await c.query<{ n: string }>('src', 'SELECT count(*)::text AS n FROM tricky');
  assert.equal(summary.tables.find((t) => t.name === 'tricky')!.rows, Number(counts[0]!.n));
  assert.equal(summary.tables.find((t) => t.name === 'nocols')!.rows, 2);
  assert.equal(summary.tables.find((t) => t.name === 'empty_t')!.rows, 0);
  assert.equal(summary.tables.find((t) => t.name === 'empty_t')!.sha256, createHash('sha256').digest('hex'));
});

test('hostile database defaults do not change a byte of the output', async () => {
  const clean = await dumpSrc();
  await c.query('src', `ALTER DATABASE src SET DateStyle = 'SQL, DMY'; ALTER DATABASE src SET IntervalStyle = 'sql_standard';
    ALTER DATABASE src SET TimeZone = 'Pacific/Chatham'; ALTER DATABASE src SET extra_float_digits = 0;
    ALTER DATABASE src SET search_path = 'evil, public'; ALTER DATABASE src SET standard_conforming_strings = off;
    ALTER DATABASE src SET bytea_output = 'escape'; ALTER DATABASE src SET statement_timeout = '1ms';
    ALTER DATABASE src SET lock_timeout = '1ms'; ALTER DATABASE src SET row_security = on; ALTER DATABASE src SET quote_all_identifiers = on;
    ALTER DATABASE src SET xmloption = document; ALTER DATABASE src SET synchronize_seqscans = on;
    ALTER DATABASE src SET max_parallel_workers_per_gather = 4; ALTER DATABASE src SET enable_tidscan = off;
    CREATE SCHEMA evil; CREATE TABLE evil.tricky (id int);`);
  try {
    const hostile = await dumpSrc('src', { excludeTables: ['evil.tricky'] });
    assert.equal(hostile.summary.sha256, clean.summary.sha256);
    assert.ok(hostile.script.equals(clean.script));
    const stable = await dumpSrc('src', { stableOrder: true, jobs: 2, parallelChunkBytes: 8192, excludeTables: ['evil.tricky'] });
    const stableClean = stable.summary.tables.map((t) => t.sha256);
    assert.equal(stableClean.length, 5);
  } finally {
    await c.query('postgres', "ALTER DATABASE src RESET ALL; ALTER DATABASE src SET TimeZone = 'UTC'");
    await c.query('src', 'DROP SCHEMA evil CASCADE');
  }
});

test('stable order: key-ordered rows, still a valid COPY ... FROM stdin block, hash reproducible with ORDER BY', async () => {
  await c.createDatabase('ord');
  c.psql('ord', ['-c', `CREATE TABLE o (k text, n int, v text, PRIMARY KEY (n, k));
    INSERT INTO o SELECT 'k' || (g % 7), g, md5(g::text) FROM generate_series(1, 5000) g;
    UPDATE o SET v = 'changed' WHERE n % 10 = 3; DELETE FROM o WHERE n % 17 = 0; INSERT INTO o VALUES ('a', 0, 'zero');
    CREATE TABLE nokey (a int); INSERT INTO nokey SELECT generate_series(1, 100); UPDATE nokey SET a = -a WHERE a % 3 = 0;`]);
  const heap = await dumpSrc('ord');
  const ord = await dumpSrc('ord', { stableOrder: true });
  const t = ord.summary.tables.find((x) => x.name === 'o')!;
  assert.equal(t.order, 'ordered');
  assert.deepEqual(t.orderKey, ['n', 'k']);
  assert.deepEqual({ rows: t.rows, bytes: t.bytes, sha256: t.sha256 }, await tableCopy('ord', 'COPY (SELECT k, n, v FROM ONLY public.o ORDER BY n, k) TO STDOUT'));
  const h = heap.summary.tables.find((x) => x.name === 'o')!;
  assert.notEqual(h.sha256, t.sha256);
  assert.equal(h.rows, t.rows);
  const nk = ord.summary.tables.find((x) => x.name === 'nokey')!;
  assert.equal(nk.order, 'heap');
  assert.equal(nk.sha256, heap.summary.tables.find((x) => x.name === 'nokey')!.sha256);
  const block = copyBlocks(ord.script.toString('utf8')).get('COPY public.o (k, n, v) FROM stdin;')!;
  assert.ok(block.startsWith('a\t0\tzero\nk1\t1\t'));
  await c.createDatabase('ord2');
  c.psql('ord2', ['-c', 'CREATE TABLE o (k text, n int, v text, PRIMARY KEY (n, k)); CREATE TABLE nokey (a int);']);
  c.psql('ord2', ['-f', '-'], ord.script);
  const q = 'COPY (SELECT * FROM public.o ORDER BY n, k) TO STDOUT';
  assert.deepEqual(await tableCopy('ord2', q), await tableCopy('ord', q));
  // A verifier re-reading the restored copy reproduces the recorded stats: key order, and heap order of fresh tables.
  const vc = new pg.Client(c.config('ord2'));
  await vc.connect();
  try {
    assert.deepEqual(await hashTableData(vc, { qualified: t.qualified, columns: ['k', 'n', 'v'], order: 'ordered', orderKey: t.orderKey! }),
      { rows: t.rows, bytes: t.bytes, sha256: t.sha256 });
    assert.deepEqual(await hashTableData(vc, { qualified: nk.qualified, columns: ['a'], order: 'heap' }), { rows: nk.rows, bytes: nk.bytes, sha256: nk.sha256 });
  } finally {
    await vc.end();
  }
});

test('writeDump streams the script to a Writable and returns the summary', async () => {
  const out = new PassThrough();
  const bufs: Buffer[] = [];
  out.on('data', (b: Buffer) => bufs.push(b));
  const summary = await writeDump(dumpDatabase({ host: c.host, port: c.port, user: c.user, database: 'src' }, { schemaReader: handPlanner() }), out);
  const all = Buffer.concat(bufs);
  assert.equal(summary.totalBytes, all.length);
  assert.equal(summary.sha256, createHash('sha256').update(all).digest('hex'));
});

test('pieceEnd cuts script text after a blank line, else a newline, never inside a surrogate pair', () => {
  assert.equal(pieceEnd('ab\n\ncd\nef', 0, 8), 4, 'after the last blank line within the limit');
  assert.equal(pieceEnd('abc\ndefgh', 0, 6), 4, 'no blank line: after the last newline');
  assert.equal(pieceEnd('abcdefgh', 2, 4), 6, 'no newline: at the limit');
  assert.equal(pieceEnd('abc😀def', 0, 4), 3, 'the limit falls inside a surrogate pair: before it');
  assert.equal(pieceEnd('abc', 0, 8), 3, 'the rest fits');
});

test('a prologue and epilogue of megabytes reach the reader in pieces of about a megabyte, byte for byte', async () => {
  // ~3 M characters of entries (with multi-byte characters and a \restrict line) as one string and as segments.
  const entry = (i: number): string => `--\n-- Name: t${i}; Type: TABLE; Schema: app; Owner: o\n--\n\nCREATE TABLE app.t${i} (a text DEFAULT 'é😀ü');\n\n`;
  const entries = Array.from({ length: 40_000 }, (_, i) => entry(i));
  const prologue = `--\n\n\\restrict Key1\n\n${entries.join('')}`;
  const epilogue = [entries.slice(0, 20_000).join(''), entries.slice(20_000).join(''), '\\unrestrict Key1\n\n'];
  assert.ok(prologue.length > 2.5 * SCRIPT_PIECE_CHARS);
  const dump = dumpDatabase({ port: c.port, host: c.host, user: c.user, database: 'src' }, { schemaReader: handPlanner({ prologue, epilogue }) });
  const got = new Map<string, Buffer[]>();
  for await (const p of dump) {
    const list: Buffer[] = [];
    for await (const b of p.stream) list.push(Buffer.from(b));
    if (p.kind === 'prologue' || p.kind === 'epilogue') got.set(p.kind, list);
  }
  for (const [kind, text] of [['prologue', prologue], ['epilogue', epilogue.join('')]] as const) {
    const list = got.get(kind)!;
    assert.ok(list.length >= 3, `${kind}: ${list.length} piece(s)`);
    for (const b of list) assert.ok(b.length <= 3 * SCRIPT_PIECE_CHARS + 1024, `${kind}: a piece of ${b.length} bytes`);
    assert.ok(Buffer.concat(list).equals(Buffer.from(text, 'utf8')), `${kind}: the bytes of the whole text`);
  }
  assert.ok(got.get('prologue')!.every((b) => b.subarray(-2).toString() === '\n\n'), 'the prologue is cut at blank lines');
});
