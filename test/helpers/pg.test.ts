import { test } from 'node:test';
import assert from 'node:assert/strict';
import { oraclePgDumpBin, PG_MAJORS, startCluster, type PgCluster } from './pg.js';

for (const major of PG_MAJORS) {
  test(`test harness starts a PostgreSQL ${major} cluster`, async (t) => {
    const c: PgCluster = await startCluster({ major });
    t.after(() => c.stop());
    const rows = await c.query<{ server_version_num: string }>('postgres', 'SHOW server_version_num');
    assert.equal(Math.floor(Number(rows[0]!.server_version_num) / 10000), major);
    await c.createDatabase('x y');
    c.psql('x y', ['-c', 'CREATE TABLE t(a int); INSERT INTO t VALUES (1)']);
    assert.equal(c.psql('x y', ['-At', '-c', 'SELECT count(*) FROM t']).stdout.trim(), '1');
    // pg_dump reads its own and older majors: the oracle exists for 13–15 (Debian's 15), not for newer servers.
    if (oraclePgDumpBin(major) !== null) assert.match(c.pgDump('x y', ['--data-only']), /COPY public\.t \(a\) FROM stdin;\n1\n\\\.\n/);
    else assert.throws(() => c.pgDump('x y', ['--data-only']), /no pg_dump that reads PostgreSQL \d+ is installed/);
  });
}
