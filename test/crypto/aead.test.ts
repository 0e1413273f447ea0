import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { IntegrityError } from '../../src/errors.js';
import { open, seal, SEAL_OVERHEAD } from '../../src/crypto/aead.js';
import { chunkId, generateMasterKey, isChunkId } from '../../src/crypto/keys.js';
import { sodium } from '../../src/crypto/sodium.js';

const key = generateMasterKey().encryption;

function assertIntegrity(fn: () => unknown, label: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IntegrityError, `expected IntegrityError, got ${String(e)}`);
    assert.equal(e.object, label);
    assert.ok(e.message.includes(label), `message names the object: ${e.message}`);
    return true;
  });
}

test('seal/open round trip, layout and fresh nonces', () => {
  for (const n of [0, 1, 1000, 1 << 20]) {
    const plain = new Uint8Array(randomBytes(n));
    const sealed = seal(key, plain, 'data/abc');
    assert.equal(sealed.length, n + SEAL_OVERHEAD);
    assert.equal(sealed[0], 0x01);
    assert.deepEqual(open(key, sealed, 'data/abc', 'data/abc'), plain);
  }
  const a = seal(key, new Uint8Array(8), 'x');
  const b = seal(key, new Uint8Array(8), 'x');
  assert.notDeepEqual(a.subarray(1, 25), b.subarray(1, 25), 'nonce is random per seal');
});

test('open rejects tampering, truncation, unknown format, wrong ad and wrong key', () => {
  const plain = new Uint8Array(randomBytes(4096));
  const sealed = seal(key, plain, 'snapshots/s1');
  // every single byte flipped (sampled across header, nonce, ciphertext and tag) fails
  for (const i of [0, 1, 12, 24, 25, 100, 2000, sealed.length - 17, sealed.length - 1]) {
    const t = sealed.slice();
    t[i]! ^= 0x40;
    assertIntegrity(() => open(key, t, 'snapshots/s1', 'snapshots/s1'), 'snapshots/s1');
  }
  for (const len of [0, 1, 24, SEAL_OVERHEAD - 1, SEAL_OVERHEAD, sealed.length - 1]) {
    assertIntegrity(() => open(key, sealed.subarray(0, len), 'snapshots/s1', 'snapshots/s1'), 'snapshots/s1');
  }
  const f = sealed.slice();
  f[0] = 0x02;
  assert.throws(() => open(key, f, 'snapshots/s1', 'snapshots/s1'), /unknown encryption format byte 0x02/);
  // renamed / swapped kind
  assertIntegrity(() => open(key, sealed, 'snapshots/s2', 'snapshots/s2'), 'snapshots/s2');
  assertIntegrity(() => open(key, sealed, 'index/s1', 'index/s1'), 'index/s1');
  // another repository's key
  assertIntegrity(() => open(generateMasterKey().encryption, sealed, 'snapshots/s1', 'snapshots/s1'), 'snapshots/s1');
  // an extra byte appended
  const longer = new Uint8Array(sealed.length + 1);
  longer.set(sealed);
  assertIntegrity(() => open(key, longer, 'snapshots/s1', 'snapshots/s1'), 'snapshots/s1');
});

test('keys have the documented sizes and reject wrong sizes', () => {
  const k = generateMasterKey();
  assert.equal(k.encryption.length, 32);
  assert.equal(k.chunkId.length, 32);
  assert.notDeepEqual(k.encryption, k.chunkId);
  assert.throws(() => seal(new Uint8Array(16), new Uint8Array(1), 'x'), RangeError);
  assert.throws(() => chunkId(new Uint8Array(31), new Uint8Array(1)), RangeError);
});

test('chunkId is keyed BLAKE2b-256 in lowercase hex', () => {
  const k1 = generateMasterKey().chunkId;
  const k2 = generateMasterKey().chunkId;
  const data = new TextEncoder().encode('COPY public.t (a) FROM stdin;\n1\n\\.\n');
  const id = chunkId(k1, data);
  assert.ok(isChunkId(id), id);
  assert.equal(chunkId(k1, data), id, 'deterministic');
  assert.notEqual(chunkId(k2, data), id, 'depends on the key');
  assert.notEqual(chunkId(k1, data.subarray(1)), id, 'depends on the content');
  // The spec a second reader implements: BLAKE2b, 32-byte output, keyed with the chunk-ID key.
  assert.equal(id, Buffer.from(sodium.crypto_generichash(32, data, k1)).toString('hex'));
});

test('libsodium generichash is BLAKE2b (official keyed known-answer vector)', () => {
  // blake2b-kat.txt, first keyed vector: in = empty, key = 00 01 .. 3f, 64-byte output.
  const key64 = Uint8Array.from({ length: 64 }, (_, i) => i);
  assert.equal(Buffer.from(sodium.crypto_generichash(64, new Uint8Array(0), key64)).toString('hex'),
    '10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786' +
    'b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568');
});
