/**
 * The streamed hash of a schema part (src/backup/schema-hash.ts) is the one a manifest has always recorded:
 * sha256 of the whole part's text, decoded as UTF-8, without its `\restrict` / `\unrestrict` lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { SchemaTextHash } from '../../src/backup/schema-hash.js';
import { stripMetaCommands } from '../../src/restore/into-db.js';

const wholeHash = (b: Buffer): string => createHash('sha256').update(stripMetaCommands(b.toString('utf8'))).digest('hex');

function streamed(b: Buffer, cuts: number[]): string {
  const h = new SchemaTextHash();
  let at = 0;
  for (const c of [...cuts, b.length]) {
    h.update(b.subarray(at, c));
    at = c;
  }
  return h.digest();
}

/** A deterministic generator (no Math.random: a failure must reproduce). */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x / 0x100000000;
  };
}

test('a script with key lines, cut at every byte: same hash as the whole text', () => {
  const text = '--\n-- PostgreSQL database dump\n--\n\n\\restrict Abc123\n\nSET x = 1;\r\n\\unrestrict Abc123\r\n'
    + 'COMMENT ON TABLE t IS \'é ü 😀 \u2028\\restrict Zz9\u2029 end\';\n\\unrestrict Abc123';
  const b = Buffer.from(text, 'utf8');
  const want = wholeHash(b);
  assert.notEqual(want, createHash('sha256').update(text).digest('hex'), 'the key lines are stripped');
  for (let i = 0; i <= b.length; i++) assert.equal(streamed(b, [i]), want, `cut at byte ${i}`);
  for (let i = 0; i + 3 <= b.length; i++) assert.equal(streamed(b, [i, i + 1, i + 3]), want, `cuts at ${i}, ${i + 1}, ${i + 3}`);
});

test('random bytes (invalid UTF-8 included), random cuts: same hash as the whole text', () => {
  const next = rng(20261204);
  const alphabet = [...Buffer.from('\\restrict A1\n\\unrestrict Q\n\r ab'), 0xc3, 0xa9, 0xe2, 0x80, 0xa8, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0xc0, 0xed, 0xa0];
  for (let round = 0; round < 300; round++) {
    const len = 1 + Math.floor(next() * 400);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = alphabet[Math.floor(next() * alphabet.length)]!;
    const cuts = [...new Set(Array.from({ length: Math.floor(next() * 8) }, () => Math.floor(next() * (len + 1))))].sort((x, y) => x - y);
    assert.equal(streamed(b, cuts), wholeHash(b), `round ${round}: ${b.toString('hex')} cut at ${cuts.join(',')}`);
  }
});
