import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argon2id } from '../../src/crypto/kdf.js';
import { sodium } from '../../src/crypto/sodium.js';

test('Argon2id in a worker equals libsodium on this thread', async () => {
  const salt = new Uint8Array(16).fill(7);
  const inWorker = await argon2id(32, 'correct horse', salt, 2, 16 * 1024 * 1024);
  const here = sodium.crypto_pwhash(32, 'correct horse', salt, 2, 16 * 1024 * 1024, sodium.crypto_pwhash_ALG_ARGON2ID13);
  assert.deepEqual(Buffer.from(inWorker), Buffer.from(here));
  await assert.rejects(argon2id(32, 'x', new Uint8Array(3), 2, 16 * 1024 * 1024), /key derivation failed/);
});
