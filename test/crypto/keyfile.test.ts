import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError, WrongPasswordError } from '../../src/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKeyFile, DEFAULT_KDF_PARAMS, MAX_KDF_PARAMS, openKeyFile, parseKeyFile } from '../../src/crypto/keyfile.js';
import { generateMasterKey } from '../../src/crypto/keys.js';

// Cheap Argon2id parameters keep the suite fast; the defaults are exercised once below.
const CHEAP = { opslimit: 1, memlimit: 8192 * 8 };
const meta = { host: 'db1', username: 'backup', created: '2026-11-26T08:00:00.000Z' };

function edit(bytes: Uint8Array, f: (j: Record<string, unknown>) => void): Uint8Array {
  const j = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  f(j);
  return new TextEncoder().encode(JSON.stringify(j));
}

test('a key file opens with its password and yields the master key', async () => {
  const master = generateMasterKey();
  const file = await createKeyFile(master, 'correct horse', meta, CHEAP);
  const parsed = parseKeyFile(file, 'keys/a');
  assert.deepEqual(parsed.meta, meta);
  assert.equal(parsed.kdf.name, 'argon2id13');
  assert.equal(parsed.kdf.opslimit, 1);
  const text = new TextDecoder().decode(file);
  assert.ok(!text.includes(Buffer.from(master.encryption).toString('base64')), 'key not in clear');
  const opened = await openKeyFile(file, 'correct horse', 'keys/a');
  assert.deepEqual(opened.encryption, master.encryption);
  assert.deepEqual(opened.chunkId, master.chunkId);
});

// Unlock time with these parameters is measured by bench/crypto.ts (docs/chunking-and-crypto.md), not here:
// a timed test on a shared machine proves nothing.
test('default parameters: Argon2id 3 passes, 19 MiB (above OWASP\'s minimum), recorded in the key file, which opens', async () => {
  assert.deepEqual({ ...DEFAULT_KDF_PARAMS }, { opslimit: 3, memlimit: 19 * 1024 * 1024 });
  assert.ok(DEFAULT_KDF_PARAMS.memlimit >= 19456 * 1024 && DEFAULT_KDF_PARAMS.opslimit >= 2, 'OWASP: at least 19 MiB and 2 passes');
  assert.ok(DEFAULT_KDF_PARAMS.opslimit <= MAX_KDF_PARAMS.opslimit && DEFAULT_KDF_PARAMS.memlimit <= MAX_KDF_PARAMS.memlimit, 'within the readers\' cap');
  const master = generateMasterKey();
  const file = await createKeyFile(master, 'pw', meta);
  const kdf = (JSON.parse(new TextDecoder().decode(file)) as { kdf: { opslimit: number; memlimit: number } }).kdf;
  assert.equal(kdf.opslimit, 3);
  assert.equal(kdf.memlimit, 19 * 1024 * 1024);
  const opened = await openKeyFile(file, 'pw', 'keys/d');
  assert.deepEqual(opened.encryption, master.encryption);
});

test('openKeyFile with offThread (long commands) opens the same key', async () => {
  const master = generateMasterKey();
  const file = await createKeyFile(master, 'pw', meta, CHEAP);
  const opened = await openKeyFile(file, 'pw', 'keys/o', { offThread: true });
  assert.deepEqual(opened.encryption, master.encryption);
  await assert.rejects(openKeyFile(file, 'not pw', 'keys/o', { offThread: true }), WrongPasswordError);
});

test('a key file of pgvault 0.1.0 (3 passes, 64 MiB, made with libsodium) still opens', async () => {
  const file = readFileSync(join(import.meta.dirname, 'fixtures', 'keyfile-0.1.0.json'));
  const kdf = (JSON.parse(file.toString('utf8')) as { kdf: { opslimit: number; memlimit: number } }).kdf;
  assert.deepEqual({ opslimit: kdf.opslimit, memlimit: kdf.memlimit }, { ...MAX_KDF_PARAMS });
  const opened = await openKeyFile(file, 'pgvault 0.1.0 fixture', 'keys/fixture');
  assert.equal(Buffer.from(opened.encryption).toString('hex'), 'a0'.repeat(32));
  assert.equal(Buffer.from(opened.chunkId).toString('hex'), 'b1'.repeat(32));
});

test('wrong password → WrongPasswordError naming the key file', async () => {
  const file = await createKeyFile(generateMasterKey(), 'right', meta, CHEAP);
  await assert.rejects(openKeyFile(file, 'wrong', 'keys/k1'), (e: unknown) => {
    assert.ok(e instanceof WrongPasswordError);
    assert.match(e.message, /keys\/k1/);
    assert.ok(!e.message.includes('wrong,') && !e.message.includes('right'), 'no password in the message');
    return true;
  });
  await assert.rejects(openKeyFile(file, '', 'keys/k1'), WrongPasswordError);
});

test('two key files for one master key both open it; each only with its own password', async () => {
  const master = generateMasterKey();
  const a = await createKeyFile(master, 'alice-pw', meta, CHEAP);
  const b = await createKeyFile(master, 'bob-pw', { ...meta, username: 'bob' }, CHEAP);
  assert.deepEqual(await openKeyFile(a, 'alice-pw', 'keys/a'), await openKeyFile(b, 'bob-pw', 'keys/b'));
  await assert.rejects(openKeyFile(a, 'bob-pw', 'keys/a'), WrongPasswordError);
  await assert.rejects(openKeyFile(b, 'alice-pw', 'keys/b'), WrongPasswordError);
});

test('edited authenticated fields do not open', async () => {
  const file = await createKeyFile(generateMasterKey(), 'pw', meta, CHEAP);
  const edits: Array<(j: Record<string, unknown>) => void> = [
    (j) => { (j.meta as Record<string, unknown>).host = 'evil'; },
    (j) => { (j.kdf as Record<string, unknown>).opslimit = 2; },
  ];
  for (const f of edits) await assert.rejects(openKeyFile(edit(file, f), 'pw', 'keys/x'), WrongPasswordError);
});

test('malformed or unknown-version key files → IntegrityError naming the file', async () => {
  const file = await createKeyFile(generateMasterKey(), 'pw', meta, CHEAP);
  const bad: Uint8Array[] = [
    new Uint8Array(0),
    new TextEncoder().encode('not json'),
    new Uint8Array([0xff, 0xfe, 0x00]),
    new TextEncoder().encode('[]'),
    file.subarray(0, file.length - 20),
    edit(file, (j) => { j.format = 'restic'; }),
    edit(file, (j) => { (j.kdf as Record<string, unknown>).name = 'scrypt'; }),
    edit(file, (j) => { (j.kdf as Record<string, unknown>).salt = 'AAAA'; }),
    edit(file, (j) => { (j.kdf as Record<string, unknown>).memlimit = 1e12; }),
    edit(file, (j) => { (j.kdf as Record<string, unknown>).opslimit = 1e9; }),
    edit(file, (j) => { j.sealed = '!!!'; }),
    edit(file, (j) => { j.sealed = String(j.sealed).slice(0, 40); }),
    edit(file, (j) => { delete j.meta; }),
  ];
  for (const b of bad) {
    await assert.rejects(openKeyFile(b, 'pw', 'keys/broken'), (e: unknown) => {
      assert.ok(e instanceof IntegrityError, `got ${String(e)}`);
      assert.equal(e.object, 'keys/broken');
      return true;
    });
  }
  await assert.rejects(openKeyFile(edit(file, (j) => { j.version = 2; }), 'pw', 'keys/v2'),
    (e: unknown) => e instanceof IntegrityError && /version 2/.test(e.message) && /upgrade pgvault/.test(e.message));
});

test('createKeyFile refuses an empty password and absurd parameters', async () => {
  await assert.rejects(createKeyFile(generateMasterKey(), '', meta, CHEAP), RangeError);
  await assert.rejects(createKeyFile(generateMasterKey(), 'pw', meta, { opslimit: 0 }), RangeError);
});
