import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PGVAULT_VERSION } from '../src/version.js';

test('the recorded pgvault version equals package.json\'s', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(PGVAULT_VERSION, pkg.version);
});
