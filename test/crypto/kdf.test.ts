/**
 * Every Argon2id implementation pgvault may use (src/crypto/kdf.ts: Node.js ≥ 24.7's native crypto.argon2,
 * libsodium on this thread, libsodium in a worker) gives libsodium's crypto_pwhash(ARGON2ID13) byte for
 * byte: on fixed vectors (computed with libsodium.js and checked against Node.js 24.21's OpenSSL) and on
 * random inputs. .ci/run runs this file on Node.js 24 too, where `native` is among the implementations.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
import { argon2id, argon2Implementations, defaultArgon2Implementation, WASM_THREAD_MEMLIMIT } from '../../src/crypto/kdf.js';
import { sodium } from '../../src/crypto/sodium.js';

const VECTORS: { password: string; salt: string; opslimit: number; memlimit: number; bytes: number; key: string }[] = [
  { password: 'correct horse battery staple', salt: '00'.repeat(16), opslimit: 3, memlimit: 19 * 1024 * 1024, bytes: 32,
    key: 'b07a486e75f0a334ad2f71dbd943f5a30be5212164bc0fe889daadc526b63a90' },
  { password: 'pässwörd ✓ 🔑', salt: '0123456789abcdeffedcba9876543210', opslimit: 1, memlimit: 8192, bytes: 16,
    key: '53fb94f7000ced2378fb192045597e03' },
  { password: 'x', salt: 'ff'.repeat(16), opslimit: 2, memlimit: 1_000_000, bytes: 64,
    key: '2b8f6a5119e6f6e0a77a051cdde6109b9ba5d36848c17770cad6ae91d6a397e0' +
      '2475ff0dad3137ea07a0450e86030ba2ce7a80c08c59e92a3f61521a098047cd' },
];

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const hasNative = typeof (crypto as unknown as { argon2?: unknown }).argon2 === 'function';

test('the implementations on offer: native exactly when crypto.argon2 exists; libsodium always', () => {
  assert.deepEqual(argon2Implementations(), hasNative ? ['native', 'wasm', 'worker'] : ['wasm', 'worker']);
  if (hasNative) {
    assert.equal(defaultArgon2Implementation(64 * 1024 * 1024), 'native');
  } else {
    assert.equal(defaultArgon2Implementation(WASM_THREAD_MEMLIMIT), 'wasm');
    assert.equal(defaultArgon2Implementation(WASM_THREAD_MEMLIMIT + 1024), 'worker');
  }
  // Long commands (backup, restore, check, prune, run) ask for the key derivation's memory not to stay.
  assert.equal(defaultArgon2Implementation(8192, { offThread: true }), hasNative ? 'native' : 'worker');
});

test('every implementation gives the fixed vectors', async () => {
  for (const impl of argon2Implementations()) {
    for (const v of VECTORS) {
      const key = await argon2id(v.bytes, v.password, Buffer.from(v.salt, 'hex'), v.opslimit, v.memlimit, impl);
      assert.equal(hex(key), v.key, `${impl}: ${JSON.stringify({ ...v, key: undefined })}`);
    }
  }
});

test('every implementation equals libsodium on this thread on random passwords, salts and parameters', async () => {
  const alphabet = ['a', 'Z', '0', ' ', 'é', 'ß', '✓', '🔑', '\u0000', '"'];
  for (let i = 0; i < 12; i++) {
    const password = Array.from({ length: crypto.randomInt(1, 40) }, () => alphabet[crypto.randomInt(alphabet.length)]!).join('');
    const salt = crypto.randomBytes(16);
    const opslimit = crypto.randomInt(1, 4);
    const memlimit = crypto.randomInt(8192, 2 * 1024 * 1024);
    const bytes = [16, 32, 48, 64][crypto.randomInt(4)]!;
    const expected = hex(sodium.crypto_pwhash(bytes, password, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13));
    // The worker costs a thread and a second libsodium each time: every third case.
    for (const impl of argon2Implementations().filter((x) => x !== 'worker' || i % 3 === 0)) {
      const got = hex(await argon2id(bytes, password, salt, opslimit, memlimit, impl));
      assert.equal(got, expected, `${impl}: ${JSON.stringify({ password, salt: salt.toString('hex'), opslimit, memlimit, bytes })}`);
    }
  }
});

test('every implementation refuses what libsodium refuses, with the same message', async () => {
  for (const impl of argon2Implementations()) {
    await assert.rejects(argon2id(32, 'x', new Uint8Array(3), 2, 16 * 1024 * 1024, impl), /key derivation failed: invalid Argon2id input \(salt 3 bytes, expected 16/);
    await assert.rejects(argon2id(32, 'x', new Uint8Array(16), 0, 16 * 1024 * 1024, impl), /key derivation failed/);
    await assert.rejects(argon2id(32, 'x', new Uint8Array(16), 1, 4096, impl), /key derivation failed/);
    await assert.rejects(argon2id(8, 'x', new Uint8Array(16), 1, 8192, impl), /key derivation failed/);
  }
});
