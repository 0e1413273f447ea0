import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConfigError, IntegrityError } from '../../src/errors.js';
import {
  compressChunk, compressParts, decompressChunk, GZIP_LEVEL, GZIP_WINDOW_BITS, gzipForRestore, gzipMemberOf, METHOD_GZIP, METHOD_RAW, METHOD_ZSTD, zstdAvailable,
} from '../../src/crypto/compress.js';

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

test('compressParts: header and payload, joined by compressChunk; compress false stores raw without trying', async () => {
  const plain = text('7\tsame row again\n', 30000);
  const parts = await compressParts(plain);
  assert.equal(parts.owned, true);
  const n = plain.length;
  assert.deepEqual(parts.header, new Uint8Array([METHOD_GZIP, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]));
  const joined = new Uint8Array([...parts.header, ...parts.payload]);
  assert.deepEqual(await decompressChunk(joined, 'data/p'), plain);
  assert.deepEqual(new Uint8Array(gunzipSync(parts.payload)), plain);
  // compress: false stores even compressible bytes raw: the payload is the caller's own bytes, not a copy.
  const raw = await compressParts(plain, 'gzip', false);
  assert.equal(raw.owned, false);
  assert.equal(raw.header[0], METHOD_RAW);
  assert.equal(raw.payload, plain);
  assert.deepEqual(await decompressChunk(new Uint8Array([...raw.header, ...raw.payload]), 'data/q'), plain);
  // Incompressible bytes are raw either way, and not owned (the caller's buffer).
  const random = new Uint8Array(randomBytes(5000));
  const r = await compressParts(random);
  assert.equal(r.header[0], METHOD_RAW);
  assert.equal(r.owned, false);
  assert.equal(r.payload, random);
});

test('a backup stores gzip members with the 8 KiB window; they concatenate with members stored by earlier versions', async () => {
  // SQL-like rows whose repeats lie both within 8 KiB and beyond it, so the window changes the bytes.
  const rows = Array.from({ length: 30_000 }, (_, i) => `${i}\t${(i * 7919) % 1000}\tcustomer ${i % 500}\t2026-12-04 ${String(i % 24).padStart(2, '0')}:00\n`).join('');
  const plain = new TextEncoder().encode(rows);
  const packed = await compressChunk(plain);
  assert.equal(packed[0], METHOD_GZIP);
  assert.equal(GZIP_WINDOW_BITS, 13);
  const member = gzipMemberOf(packed)!;
  assert.deepEqual(member, new Uint8Array(gzipSync(plain, { level: GZIP_LEVEL, windowBits: GZIP_WINDOW_BITS })));
  const before = gzipSync(plain, { level: GZIP_LEVEL }); // what versions before the 8 KiB window stored
  assert.notDeepEqual(member, new Uint8Array(before), 'the window makes a difference on this input');
  assert.ok(gunzipSync(Buffer.concat([before, member, before])).equals(Buffer.concat([plain, plain, plain])));
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

test('zstd: a frame per chunk (method 0x02) that round-trips and is no gzip member; damage is an IntegrityError', async (t) => {
  const plain = text('7\t2026-11-26 08:00:00+00\tclick\t{"user_id": 7, "path": "/products/7"}\n', 20000);
  if (!zstdAvailable()) {
    // Node.js < 22.15: writing and reading zstd chunks are refused as a configuration problem, not as damage.
    await assert.rejects(compressChunk(plain, 'zstd'), (e: unknown) => e instanceof ConfigError && /22\.15/.test(e.message));
    const fake = new Uint8Array(20);
    fake[0] = METHOD_ZSTD;
    await assert.rejects(decompressChunk(fake, 'data/z'), (e: unknown) => e instanceof ConfigError && e.message.includes('data/z'));
    t.diagnostic('zstd not available in this Node.js: checked the refusals');
    return;
  }
  const packed = await compressChunk(plain, 'zstd');
  assert.equal(packed[0], METHOD_ZSTD);
  assert.ok(packed.length < (await compressChunk(plain, 'gzip')).length, 'smaller than gzip level 1');
  assert.deepEqual(await decompressChunk(packed, 'data/z'), plain);
  assert.equal(gzipMemberOf(packed), null);
  const random = new Uint8Array(randomBytes(50000));
  assert.equal((await compressChunk(random, 'zstd'))[0], METHOD_RAW);
  const cases: Uint8Array[] = [packed.subarray(0, packed.length - 10)];
  const wrongLen = packed.slice(); wrongLen[1]! ^= 1; cases.push(wrongLen);
  const capped = packed.slice(); new DataView(capped.buffer).setUint32(1, 10, true); cases.push(capped);
  const garbage = new Uint8Array(randomBytes(5000)); garbage[0] = METHOD_ZSTD; cases.push(garbage);
  for (const c of cases) {
    await assert.rejects(decompressChunk(c, 'data/z'), (e: unknown) => e instanceof IntegrityError && e.object === 'data/z');
  }
});

test('gzipForRestore: complete gzip members (8 KiB window) that gunzip, alone or concatenated, to their input', async () => {
  const rows = Array.from({ length: 20_000 }, (_, i) => `${i}\t${i % 97}\t${'x'.repeat(i % 50)}\t2026-12-04 10:${String(i % 60).padStart(2, '0')}\n`).join('');
  const a = Buffer.from(rows);
  const b = Buffer.from('second member\n');
  const ma = await gzipForRestore(a);
  const mb = await gzipForRestore(b);
  assert.ok(gunzipSync(ma).equals(a));
  assert.ok(gunzipSync(Buffer.concat([ma, mb])).equals(Buffer.concat([a, b])));
  assert.ok(ma.length < a.length / 3, 'it compresses');
});
