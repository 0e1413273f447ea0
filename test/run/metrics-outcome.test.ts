/**
 * Issue 12, item 1: the metrics textfile carries the run's final outcome. `pgvault_run_success` was 0 after a
 * successful run (the metrics were rendered before the outcome was set). A run with nothing to back up needs no
 * PostgreSQL: it opens the repository, takes the lock, and succeeds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAll } from '../../src/run/run.js';
import { RunState } from '../../src/run/state.js';
import { silentLogger } from '../../src/log.js';
import type { PgvaultConfig } from '../../src/config/types.js';
import { testRepo } from '../repo/helpers.js';

test('a successful run writes pgvault_run_success 1 and exit code 0 to the metrics', async () => {
  const { repo, dir, cleanup } = await testRepo();
  try {
    const metricsFile = join(dir, 'pgvault.prom');
    const config: PgvaultConfig = { file: join(dir, 'pgvault.jsonc'), tags: [], databases: [], lockWaitMs: 0, metricsFile };
    const report = await runAll({ config, logger: silentLogger, state: new RunState(join(dir, 'state')), openRepository: async () => repo, prune: 'skip' });
    assert.equal(report.ok, true, JSON.stringify(report));
    const prom = readFileSync(metricsFile, 'utf8');
    assert.match(prom, /^pgvault_run_exit_code 0$/m);
    assert.match(prom, /^pgvault_run_success 1$/m);
  } finally {
    cleanup();
  }
});
