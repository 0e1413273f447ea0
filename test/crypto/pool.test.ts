import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PgvaultError } from '../../src/errors.js';
import { generateMasterKey } from '../../src/crypto/keys.js';
import { packChunk, unpackChunk } from '../../src/crypto/pack.js';
import { createPackPool } from '../../src/crypto/pool.js';

test('the worker pool packs chunks exactly like packChunk (under tsx), in any order', async () => {
  const keys = generateMasterKey();
  const pool = createPackPool(keys, 2);
  try {
    const chunks = Array.from({ length: 12 }, (_, i) => i % 3 === 0
      ? new Uint8Array(randomBytes(20000 + i))
      : new TextEncoder().encode(`${i}\trow\t{"x": ${i}}\n`.repeat(2000 + i)));
    const results = await Promise.all(chunks.map((c) => pool.pack(c)));
    for (let i = 0; i < chunks.length; i++) {
      const r = results[i]!;
      assert.equal(r.id, (await packChunk(keys, chunks[i]!)).id);
      assert.equal(r.storedBytes, r.body.length);
      assert.deepEqual(await unpackChunk(keys, r.id, r.body), chunks[i]);
      assert.ok(chunks[i]!.length > 0, 'the caller keeps its buffer (copied, not transferred)');
    }
  } finally {
    await pool.close();
  }
  await assert.rejects(pool.pack(new Uint8Array(1)), (e: unknown) => e instanceof PgvaultError && /after close/.test(e.message));
});

test('close() waits for jobs in flight', async () => {
  const keys = generateMasterKey();
  const pool = createPackPool(keys, 1);
  const job = pool.pack(new TextEncoder().encode('abc\n'.repeat(100000)));
  await pool.close();
  const r = await job;
  assert.equal((await unpackChunk(keys, r.id, r.body)).length, 400000);
});

test('pool size is validated', () => {
  assert.throws(() => createPackPool(generateMasterKey(), 0), RangeError);
});
