/**
 * A table's rows go to the server through COPY FROM STDIN from buffers the restore owns (decoded chunks): each buffer
 * is freed as soon as the socket has taken its last byte (src/restore/copy-in.ts, cursor.ts `lend`), and the rows
 * that arrive are exactly the rows sent. Real PostgreSQL 15, real socket.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { ByteCursor } from '../../src/restore/cursor.js';
import { runTableData } from '../../src/restore/into-db.js';
import { copyInSink } from '../../src/restore/copy-in.js';
import type { PartRecord } from '../../src/snapshot/manifest.js';
import { FREE_NOW_MIN_BYTES } from '../../src/memory/free-now.js';
import { ownedBuffers, yieldEach } from '../helpers/owned-buffers.js';

let cluster: PgCluster;
before(async () => {
  cluster = await startCluster({ major: 15 });
  await cluster.createDatabase('copyin');
  await cluster.query('copyin', 'CREATE TABLE public.t (id int PRIMARY KEY, s text)');
});
after(async () => { await cluster?.stop(); });

/** The sizes of `total` bytes cut into pieces of at least FREE_NOW_MIN_BYTES each, of varying sizes. */
function sizesOf(total: number): number[] {
  const sizes: number[] = [];
  for (let at = 0, i = 0; at < total; i++) {
    let n = Math.min(total - at, FREE_NOW_MIN_BYTES + ((i * 48_271) % 150_000));
    if (total - at - n < FREE_NOW_MIN_BYTES) n = total - at; // no small last buffer
    sizes.push(n);
    at += n;
  }
  return sizes;
}

test('COPY from owned buffers: every buffer is freed once sent, and the table holds exactly the rows sent', async () => {
  const rows = 40_000;
  const data = Buffer.from(Array.from({ length: rows }, (_, i) => `${i}\t${'row\\t'.repeat(i % 9)}${createHash('md5').update(String(i)).digest('hex')}\n`).join(''));
  const header = Buffer.from('COPY public.t (id, s) FROM stdin;\n');
  const script = Buffer.concat([header, data, Buffer.from('\\.\n\n')]);
  const buffers = ownedBuffers(script, sizesOf(script.length));
  assert.ok(buffers.length >= 8, `${buffers.length} buffers`);
  const part: PartRecord = {
    kind: 'table-data', name: 'TABLE DATA public.t', offset: 0, length: script.length,
    table: {
      schema: 'public', name: 't', qualified: 'public.t', rows, bytes: data.length, sha256: createHash('sha256').update(data).digest('hex'),
      order: 'heap', columns: ['id', 's'], dataOffset: header.length, dataLength: data.length,
    },
  };
  const client = new pg.Client(cluster.config('copyin'));
  await client.connect();
  try {
    const cursor = new ByteCursor(yieldEach(buffers), 'test script', { owned: true });
    await runTableData(client, cursor, part);
    assert.equal(cursor.position, script.length);
    assert.equal(cursor.freed, buffers.length, 'every buffer was freed once the socket had taken it');
    assert.ok(buffers.every((b) => b.length === 0));
    // The rows as the server has them, in COPY's text form, against the bytes sent.
    const back = await client.query<{ n: string; h: string }>(
      "SELECT count(*)::text AS n, md5(string_agg(id::text || E'\\t' || replace(s, E'\\t', E'\\\\t'), E'\\n' ORDER BY id) || E'\\n') AS h FROM public.t");
    assert.equal(back.rows[0]!.n, String(rows));
    assert.equal(back.rows[0]!.h, createHash('md5').update(data).digest('hex'));
  } finally {
    await client.end();
  }
});

test('a piece reported written can be overwritten at once: the socket no longer needs it, even when the server stalls', async () => {
  // The server stalls at the first row (a trigger waits for an advisory lock held by `holder`), so the socket fills
  // and writes complete later, asynchronously: a piece reported before the kernel took it would arrive overwritten.
  await cluster.query('copyin', `CREATE TABLE public.w (s text);
    CREATE FUNCTION public.wait_for_holder() RETURNS trigger LANGUAGE plpgsql AS
      $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NEW; END $$;
    CREATE TRIGGER w_wait BEFORE INSERT ON public.w FOR EACH ROW EXECUTE FUNCTION public.wait_for_holder();`);
  const holder = new pg.Client(cluster.config('copyin'));
  const client = new pg.Client(cluster.config('copyin'));
  await Promise.all([holder.connect(), client.connect()]);
  try {
    await holder.query('SELECT pg_advisory_lock(4242)');
    const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const pieces = Array.from({ length: 160 }, (_, i) => Buffer.from(`${'x'.repeat(100_000)}${i}\n`));
    let reported = 0;
    const sink = client.query(copyInSink('COPY public.w (s) FROM STDIN', (p) => {
      reported++;
      p.fill(0x5a); // what reusing or freeing the memory would do to it
    }));
    const sent = (async () => {
      for (const p of pieces) {
        if (!sink.write(p)) await new Promise((r) => sink.once('drain', r));
      }
      await new Promise<void>((resolve, reject) => { sink.once('finish', resolve); sink.once('error', reject); sink.end(); });
    })();
    sent.catch(() => { /* awaited below */ });
    // Wait (on the server's own report) until the COPY waits for the lock and the socket holds unsent bytes.
    const socket = (client as unknown as { connection: { stream: { writableLength: number } } }).connection.stream;
    for (;;) {
      const w = await holder.query<{ t: string | null }>('SELECT wait_event_type AS t FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (w.rows[0]?.t === 'Lock' && socket.writableLength > 0) break;
      await new Promise((r) => setImmediate(r));
    }
    assert.ok(reported < pieces.length, `${reported} of ${pieces.length} pieces reported while the server stalls`);
    await holder.query('SELECT pg_advisory_unlock(4242)');
    await sent;
    assert.equal(reported, pieces.length, 'every piece reported once');
    const got = await client.query<{ n: string; intact: string; ids: string }>(`SELECT count(*)::text AS n,
        count(*) FILTER (WHERE left(s, 100000) = repeat('x', 100000) AND substr(s, 100001) ~ '^[0-9]+$')::text AS intact,
        count(DISTINCT substr(s, 100001))::text AS ids FROM public.w`);
    assert.deepEqual(got.rows[0], { n: '160', intact: '160', ids: '160' }, 'every row arrived as sent');
  } finally {
    await Promise.all([holder.end(), client.end()]);
  }
});
