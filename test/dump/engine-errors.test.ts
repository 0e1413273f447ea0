/**
 * Dump engine failure modes (PostgreSQL 15): every one must end the dump with a DatabaseError naming the object,
 * never a silently short script.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { dumpDatabase, type Dump } from '../../src/dump/index.js';
import { DatabaseError } from '../../src/errors.js';
import { collect, handPlanner } from './engine-fixtures.js';

let c: PgCluster;
const conn = (db: string, extra: Record<string, unknown> = {}) => ({ host: c.host, port: c.port, user: c.user, database: db, applicationName: 'pgvault-err', ...extra });

before(async () => {
  c = await startCluster({ major: 15 });
  await c.createDatabase('e');
  await c.query('e', `CREATE TABLE a_small (x int); INSERT INTO a_small VALUES (1);
    CREATE TABLE big AS SELECT g AS id, repeat('y', 300) AS pad FROM generate_series(1, 150000) g;
    CREATE TABLE secret (s text); INSERT INTO secret VALUES ('classified');
    CREATE ROLE limited LOGIN; GRANT SELECT ON a_small, big TO limited;`);
});
after(async () => { await c?.stop(); });

/** Read the dump until `trigger` has been called once `afterBytes` of table `table` were read; return the error. */
async function failDuring(dump: Dump, table: string, afterBytes: number, trigger: () => Promise<void>): Promise<unknown> {
  try {
    for await (const part of dump) {
      let n = 0;
      let fired = false;
      for await (const ch of part.stream) {
        n += ch.length;
        if (part.name === table && !fired && n >= afterBytes) {
          fired = true;
          await trigger();
        }
      }
    }
  } catch (e) {
    return e;
  }
  assert.fail('the dump finished without an error');
}

async function adminQuery(sql: string): Promise<void> {
  const a = new pg.Client(c.config('e'));
  await a.connect();
  try { await a.query(sql); } finally { await a.end(); }
}

for (const jobs of [1, 2]) {
  test(`pg_terminate_backend during a COPY makes the stream throw, naming the table (jobs=${jobs})`, async () => {
    const dump = dumpDatabase(conn('e'), { schemaReader: handPlanner({ noLock: ['public.secret'] }), excludeTables: ['public.secret'], jobs });
    const err = await failDuring(dump, 'public.big', 64 * 1024, async () => {
      await adminQuery("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgvault-err' AND query LIKE 'COPY%'");
    });
    assert.ok(err instanceof DatabaseError, String(err));
    assert.match(err.message, /public\.big/);
    assert.match(err.message, /terminat|lost the connection/);
    assert.equal(err.exitCode, 15);
  });
}

test('a lost connection mid-COPY (TCP reset) makes the stream throw, naming the table', async () => {
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    const upstream = netConnect(c.port, c.host);
    sockets.add(client); sockets.add(upstream);
    client.pipe(upstream); upstream.pipe(client);
    client.on('error', () => undefined); upstream.on('error', () => undefined);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  const port = (proxy.address() as { port: number }).port;
  try {
    const dump = dumpDatabase({ ...conn('e'), port, sslmode: 'disable' }, { schemaReader: handPlanner(), excludeTables: ['public.secret'] });
    const err = await failDuring(dump, 'public.big', 64 * 1024, async () => {
      for (const s of sockets) s.resetAndDestroy();
    });
    assert.ok(err instanceof DatabaseError, String(err));
    assert.match(err.message, /lost the connection to PostgreSQL at 127\.0\.0\.1:\d+ while copying table public\.big/);
  } finally {
    proxy.close();
  }
});

test('no SELECT privilege on a table: DatabaseError naming it and the way out', async () => {
  const dump = dumpDatabase(conn('e', { user: 'limited' }), { schemaReader: handPlanner({ noLock: ['public.secret'] }) });
  await assert.rejects(collect(dump), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.equal(e.message, 'permission denied for table public.secret: the dump role needs SELECT on every dumped table, or exclude it with --exclude-table');
    return true;
  });
});

test('no SELECT privilege on a sequence or a large object: DatabaseError naming it', async () => {
  await c.createDatabase('e2');
  await c.query('e2', `CREATE TABLE ok (x int); CREATE SEQUENCE hidden_seq; CREATE ROLE seqless LOGIN; GRANT SELECT ON ok TO seqless;`);
  await assert.rejects(collect(dumpDatabase(conn('e2', { user: 'seqless' }), { schemaReader: handPlanner() })), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.match(e.message, /^permission denied for sequence public\.hidden_seq: the dump role needs SELECT on every dumped sequence/);
    return true;
  });
  await c.query('e2', `DROP SEQUENCE hidden_seq; SELECT lo_from_bytea(424242, '\\x01')`);
  await assert.rejects(collect(dumpDatabase(conn('e2', { user: 'seqless' }), { schemaReader: handPlanner() })), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.match(e.message, /^permission denied for large object 424242:/);
    return true;
  });
});

test('a table dropped after the snapshot (not locked): DatabaseError naming it', async () => {
  await c.query('e', 'CREATE TABLE gone (x int); INSERT INTO gone VALUES (1)');
  const dump = dumpDatabase(conn('e'), { schemaReader: handPlanner({ noLock: ['public.gone'] }), excludeTables: ['public.secret'] });
  const first = await dump.next();
  assert.equal(first.done, false);
  if (!first.done) for await (const ch of first.value.stream) void ch;
  await c.query('e', 'DROP TABLE gone');
  await assert.rejects((async () => { for await (const p of dump) for await (const ch of p.stream) void ch; })(), (e: unknown) => {
    assert.ok(e instanceof DatabaseError);
    assert.match(e.message, /table public\.gone was dropped while the dump was running/);
    return true;
  });
});

test('lock wait timeout while another session holds ACCESS EXCLUSIVE', async () => {
  const holder = new pg.Client(c.config('e'));
  await holder.connect();
  try {
    await holder.query('BEGIN; LOCK TABLE a_small IN ACCESS EXCLUSIVE MODE');
    const t0 = Date.now();
    await assert.rejects(collect(dumpDatabase(conn('e'), { schemaReader: handPlanner(), lockWaitTimeoutMs: 300 })), (e: unknown) => {
      assert.ok(e instanceof DatabaseError);
      assert.match(e.message, /timed out after 300 ms waiting for a table lock/);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000);
  } finally {
    await holder.query('ROLLBACK');
    await holder.end();
  }
});

test('parallel worker meets a queued ACCESS EXCLUSIVE request: fails fast (NOWAIT) naming the table, no deadlock', async () => {
  const dump = dumpDatabase(conn('e'), { schemaReader: handPlanner(), excludeTables: ['public.secret'], jobs: 2 });
  const first = await dump.next();
  assert.equal(first.done, false);
  // The leader holds ACCESS SHARE on both tables now; queue an ACCESS EXCLUSIVE request behind it.
  const waiter = new pg.Client(c.config('e'));
  await waiter.connect();
  const pending = waiter.query('BEGIN; LOCK TABLE big IN ACCESS EXCLUSIVE MODE; LOCK TABLE a_small IN ACCESS EXCLUSIVE MODE; COMMIT');
  try {
    const admin = new pg.Client(c.config('e'));
    await admin.connect();
    for (let i = 0; i < 50; i++) {
      const r = await admin.query<{ n: string }>("SELECT count(*)::text AS n FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock'");
      if (r.rows[0]!.n !== '0') break;
      await sleep(50);
    }
    await admin.end();
    const err = await (async () => {
      try {
        if (!first.done) for await (const ch of first.value.stream) void ch;
        for await (const p of dump) for await (const ch of p.stream) void ch;
      } catch (e) { return e; }
      return undefined;
    })();
    assert.ok(err instanceof DatabaseError, String(err));
    assert.match(err.message, /could not lock table public\.big: another session holds or is waiting for an ACCESS EXCLUSIVE lock/);
  } finally {
    await pending.catch(() => undefined);
    await waiter.end();
  }
});

test('unreachable server and missing database are DatabaseErrors before any part', async () => {
  await assert.rejects(dumpDatabase({ host: '127.0.0.1', port: 1, database: 'e', user: 'postgres' }, { schemaReader: handPlanner() }).next(),
    /cannot connect to PostgreSQL at 127\.0\.0\.1:1: connection refused/);
  await assert.rejects(dumpDatabase(conn('nope'), { schemaReader: handPlanner() }).next(),
    new RegExp(`database "nope" does not exist on 127\\.0\\.0\\.1:${c.port}`));
});
