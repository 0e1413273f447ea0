import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type PgCluster, type PgMajor } from './pg.js';

for (const major of [15, 17] as PgMajor[]) {
  test(`test harness starts a PostgreSQL ${major} cluster`, async (t) => {
    const c: PgCluster = await startCluster({ major });
    t.after(() => c.stop());
    const rows = await c.query<{ server_version_num: string }>('postgres', 'SHOW server_version_num');
    assert.equal(Math.floor(Number(rows[0]!.server_version_num) / 10000), major);
    await c.createDatabase('x y');
    c.psql('x y', ['-c', 'CREATE TABLE t(a int); INSERT INTO t VALUES (1)']);
    assert.equal(c.psql('x y', ['-At', '-c', 'SELECT count(*) FROM t']).stdout.trim(), '1');
    // pg_dump 15 (the oracle) refuses newer servers; it is only used against the 15 cluster.
    if (major === 15) assert.match(c.pgDump('x y', ['--data-only']), /COPY public\.t \(a\) FROM stdin;\n1\n\\\.\n/);
  });
}
