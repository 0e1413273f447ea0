/** Committed bench results name paths relative to the repository, never this machine's folders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, shownPath } from '../../bench/suite/pgvault-cli.js';

test('paths inside the repository are relative, temporary folders are <tmp>/name, system paths stay', () => {
  assert.equal(shownPath(ROOT), '.');
  assert.equal(shownPath(join(ROOT, '.cache', 'restic', 'restic')), join('.cache', 'restic', 'restic'));
  assert.equal(shownPath(join(tmpdir(), 'ss', 'base2')), '<tmp>/base2');
  assert.equal(shownPath('/usr/bin/restic'), '/usr/bin/restic');
});
