/**
 * Dump engine on PostgreSQL 17: parallel jobs produce the same bytes as one job (including block-range splitting of
 * big tables), every connection reads the same snapshot, COPY is paused by backpressure, early stop cleans up.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { dumpDatabase, type DumpOptions } from '../../src/dump/index.js';
import { collect, handPlanner } from './engine-fixtures.js';
import { keyRangeModes, segmentModes } from '../../src/dump/engine/parallel.js';

let c: PgCluster;
const conn = (db: string) => ({ host: c.host, port: c.port, user: c.user, database: db, applicationName: 'pgvault-test' });

before(async () => {
  c = await startCluster({ major: 17 });
  await c.createDatabase('par');
  // Holes and moved rows (updates, deletes, a partial vacuum) so heap order differs from insertion order.
  c.psql('par', ['-f', '-'], `
    CREATE TABLE big (id int PRIMARY KEY, pad text, j jsonb);
    INSERT INTO big SELECT g, repeat(md5(g::text), 3), jsonb_build_object('g', g, 's', 'tab\there') FROM generate_series(1, 30000) g;
    DELETE FROM big WHERE id % 7 = 0; UPDATE big SET pad = 'moved' WHERE id % 11 = 0; VACUUM big;
    INSERT INTO big SELECT g, 'late', NULL FROM generate_series(30001, 31000) g;
    CREATE TABLE small (a int, b text); INSERT INTO small VALUES (1, 'x'), (2, NULL);
    CREATE TABLE mid (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v float8);
    INSERT INTO mid (v) SELECT g / 3.0 FROM generate_series(1, 8000) g; UPDATE mid SET v = -v WHERE id % 5 = 0;
    CREATE TABLE nocols (); INSERT INTO nocols DEFAULT VALUES;
    CREATE TABLE words (w text COLLATE "en-x-icu" PRIMARY KEY, n int);
    INSERT INTO words SELECT (ARRAY['apple', 'Banana', 'cherry', 'Äpfel', 'zebra', 'Zulu', 'éclair', 'delta'])[1 + g % 8] || ' ' || md5(g::text), g
      FROM generate_series(1, 6000) g;
    CREATE TABLE pairs (a text, b int, v text, PRIMARY KEY (a, b));
    INSERT INTO pairs SELECT 'k' || (g % 37), g, repeat('v', g % 50) FROM generate_series(1, 6000) g;
    CREATE TABLE parent (a int); CREATE TABLE child () INHERITS (parent);
    INSERT INTO parent VALUES (1); INSERT INTO child VALUES (2), (3);
    ANALYZE;`);
});
after(async () => { await c?.stop(); });

async function run(opts: DumpOptions) {
  return collect(dumpDatabase(conn('par'), { schemaReader: handPlanner(), ...opts }));
}

test('jobs=1 and jobs=3 give byte-identical scripts, with big tables split into block ranges', async () => {
  const one = await run({ jobs: 1 });
  // 32 KiB ranges: `big` (several MB) becomes dozens of TID-range segments across 3 connections.
  const three = await run({ jobs: 3, parallelChunkBytes: 32 * 1024, prefetchBytes: 64 * 1024 });
  assert.ok(one.summary.tables.find((t) => t.name === 'big')!.rows === 31000 - Math.floor(30000 / 7));
  assert.equal(three.summary.sha256, one.summary.sha256);
  assert.ok(three.script.equals(one.script));
  assert.deepEqual(three.summary.tables, one.summary.tables);
  assert.equal(one.summary.tables.find((t) => t.name === 'parent')!.rows, 1, 'COPY of a parent never includes children');
  const two = await run({ jobs: 2 });
  assert.equal(two.summary.sha256, one.summary.sha256);
  const ser = await run({ jobs: 2, serializableDeferrable: true, parallelChunkBytes: 32 * 1024 });
  assert.equal(ser.summary.isolation, 'serializable deferrable');
  assert.equal(ser.summary.sha256, one.summary.sha256);
  // Stable order with jobs: big key-ordered tables are read as key ranges (ICU-collated text key, composite key, ints).
  const ord1 = await run({ jobs: 1, stableOrder: true });
  const ord3 = await run({ jobs: 3, stableOrder: true, parallelChunkBytes: 32 * 1024, prefetchBytes: 64 * 1024 });
  assert.equal(ord3.summary.sha256, ord1.summary.sha256);
  assert.ok(ord3.script.equals(ord1.script));
  const words = ord1.script.toString().split('COPY public.words (w, n) FROM stdin;\n')[1]!.split('\\.\n')[0]!;
  assert.ok(words.indexOf('\napple ') < words.indexOf('\nBanana '), 'key order follows the ICU collation (bytewise, B < a)');
  assert.ok(words.startsWith('apple ') || words.startsWith('Äpfel '));
  assert.notEqual(ord1.summary.sha256, one.summary.sha256);
});

for (const jobs of [1, 3]) {
  test(`all data comes from the dump's snapshot (jobs=${jobs})`, async () => {
    const before = await run({ jobs });
    const dump = dumpDatabase(conn('par'), { schemaReader: handPlanner(), jobs, parallelChunkBytes: 32 * 1024 });
    const first = await dump.next();
    assert.equal(first.done, false);
    // The snapshot is taken: commit changes to every table from another session, then read the data.
    await c.query('par', `INSERT INTO big VALUES (99999, 'new', NULL); DELETE FROM big WHERE id = 1; INSERT INTO small VALUES (3, 'new');
      UPDATE mid SET v = 0; INSERT INTO nocols DEFAULT VALUES; INSERT INTO child VALUES (4);`);
    const bufs: Buffer[] = [];
    if (!first.done) for await (const ch of first.value.stream) bufs.push(Buffer.from(ch));
    for (;;) {
      const r = await dump.next();
      if (r.done) break;
      for await (const ch of r.value.stream) bufs.push(Buffer.from(ch));
    }
    assert.equal(dump.summary().sha256, before.summary.sha256);
    assert.ok(Buffer.concat(bufs).equals(before.script));
    c.psql('par', ['-f', '-'], `DELETE FROM big WHERE id = 99999; INSERT INTO big SELECT 1, repeat(md5('1'), 3), jsonb_build_object('g', 1, 's', 'tab\there');
      DELETE FROM small WHERE a = 3; DELETE FROM child WHERE a = 4; DELETE FROM nocols WHERE ctid = (SELECT max(ctid) FROM nocols);
      UPDATE mid SET v = id / 3.0; UPDATE mid SET v = -v WHERE id % 5 = 0; VACUUM FULL big; VACUUM FULL mid;`);
  });
}

test('a paused consumer pauses the COPY on the server (backpressure), and stopping early closes every connection', async () => {
  await c.createDatabase('bp');
  await c.query('bp', "CREATE TABLE huge AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g");
  await c.query('bp', 'CREATE TABLE huge2 AS SELECT * FROM huge');
  const admin = new pg.Client(c.config('bp'));
  await admin.connect();
  try {
    for (const jobs of [1, 2]) {
      // No block-range splitting here: each connection streams one whole 40 MB table into a 1 MiB buffer.
      const dump = dumpDatabase(conn('bp'), { schemaReader: handPlanner(), jobs, parallelChunkBytes: 1 << 30, prefetchBytes: 1 << 20 });
      let got = 0;
      for await (const part of dump) {
        if (part.kind !== 'table-data') { for await (const ch of part.stream) void ch; continue; }
        const it = part.stream[Symbol.asyncIterator]();
        while (got < 256 * 1024) {
          const r = await it.next();
          assert.equal(r.done, false);
          if (!r.done) got += r.value.length;
        }
        // Stop reading: the server backend(s) must end up blocked writing to the client, not buffering everything here.
        let waiting = 0;
        for (let i = 0; i < 50 && waiting < jobs; i++) {
          await sleep(100);
          const w = await admin.query<{ n: string }>(`SELECT count(*)::text AS n FROM pg_stat_activity
            WHERE application_name = 'pgvault-test' AND wait_event = 'ClientWrite' AND query LIKE 'COPY%'`);
          waiting = Number(w.rows[0]!.n);
        }
        assert.equal(waiting, jobs, `jobs=${jobs}: every COPY backend waits on ClientWrite`);
        const rss = process.memoryUsage().rss;
        assert.ok(rss < 400 * 1024 * 1024, `bounded memory (rss ${rss})`);
        break; // stop early: closes connections
      }
      assert.ok(got > 0);
      let left = -1;
      for (let i = 0; i < 50 && left !== 0; i++) {
        const r = await admin.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_stat_activity WHERE application_name = 'pgvault-test'");
        left = Number(r.rows[0]!.n);
        if (left) await sleep(100);
      }
      assert.equal(left, 0, 'no dump connection left after stopping early');
    }
  } finally {
    await admin.end();
  }
});

test('reading parts out of order is refused', async () => {
  const dump = dumpDatabase(conn('par'), { schemaReader: handPlanner() });
  const p1 = await dump.next();
  assert.equal(p1.done, false);
  await assert.rejects(dump.next(), /consumed in order/);
});

test('block-range planning: only heap-order tables with columns, on PostgreSQL 14+, bigger than two ranges', () => {
  const spec = { oid: 1, schema: 'public', name: 't', qualified: 'public.t', columns: ['a'], copyFromLine: '', orderKey: ['a'], estimatedBytes: 10 * 8192 };
  const o = { jobs: 2, serverVersionNum: 150000, blockSize: 8192, chunkBytes: 4 * 8192 };
  assert.deepEqual(segmentModes(spec, { kind: 'heap' }, o), [
    { kind: 'blocks', fromBlock: 0, toBlock: 4 }, { kind: 'blocks', fromBlock: 4, toBlock: 8 }, { kind: 'blocks', fromBlock: 8, toBlock: null }]);
  assert.deepEqual(segmentModes(spec, { kind: 'heap' }, { ...o, serverVersionNum: 130012 }), [{ kind: 'heap' }]);
  assert.deepEqual(segmentModes(spec, { kind: 'heap' }, { ...o, jobs: 1 }), [{ kind: 'heap' }]);
  assert.deepEqual(segmentModes({ ...spec, columns: [] }, { kind: 'heap' }, o), [{ kind: 'heap' }]);
  assert.deepEqual(segmentModes({ ...spec, estimatedBytes: 7 * 8192 }, { kind: 'heap' }, o), [{ kind: 'heap' }]);
  assert.deepEqual(segmentModes(spec, { kind: 'ordered', key: ['a'] }, o), [{ kind: 'ordered', key: ['a'] }]);
});

test('database-level timeouts (statement, idle-in-transaction, transaction_timeout of PG 17) cannot kill a slow-consumer dump', async () => {
  await c.createDatabase('slow');
  await c.query('slow', "CREATE TABLE t AS SELECT g AS id, repeat('z', 100) AS pad FROM generate_series(1, 50000) g");
  await c.query('postgres', `ALTER DATABASE slow SET statement_timeout = '1s'; ALTER DATABASE slow SET idle_in_transaction_session_timeout = '1s';
    ALTER DATABASE slow SET transaction_timeout = '1s'; ALTER DATABASE slow SET lock_timeout = '1ms'`);
  const before = await collect(dumpDatabase(conn('slow'), { schemaReader: handPlanner() }));
  for (const jobs of [1, 2]) {
    const dump = dumpDatabase(conn('slow'), { schemaReader: handPlanner(), jobs, parallelChunkBytes: 64 * 1024 });
    const bufs: Buffer[] = [];
    for await (const part of dump) {
      // Idle in transaction between parts (workers too, with jobs=2), longer than every timeout.
      if (part.kind === 'table-data' || part.kind === 'epilogue') await sleep(1500);
      let n = 0;
      for await (const ch of part.stream) {
        bufs.push(Buffer.from(ch));
        if (n++ === 1) await sleep(1500); // and in the middle of a COPY
      }
    }
    assert.ok(Buffer.concat(bufs).equals(before.script), `jobs=${jobs}`);
  }
});

test('key ranges for stable order come from the histogram, sorted by the column collation', async () => {
  const client = new pg.Client(c.config('par'));
  await client.connect();
  try {
    const r = await client.query<{ oid: number }>("SELECT 'public.words'::regclass::oid::int AS oid");
    const spec = { oid: r.rows[0]!.oid, schema: 'public', name: 'words', qualified: 'public.words', columns: ['w', 'n'], copyFromLine: '',
      orderKey: ['w'], estimatedBytes: 1 << 20 };
    const modes = (await keyRangeModes(client, spec, { kind: 'ordered', key: ['w'] }, { jobs: 2, chunkBytes: 64 * 1024 }))!;
    assert.ok(modes.length >= 8 && modes.length <= 17, String(modes.length));
    const first = modes[0]!;
    const last = modes[modes.length - 1]!;
    assert.ok(first.kind === 'orderedRange' && first.lower === null && last.kind === 'orderedRange' && last.upper === null);
    // Each range holds rows in increasing ICU order; together they hold every row exactly once.
    let total = 0;
    for (const m of modes) {
      if (m.kind !== 'orderedRange') assert.fail('unexpected mode');
      const where = [m.lower && `w >= ${m.lower}`, m.upper && `w < ${m.upper}`].filter(Boolean).join(' AND ');
      const n = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM public.words${where ? ` WHERE ${where}` : ''}`);
      total += Number(n.rows[0]!.n);
    }
    assert.equal(total, 6000);
    assert.equal(await keyRangeModes(client, spec, { kind: 'heap' }, { jobs: 2, chunkBytes: 64 * 1024 }), null);
    assert.equal(await keyRangeModes(client, { ...spec, estimatedBytes: 1000 }, { kind: 'ordered', key: ['w'] }, { jobs: 2, chunkBytes: 64 * 1024 }), null);
  } finally {
    await client.end();
  }
});
