/**
 * Cases where pg_dump 15 itself does not round-trip (pg_dump.md §8, plus two found by this suite).
 * For each: pg_dump's round trip fails exactly as documented (so the corpus really exercises the
 * case), and pgvault's native dumper round-trips the same database perfectly (unless the case is a
 * known pgvault failure, listed in docs/dump-testing.md and test/corpora/index.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { assertRoundTrip, pgDumpDumper, pgvaultDumper, roundTrip } from '../helpers/roundtrip.js';
import { hasKnownFailure, PGDUMP_BREAKERS } from '../corpora/index.js';

describe('pg_dump 15 limitations, reproduced, and pgvault on the same databases (PostgreSQL 15)', () => {
  let cluster: PgCluster;
  before(async () => { cluster = await startCluster({ major: 15 }); });
  after(async () => { await cluster?.stop(); });

  for (const b of PGDUMP_BREAKERS) {
    test(`pg_dump fails to round-trip: ${b.name} (${b.ref})`, async () => {
      const r = await roundTrip({ cluster, corpusFiles: b.files, dumper: pgDumpDumper, hostileDefaults: b.hostileDefaults });
      assert.equal(r.ok, false, 'pg_dump was expected to fail on this case; if it no longer does, the corpus no longer exercises it');
      const failedRestore = r.restores.find((x) => !x.ok);
      const firstDifference = r.comparisons.find((c) => !c.equal);
      assert.equal(failedRestore?.phase ?? firstDifference?.phase, b.failsAt, r.report);
      if ('restoreError' in b.expect) {
        assert.ok(failedRestore, r.report);
        assert.match(failedRestore.stderr, b.expect.restoreError);
        if (b.expect.scriptContext) assert.match(r.errorContext.join('\n'), b.expect.scriptContext);
      } else {
        assert.deepEqual(r.restores.map((x) => x.ok), [true, true], r.report);
        const differing = new Set(r.comparisons.filter((c) => !c.equal).map((c) => c.check));
        for (const check of b.expect.differingChecks) assert.ok(differing.has(check), `expected ${check} to differ:\n${r.report}`);
      }
    });

    if (!hasKnownFailure(b.files)) {
      test(`pgvault round-trips it: ${b.name}`, async () => {
        const r = await roundTrip({ cluster, corpusFiles: b.files, dumper: pgvaultDumper(), hostileDefaults: b.hostileDefaults });
        assertRoundTrip(r);
        assert.deepEqual(r.restores.map((x) => x.ok), [true, true]);
      });
    }
  }
});
