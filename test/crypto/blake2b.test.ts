import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { KeyedBlake2b } from '../../src/crypto/blake2b.js';
import { sodium } from '../../src/crypto/sodium.js';
import { chunkId } from '../../src/crypto/keys.js';

test('KeyedBlake2b gives libsodium crypto_generichash\'s bytes for random keys, lengths and inputs', () => {
  for (let i = 0; i < 300; i++) {
    const key = randomBytes(16 + (i % 49));
    const outLength = 16 + ((i * 7) % 49);
    const h = new KeyedBlake2b(key, outLength);
    // Sizes around BLAKE2b's 128-byte block, empty input, and growth of the reused input region.
    for (const n of [0, 1, 127, 128, 129, 255, 256, 1000 + i * 37, i === 299 ? 5_000_000 : 3]) {
      const input = randomBytes(n);
      const want = Buffer.from(sodium.crypto_generichash(outLength, input, key));
      assert.deepEqual(Buffer.from(h.digest(input)), want, `key ${key.length}, out ${outLength}, input ${n}`);
      assert.equal(h.hex(input), want.toString('hex'));
      assert.equal(h.latin1(input, 12), want.subarray(0, 12).toString('latin1'));
    }
  }
});

test('KeyedBlake2b refuses keys and output lengths libsodium does not allow', () => {
  assert.throws(() => new KeyedBlake2b(new Uint8Array(15), 32), RangeError);
  assert.throws(() => new KeyedBlake2b(new Uint8Array(65), 32), RangeError);
  assert.throws(() => new KeyedBlake2b(new Uint8Array(32), 15), RangeError);
  assert.throws(() => new KeyedBlake2b(new Uint8Array(32), 65), RangeError);
});

test('chunkId follows the key bytes, also when the same array is reused with other bytes', () => {
  const key = new Uint8Array(randomBytes(32));
  const plain = randomBytes(100_000);
  assert.equal(chunkId(key, plain), sodium.to_hex(sodium.crypto_generichash(32, plain, key)));
  key[0] = key[0]! ^ 1;
  assert.equal(chunkId(key, plain), sodium.to_hex(sodium.crypto_generichash(32, plain, key)));
});
