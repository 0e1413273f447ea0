import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { IntegrityError } from '../../src/errors.js';
import { compressChunk, decompressChunk, gzipMemberOf, METHOD_GZIP, METHOD_RAW } from '../../src/crypto/compress.js';

const text = (s: string, times: number): Uint8Array => new TextEncoder().encode(s.repeat(times));

test('compressible data is stored as a gzip member and round-trips', async () => {
  const plain = text('42\t2026-11-26 08:00:00+00\t{"a": 1, "b": "x"}\n', 20000);
  const packed = await compressChunk(plain);
  assert.equal(packed[0], METHOD_GZIP);
  assert.ok(packed.length < plain.length / 5, `ratio: ${packed.length}/${plain.length}`);
  assert.deepEqual(await decompressChunk(packed, 'data/x'), plain);
  const member = gzipMemberOf(packed);
  assert.ok(member);
  assert.deepEqual(new Uint8Array(gunzipSync(member)), plain);
});

test('incompressible data is stored raw; empty data too', async () => {
  const plain = new Uint8Array(randomBytes(100000));
  const packed = await compressChunk(plain);
  assert.equal(packed[0], METHOD_RAW);
  assert.equal(packed.length, plain.length + 5);
  assert.equal(gzipMemberOf(packed), null);
  assert.deepEqual(await decompressChunk(packed, 'data/r'), plain);
  const empty = await compressChunk(new Uint8Array(0));
  assert.equal(empty[0], METHOD_RAW);
  assert.equal((await decompressChunk(empty, 'data/e')).length, 0);
});

test('gzip members of consecutive chunks concatenate into one valid .gz of the whole input', async () => {
  const parts = [text('a\tb\n', 5000), text('1,2,3\n', 7000), new Uint8Array(randomBytes(3000)), text('x', 1)];
  const members: Buffer[] = [];
  for (const p of parts) {
    const packed = await compressChunk(p);
    // a raw chunk is gzipped by the caller (restore does this), as documented for gzipMemberOf
    const m = gzipMemberOf(packed);
    members.push(m ? Buffer.from(m) : (await import('node:zlib')).gzipSync(p));
  }
  const whole = Buffer.concat(parts);
  assert.deepEqual(gunzipSync(Buffer.concat(members)), whole);
});

test('damaged packed chunks fail with IntegrityError, never hang or over-allocate', async () => {
  const plain = text('row\t1\n', 50000);
  const packed = await compressChunk(plain);
  const label = 'data/bad';
  const cases: Uint8Array[] = [];
  cases.push(packed.subarray(0, 3));                            // shorter than the header
  cases.push(packed.subarray(0, packed.length - 10));           // truncated gzip member
  const wrongLen = packed.slice(); wrongLen[1]! ^= 1; cases.push(wrongLen);       // recorded length differs
  const huge = packed.slice(); new DataView(huge.buffer).setUint32(1, 10, true); cases.push(huge); // output capped
  const method = packed.slice(); method[0] = 9; cases.push(method);              // unknown method
  const garbage = new Uint8Array(randomBytes(5000)); garbage[0] = METHOD_GZIP; cases.push(garbage);
  const raw = await compressChunk(new Uint8Array(randomBytes(100)));
  cases.push(raw.subarray(0, 50));                              // raw, truncated
  const crc = packed.slice(); crc[crc.length - 6]! ^= 0xff; cases.push(crc);    // gzip CRC trailer broken
  for (const c of cases) {
    await assert.rejects(decompressChunk(c, label), (e: unknown) => e instanceof IntegrityError && e.object === label);
  }
});
