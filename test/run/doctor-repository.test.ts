/**
 * Issue 12, item 15: `doctor` on a missing repository blamed the password ("repository password: fail ... check
 * the password source"). A missing repository is now reported as such, with "init" as the fix; a wrong password
 * still points at the password. No PostgreSQL needed: the configuration lists no databases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runDoctor } from '../../src/run/doctor.js';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import type { PgvaultConfig } from '../../src/config/types.js';
import { tempDir, testRepo } from '../repo/helpers.js';

test('doctor: a missing repository is not blamed on the password; a wrong password is', async () => {
  const tmp = tempDir();
  const { dir, cacheDir, repo, cleanup } = await testRepo();
  await repo.close();
  try {
    const config: PgvaultConfig = { file: join(tmp.path, 'pgvault.jsonc'), tags: [], databases: [], lockWaitMs: 0 };
    const base = { config, env: {}, stateDir: join(tmp.path, 'state'), databases: false };
    const missing = await runDoctor({ ...base, openRepository: () => Repository.open(new FsStore(join(tmp.path, 'nothing-here')), 'correct horse', { cacheDir }) });
    const m = missing.find((c) => c.status === 'fail')!;
    assert.equal(m.check, 'repository');
    assert.match(m.fix ?? '', /init/);
    assert.doesNotMatch(`${m.check} ${m.fix ?? ''}`, /password/);

    const wrong = await runDoctor({ ...base, openRepository: () => Repository.open(new FsStore(dir), 'not the password', { cacheDir }) });
    const w = wrong.find((c) => c.status === 'fail')!;
    assert.equal(w.check, 'repository password');
    assert.match(w.fix ?? '', /password/);
  } finally {
    cleanup();
    tmp.cleanup();
  }
});
