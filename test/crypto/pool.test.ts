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

test('a view into a larger buffer is packed from its own bytes only', async () => {
  const keys = generateMasterKey();
  const pool = createPackPool(keys, 1);
  try {
    const big = new TextEncoder().encode('0123456789abcdef'.repeat(4096));
    const view = big.subarray(1000, 3000);
    const r = await pool.pack(view);
    assert.deepEqual(await unpackChunk(keys, r.id, r.body), view);
    assert.equal(big.length, 65536, 'caller buffer intact');
  } finally {
    await pool.close();
  }
});

test('the pool works from compiled JavaScript (no tsx in the process)', async () => {
  const { mkdtemp, rm, symlink, writeFile } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const { execFileSync } = await import('node:child_process');
  const root = path.resolve(import.meta.dirname, '../..');
  const dir = await mkdtemp(path.join(tmpdir(), 'pgvault-pool-'));
  try {
    await symlink(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
    execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'),
      '--outDir', path.join(dir, 'out'), '--rootDir', root, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
      '--target', 'ES2022', '--strict', '--skipLibCheck', '--esModuleInterop',
      path.join(root, 'src/crypto/pool.ts'), path.join(root, 'src/crypto/pool-worker.ts'), path.join(root, 'src/crypto/pack.ts')],
    { stdio: 'pipe' });
    const script = `
      import { createPackPool } from './out/src/crypto/pool.js';
      import { generateMasterKey } from './out/src/crypto/keys.js';
      import { unpackChunk } from './out/src/crypto/pack.js';
      const keys = generateMasterKey();
      const pool = createPackPool(keys, 2);
      const plain = new TextEncoder().encode('compiled\\n'.repeat(5000));
      const r = await pool.pack(plain);
      const back = await unpackChunk(keys, r.id, r.body);
      await pool.close();
      console.log(back.length === plain.length ? 'ok' : 'mismatch');`;
    await writeFile(path.join(dir, 'run.mjs'), script);
    const out = execFileSync(process.execPath, [path.join(dir, 'run.mjs')], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: 'pipe' });
    assert.equal(out.toString().trim(), 'ok');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
