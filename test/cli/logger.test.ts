/**
 * The CLI logger (issue 12, item 11): `log.level` applies to the log file too (DEBUG lines used to land in the
 * file at level info); -q quiets stderr only; -v means debug everywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliLogLevels, createCliLogger } from '../../src/cli/logger.js';
import { tempDir } from '../repo/helpers.js';

test('the log file gets the configured level, not every line', () => {
  const tmp = tempDir();
  try {
    const logFile = join(tmp.path, 'pgvault.log');
    const stderr: string[] = [];
    const logger = createCliLogger({ ...cliLogLevels({}, 'info'), logFile, write: (l) => { stderr.push(l); } });
    logger.debug('per-table detail');
    logger.info('snapshot written');
    logger.warn('slow upload');
    const file = readFileSync(logFile, 'utf8');
    assert.doesNotMatch(file, /DEBUG/);
    assert.match(file, /INFO  snapshot written/);
    assert.match(file, /WARN  slow upload/);
    assert.equal(stderr.length, 2);
    assert.equal(logger.lines.length, 3, 'the failure ping still gets every line');
  } finally {
    tmp.cleanup();
  }
});

test('cliLogLevels: -q quiets stderr only, -v is debug everywhere, log.level applies to both', () => {
  assert.deepEqual(cliLogLevels({}, undefined), { level: 'info', fileLevel: 'info' });
  assert.deepEqual(cliLogLevels({}, 'warn'), { level: 'warn', fileLevel: 'warn' });
  assert.deepEqual(cliLogLevels({ quiet: true }, 'info'), { level: 'warn', fileLevel: 'info' });
  assert.deepEqual(cliLogLevels({ quiet: true }, 'debug'), { level: 'warn', fileLevel: 'debug' });
  assert.deepEqual(cliLogLevels({ verbose: true }, 'error'), { level: 'debug', fileLevel: 'debug' });
});
