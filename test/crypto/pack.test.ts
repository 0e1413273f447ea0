import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { IntegrityError } from '../../src/errors.js';
import { seal, SEAL_OVERHEAD } from '../../src/crypto/aead.js';
import { compressChunk } from '../../src/crypto/compress.js';
import { chunkId, generateMasterKey } from '../../src/crypto/keys.js';
import { openObject, packAndSeal, packChunk, sealObject, unpackChunk, unpackChunkWithMember } from '../../src/crypto/pack.js';

const keys = generateMasterKey();
const plain = new TextEncoder().encode('1\tfoo\t{"k": [1,2,3]}\n'.repeat(3000));

const isIntegrity = (label: string) => (e: unknown): boolean => {
  assert.ok(e instanceof IntegrityError, `expected IntegrityError, got ${String(e)}`);
  assert.equal(e.object, label);
  assert.ok(e.message.includes(label));
  return true;
};

test('packChunk → unpackChunk round trip; id is the keyed hash of the plaintext', async () => {
  const p = await packChunk(keys, plain);
  assert.equal(p.id, chunkId(keys.chunkId, plain));
  assert.equal(p.storedBytes, p.body.length);
  assert.ok(p.storedBytes < plain.length / 3);
  assert.deepEqual(await unpackChunk(keys, p.id, p.body), plain);
  const w = await unpackChunkWithMember(keys, p.id, p.body);
  assert.ok(w.gzipMember);
  assert.deepEqual(new Uint8Array(gunzipSync(w.gzipMember)), plain);
  const r = await packChunk(keys, new Uint8Array(randomBytes(2000)));
  assert.equal((await unpackChunkWithMember(keys, r.id, r.body)).gzipMember, null);
});

test('a chunk stored under another id, tampered, truncated, or opened with another key fails', async () => {
  const p = await packChunk(keys, plain);
  const q = await packChunk(keys, plain.subarray(1));
  const label = `data/${p.id}`;
  await assert.rejects(unpackChunk(keys, p.id, q.body), isIntegrity(label));       // swapped objects
  const t = p.body.slice(); t[40]! ^= 1;
  await assert.rejects(unpackChunk(keys, p.id, t), isIntegrity(label));
  await assert.rejects(unpackChunk(keys, p.id, p.body.subarray(0, 30)), isIntegrity(label));
  await assert.rejects(unpackChunk(generateMasterKey(), p.id, p.body), isIntegrity(label));
  await assert.rejects(unpackChunk(keys, 'not-an-id', p.body), isIntegrity('data/not-an-id'));
});

test('id mismatch is detected after a successful decryption', async () => {
  // A faulty writer sealed the right bytes under a wrong id: authentication passes (same key, same ad),
  // the recomputed id does not match.
  const wrongId = chunkId(keys.chunkId, new TextEncoder().encode('something else'));
  const body = seal(keys.encryption, await compressChunk(plain), `data/${wrongId}`);
  await assert.rejects(unpackChunk(keys, wrongId, body), (e: unknown) =>
    isIntegrity(`data/${wrongId}`)(e) && /hashes to/.test((e as Error).message));
});

test('sealObject/openObject bind kind and name', async () => {
  const manifest = new TextEncoder().encode(JSON.stringify({ snapshot: 1, chunks: ['a', 'b'] }));
  const body = await sealObject(keys, 'snapshots', 's1', manifest);
  assert.deepEqual(await openObject(keys, 'snapshots', 's1', body), manifest);
  await assert.rejects(openObject(keys, 'snapshots', 's2', body), isIntegrity('snapshots/s2'));
  await assert.rejects(openObject(keys, 'index', 's1', body), isIntegrity('index/s1'));
  const big = new Uint8Array(randomBytes(70000));
  assert.deepEqual(await openObject(keys, 'index', 'i1', await sealObject(keys, 'index', 'i1', big)), big);
});

test('packAndSeal: compressed or, with compress false, raw; either opens with openObject and unpackChunk', async () => {
  const gz = await packAndSeal(keys.encryption, plain, 'index/a');
  assert.ok(gz.length < plain.length / 3);
  assert.deepEqual(await openObject(keys, 'index', 'a', gz), plain);
  const raw = await packAndSeal(keys.encryption, plain, 'index/a', 'gzip', false);
  assert.equal(raw.length, plain.length + 5 + SEAL_OVERHEAD);
  assert.deepEqual(await openObject(keys, 'index', 'a', raw), plain);
  const id = chunkId(keys.chunkId, plain);
  const chunk = await packAndSeal(keys.encryption, plain, `data/${id}`, 'gzip', false);
  const opened = await unpackChunkWithMember(keys, id, chunk);
  assert.deepEqual(opened.plain, plain);
  assert.equal(opened.gzipMember, null);
});
