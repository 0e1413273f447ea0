import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import {
  CHUNK_ID_SCHEMES, chunkNamer, fasterChunkIdScheme, isChunkIdScheme, measureScheme, type ChunkIdScheme,
} from '../../src/crypto/chunk-id.js';
import { sodium } from '../../src/crypto/sodium.js';

/** HMAC-SHA-256 built by hand from RFC 2104 over plain SHA-256: an independent reference for the OpenSSL HMAC. */
function rfc2104(key: Uint8Array, message: Uint8Array): string {
  const block = Buffer.alloc(64);
  Buffer.from(key).copy(block); // keys of 32 bytes are shorter than the block: zero-padded, not hashed
  const ipad = Buffer.from(block.map((b) => b ^ 0x36));
  const opad = Buffer.from(block.map((b) => b ^ 0x5c));
  const inner = createHash('sha256').update(ipad).update(message).digest();
  return createHash('sha256').update(opad).update(inner).digest('hex');
}

test('hmac-sha256 names chunks with RFC 2104 HMAC-SHA-256 under the chunk-ID key; blake2b-256-keyed with libsodium\'s keyed BLAKE2b-256', () => {
  for (let i = 0; i < 200; i++) {
    const key = randomBytes(32);
    const hmac = chunkNamer('hmac-sha256', key);
    const blake = chunkNamer('blake2b-256-keyed', key);
    for (const n of [0, 1, 63, 64, 65, 1000 + i * 131, i === 199 ? 3_000_000 : 7]) {
      const plain = randomBytes(n);
      const h = hmac(plain);
      assert.match(h, /^[0-9a-f]{64}$/);
      assert.equal(h, rfc2104(key, plain), `hmac, input ${n}`);
      assert.equal(blake(plain), Buffer.from(sodium.crypto_generichash(32, plain, key)).toString('hex'), `blake2b, input ${n}`);
      assert.notEqual(h, blake(plain), 'the two schemes name the same bytes differently');
    }
  }
});

test('every scheme depends on the key: another key gives another name', () => {
  const plain = randomBytes(5000);
  for (const scheme of CHUNK_ID_SCHEMES) {
    const a = chunkNamer(scheme, randomBytes(32))(plain);
    const b = chunkNamer(scheme, randomBytes(32))(plain);
    assert.notEqual(a, b, scheme);
  }
});

test('unknown schemes and keys of the wrong size are refused', () => {
  assert.throws(() => chunkNamer('sha1' as ChunkIdScheme, randomBytes(32)), /unknown chunk-ID scheme "sha1"/);
  assert.throws(() => chunkNamer('hmac-sha256', randomBytes(16)), RangeError);
  for (const s of ['hmac-sha256', 'blake2b-256-keyed']) assert.ok(isChunkIdScheme(s), s);
  for (const s of ['blake2b', 'HMAC-SHA256', '', undefined, 1, 'constructor']) assert.ok(!isChunkIdScheme(s), String(s));
});

test('the default scheme is HMAC-SHA-256 unless keyed BLAKE2b is clearly faster on this CPU', () => {
  const timer = (hmac: number, blake: number) => (s: ChunkIdScheme): number => (s === 'hmac-sha256' ? hmac : blake);
  assert.equal(fasterChunkIdScheme(timer(0.0026, 0.0045)), 'hmac-sha256', 'SHA-256 instructions (this machine: 0.64 vs 1.1 s per GB)');
  assert.equal(fasterChunkIdScheme(timer(0.0090, 0.0045)), 'blake2b-256-keyed', 'no SHA-256 instructions (~2 s per GB)');
  assert.equal(fasterChunkIdScheme(timer(0.0050, 0.0045)), 'hmac-sha256', 'a near tie stays with the native hash');
  assert.equal(fasterChunkIdScheme(timer(0.0057, 0.0045)), 'blake2b-256-keyed', 'BLAKE2b faster by more than a quarter');
  // The real measurement gives a positive CPU time for each and a valid choice.
  for (const s of CHUNK_ID_SCHEMES) assert.ok(measureScheme(s) > 0, s);
  assert.ok(isChunkIdScheme(fasterChunkIdScheme()));
});
