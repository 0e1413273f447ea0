/**
 * Key files asking for a more expensive Argon2id than pgvault writes are not tried (issue 10 item 11):
 * anyone with write access to the bucket could add one (64 passes x 1 GiB made `pgvault snapshots`
 * take 3 minutes and 1.1 GB). They are skipped with a warning, unless maxKdf: null (--allow-expensive-kdf).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { IntegrityError, WrongPasswordError } from '../../src/errors.js';
import { DEFAULT_KDF_PARAMS, MAX_KDF_PARAMS } from '../../src/crypto/keyfile.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { testRepo } from './helpers.js';
import { openOptionsFor } from '../../src/cli/globals.js';

const PLANTED = '0'.repeat(32); // sorts first: tried before the real key

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (m: string) => { warnings.push(m); } };
}

describe('KDF cost cap on key files', () => {
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  let real: Uint8Array;
  before(async () => {
    let repo: Repository;
    ({ repo, dir, cacheDir, cleanup } = await testRepo());
    real = await repo.store.get('keys', repo.keyName);
  });
  after(() => cleanup());

  const plant = async (store: FsStore, opslimit: number, memlimit: number): Promise<void> => {
    const json = JSON.parse(new TextDecoder().decode(real)) as { kdf: { opslimit: number; memlimit: number } };
    json.kdf.opslimit = opslimit;
    json.kdf.memlimit = memlimit;
    await store.put('keys', PLANTED, new TextEncoder().encode(JSON.stringify(json)));
  };

  test('a planted key file above the cap is skipped with a warning; the real key opens', async () => {
    const store = new FsStore(dir, { fsync: false });
    await plant(store, MAX_KDF_PARAMS.opslimit + 1, MAX_KDF_PARAMS.memlimit);
    const logger = recordingLogger();
    const t0 = Date.now();
    const repo = await Repository.open(store, 'correct horse', { cacheDir, logger });
    assert.notEqual(repo.keyName, PLANTED);
    assert.equal(logger.warnings.length, 1, logger.warnings.join('\n'));
    assert.match(logger.warnings[0]!, new RegExp(`key file keys/${PLANTED} asks for Argon2id with 4 passes and 64 MiB, more than pgvault has ever written \\(3 passes, 64 MiB\\): skipped.*--allow-expensive-kdf`));
    assert.ok(Date.now() - t0 < 5000);
  });

  test('key files with the parameters of pgvault 0.1.0 (3 passes, 64 MiB, above today\'s default) are still tried, without a warning', async () => {
    assert.ok(MAX_KDF_PARAMS.memlimit > DEFAULT_KDF_PARAMS.memlimit, 'the cap stays above what init writes today');
    const store = new FsStore(dir, { fsync: false });
    await plant(store, MAX_KDF_PARAMS.opslimit, MAX_KDF_PARAMS.memlimit);
    const logger = recordingLogger();
    const repo = await Repository.open(store, 'correct horse', { cacheDir, logger });
    assert.notEqual(repo.keyName, PLANTED);
    assert.deepEqual(logger.warnings, [], 'tried (it does not open: it is an edited copy), not skipped');
  });

  test('with maxKdf: null (--allow-expensive-kdf) it is tried (and here fails: it is not ours)', async () => {
    const store = new FsStore(dir, { fsync: false });
    const logger = recordingLogger();
    const repo = await Repository.open(store, 'correct horse', { cacheDir, logger, maxKdf: null });
    assert.notEqual(repo.keyName, PLANTED);
    assert.deepEqual(logger.warnings.filter((w) => /asks for Argon2id/.test(w)), []);
  });

  test('when only over-cap key files are left, the error says so and names the option', async () => {
    const store = new FsStore(dir, { fsync: false });
    const scratch = await testRepo();
    try {
      const other = scratch.repo.store as FsStore;
      const json = JSON.parse(new TextDecoder().decode(await other.get('keys', scratch.repo.keyName))) as { kdf: { opslimit: number } };
      json.kdf.opslimit = 64;
      await other.delete('keys', scratch.repo.keyName);
      await other.put('keys', PLANTED, new TextEncoder().encode(JSON.stringify(json)));
      await assert.rejects(Repository.open(other, 'correct horse', { cacheDir: null }), (e: unknown) => {
        assert.ok(e instanceof IntegrityError, String(e));
        assert.match(e.message, /no key file .* could be tried: 1 ask for a more expensive Argon2id .*--allow-expensive-kdf/);
        return true;
      });
      await assert.rejects(Repository.open(store, 'wrong password', { cacheDir: null }), WrongPasswordError);
    } finally {
      scratch.cleanup();
    }
  });
  test('the CLI lifts the cap only with --allow-expensive-kdf or PGVAULT_ALLOW_EXPENSIVE_KDF=1', () => {
    assert.equal(openOptionsFor({}, silentLogger, {}).maxKdf, undefined);
    assert.equal(openOptionsFor({ allowExpensiveKdf: true }, silentLogger, {}).maxKdf, null);
    assert.equal(openOptionsFor({}, silentLogger, { PGVAULT_ALLOW_EXPENSIVE_KDF: '1' }).maxKdf, null);
    assert.equal(openOptionsFor({}, silentLogger, { PGVAULT_ALLOW_EXPENSIVE_KDF: '0' }).maxKdf, undefined);
  });
});
