/**
 * pgvault's round-trip fidelity suite (test/dump/fidelity-majors.ts) on PostgreSQL 17, plus the CLI with
 * `--restrict-key`, a drifted copy, and pagila with parallel jobs.
 * Known failures are left out here and documented in docs/dump-testing.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fidelitySuite } from './fidelity-majors.js';
import { assertRoundTrip, cliDumper, pgvaultDumper, roundTrip } from '../helpers/roundtrip.js';
import { CORPORA, DRIFT_SQL, pgvaultCorpusFiles } from '../corpora/index.js';

fidelitySuite(17, (getCluster) => {
  test('`pgvault dump --restrict-key …` (the CLI, plain output) round-trips objects-code + identifiers under hostile defaults', async () => {
    const cluster = getCluster();
    const files = [...pgvaultCorpusFiles(CORPORA.find((c) => c.name === 'objects-code')!, 17), ...pgvaultCorpusFiles(CORPORA.find((c) => c.name === 'identifiers')!, 17)];
    const r = await roundTrip({ cluster, corpusFiles: files, dumper: cliDumper(['--restrict-key', 'fidelityKey123'], false), hostileDefaults: true });
    assertRoundTrip(r);
  });

  test('a clean restore over a copy that drifted (rows, sequence, grants, trigger state, index, column, comment, large object, matview state) brings it back', async () => {
    const cluster = getCluster();
    const code = CORPORA.find((c) => c.name === 'objects-code')!;
    const r = await roundTrip({ cluster, corpusFiles: pgvaultCorpusFiles(code, 17), dumper: pgvaultDumper(), driftSql: DRIFT_SQL });
    assertRoundTrip(r);
    assert.deepEqual(r.restores.map((x) => x.ok), [true, true]);
  });

  test('pgvault round-trips pagila with 2 jobs and stable row order', async () => {
    const cluster = getCluster();
    const pagila = CORPORA.find((c) => c.name === 'pagila')!;
    const r = await roundTrip({ cluster, corpusFiles: pgvaultCorpusFiles(pagila, 17), dumper: pgvaultDumper({ jobs: 2, stableOrder: true }) });
    assertRoundTrip(r);
  });
});
