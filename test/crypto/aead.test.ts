import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { IntegrityError } from '../../src/errors.js';
import { open, seal, SEAL_OVERHEAD, SEAL_STEP_BYTES, xchachaDecrypt, xchachaEncryptInto } from '../../src/crypto/aead.js';
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

/** xorshift32: reproducible "random" draws for the property test (the seed is in the failure message). */
function prng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

function bytes(next: (n: number) => number, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => next(256));
}

test('native XChaCha20-Poly1305 (HChaCha20 subkey + OpenSSL chacha20-poly1305) is byte-identical to libsodium', () => {
  const seed = 0x9e3779b9;
  const next = prng(seed);
  // Lengths around ChaCha20's 64-byte block and Poly1305's 16-byte block, plus random ones up to 70 000.
  const edges = [0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 4096];
  for (let i = 0; i < 300; i++) {
    const key = bytes(next, 32);
    const nonce = bytes(next, 24);
    const ad = bytes(next, i % 7 === 0 ? 0 : next(100));
    const plain = bytes(next, i < edges.length ? edges[i]! : next(i % 10 === 0 ? 70_000 : 2000));
    const what = `case ${i} (seed ${seed}, ${plain.length} bytes, ad ${ad.length})`;
    const ref = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, null, nonce, key);
    const mine = new Uint8Array(plain.length + 16);
    xchachaEncryptInto(mine, 0, key, nonce, ad, plain);
    assert.deepEqual(mine, ref, `encrypt ${what}`);
    assert.deepEqual(xchachaDecrypt(key, nonce, ad, ref), plain, `decrypt ${what}`);
    assert.deepEqual(sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, mine, ad, nonce, key), plain, `libsodium opens ${what}`);
    // A flipped bit anywhere (ciphertext, tag, ad, nonce) fails in both.
    const t = ref.slice();
    t[next(t.length)]! ^= 1 << next(8);
    assert.throws(() => xchachaDecrypt(key, nonce, ad, t), `tampered ${what}`);
    const n2 = nonce.slice();
    n2[next(24)]! ^= 1 << next(8);
    assert.throws(() => xchachaDecrypt(key, n2, ad, ref), `other nonce ${what}`);
    if (ad.length > 0) {
      const a2 = ad.slice();
      a2[next(ad.length)]! ^= 1 << next(8);
      assert.throws(() => xchachaDecrypt(key, nonce, a2, ref), `other ad ${what}`);
    }
  }
});

test('sealing parts is byte for byte sealing their concatenation: libsodium agrees, across the cipher steps', () => {
  const seed = 0x5eed5;
  const next = prng(seed);
  // Totals around the cipher's step (SEAL_STEP_BYTES), parts of every size including empty ones and ones that
  // cross a step boundary.
  const totals = [0, 1, SEAL_STEP_BYTES - 1, SEAL_STEP_BYTES, SEAL_STEP_BYTES + 1, 2 * SEAL_STEP_BYTES + 5, 600_000];
  for (let i = 0; i < 40; i++) {
    const key = bytes(next, 32);
    const nonce = bytes(next, 24);
    const ad = bytes(next, next(40));
    const total = i < totals.length ? totals[i]! : next(i % 4 === 0 ? 700_000 : 5000);
    const whole = new Uint8Array(randomBytes(total));
    const parts: Uint8Array[] = [];
    for (let at = 0; at < total || parts.length === 0;) {
      const n = Math.min(total - at, next(4) === 0 ? 0 : next(i % 2 ? 5 : SEAL_STEP_BYTES + 3000));
      parts.push(whole.subarray(at, at + n));
      at += n;
      if (total === 0) break;
    }
    const what = `case ${i} (seed ${seed}, ${total} bytes in ${parts.length} parts)`;
    const ref = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(whole, ad, null, nonce, key);
    const mine = new Uint8Array(total + 16 + 3).fill(0xee);
    xchachaEncryptInto(mine, 3, key, nonce, ad, parts);
    assert.deepEqual(mine.subarray(3), ref, `parts ${what}`);
    assert.deepEqual(mine.subarray(0, 3), new Uint8Array([0xee, 0xee, 0xee]), `bytes before ${what}`);
    // The parts are read, not consumed: the same call on the whole gives the same bytes.
    const single = new Uint8Array(total + 16);
    xchachaEncryptInto(single, 0, key, nonce, ad, whole);
    assert.deepEqual(single, ref, `whole ${what}`);
  }
  const sealed = seal(key, [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])], 'index/x');
  assert.equal(sealed.length, 3 + SEAL_OVERHEAD);
  assert.deepEqual(open(key, sealed, 'index/x', 'index/x'), new Uint8Array([1, 2, 3]));
});

test('seal output opens with libsodium, and libsodium output opens with open (same object layout)', () => {
  for (const n of [0, 1, 333, 1 << 16]) {
    const plain = new Uint8Array(randomBytes(n));
    const ad = new Uint8Array([0x01, ...new TextEncoder().encode('data/xyz')]);
    const sealed = seal(key, plain, 'data/xyz');
    assert.deepEqual(
      sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, sealed.subarray(25), ad, sealed.subarray(1, 25), key), plain);
    const nonce = sodium.randombytes_buf(24);
    const legacy = new Uint8Array([0x01, ...nonce, ...sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plain, ad, null, nonce, key)]);
    assert.deepEqual(open(key, legacy, 'data/xyz', 'data/xyz'), plain);
  }
});
