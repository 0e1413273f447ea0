/**
 * ByteCursor (src/restore/cursor.ts): the bytes it yields are the source's, in order, whatever the mix of take, lend,
 * takeAll and skip; and when it frees the buffers of an owned source (lent pieces given back), no piece anyone still
 * holds is ever freed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteCursor } from '../../src/restore/cursor.js';
import { IntegrityError } from '../../src/errors.js';
import { FREE_NOW_MIN_BYTES } from '../../src/memory/free-now.js';
import { prng } from '../helpers/prng.js';
import { ownedBuffers, yieldEach } from '../helpers/owned-buffers.js';

interface Held { piece: Uint8Array; at: number; copy: Buffer }

test('any mix of take, lend, takeAll and skip yields the source in order, and a piece still held is never freed', async () => {
  for (let seed = 1; seed <= 150; seed++) {
    const r = prng(seed);
    const sizes = Array.from({ length: 1 + Math.floor(r() * 6) }, () =>
      r() < 0.15 ? Math.floor(r() * 3000) : FREE_NOW_MIN_BYTES + Math.floor(r() * 200_000));
    const total = sizes.reduce((a, b) => a + b, 0);
    const data = new Uint8Array(total);
    for (let i = 0; i < total; i++) data[i] = (i * 31 + seed) & 0xff;
    const buffers = ownedBuffers(data, sizes);
    const owned = r() < 0.8;
    const cursor = new ByteCursor(yieldEach(buffers), `case ${seed}`, { owned });
    const held: Held[] = [];
    const pinned: Held[] = [];
    /** Which buffers (by index) had a piece taken with take(): those must never be freed. */
    const pinnedBuffers = new Set<number>();
    const bufferAt = (pos: number): number => {
      let at = 0;
      for (let i = 0; i < sizes.length; i++) { if (pos < at + sizes[i]!) return i; at += sizes[i]!; }
      return -1;
    };
    const intact = (h: Held, when: string): void => {
      assert.equal(h.piece.length, h.copy.length, `case ${seed}: a held piece at ${h.at} was freed (${when})`);
      assert.ok(Buffer.from(h.piece.buffer, h.piece.byteOffset, h.piece.length).equals(h.copy), `case ${seed}: a held piece at ${h.at} changed (${when})`);
    };
    const giveBackSome = (): void => {
      for (let i = held.length - 1; i >= 0; i--) {
        if (r() < 0.5) continue;
        const [h] = held.splice(i, 1);
        intact(h!, 'before it was given back');
        cursor.giveBack(h!.piece);
      }
    };
    let pos = 0;
    while (pos < total) {
      const n = Math.min(total - pos, 1 + Math.floor(r() * (r() < 0.3 ? 400_000 : 50_000)));
      const op = r();
      const start = pos;
      if (op < 0.35) {
        for await (const piece of cursor.lend(n)) {
          assert.ok(Buffer.from(piece).equals(Buffer.from(data.subarray(pos, pos + piece.length))), `case ${seed}: lend at ${pos}`);
          held.push({ piece, at: pos, copy: Buffer.from(piece) });
          pos += piece.length;
          if (r() < 0.3) giveBackSome();
        }
      } else if (op < 0.5) {
        for await (const piece of cursor.take(n)) {
          pinned.push({ piece, at: pos, copy: Buffer.from(piece) });
          pinnedBuffers.add(bufferAt(pos));
          pos += piece.length;
        }
      } else if (op < 0.8) {
        const all = await cursor.takeAll(n);
        assert.ok(all.equals(Buffer.from(data.subarray(pos, pos + n))), `case ${seed}: takeAll at ${pos}`);
        pos += n;
      } else {
        await cursor.skip(n);
        pos += n;
      }
      assert.equal(pos - start, n);
      assert.equal(cursor.position, pos);
      for (const h of held) intact(h, 'while lent');
      if (r() < 0.5) giveBackSome();
    }
    for (const h of pinned) intact(h, 'after take');
    for (const h of held.splice(0)) { intact(h, 'at the end'); cursor.giveBack(h.piece); }
    const freeable = sizes.filter((size, i) => size >= FREE_NOW_MIN_BYTES && !pinnedBuffers.has(i)).length;
    assert.equal(cursor.freed, owned ? freeable : 0, `case ${seed}: buffers freed (owned: ${owned})`);
    for (const [i, b] of buffers.entries()) {
      assert.equal(b.length === 0, owned && sizes[i]! >= FREE_NOW_MIN_BYTES && !pinnedBuffers.has(i) ? true : sizes[i] === 0,
        `case ${seed}: buffer ${i} of ${sizes[i]} bytes freed or kept as it should`);
    }
  }
});

test('an owned buffer is freed only when the cursor has passed it and every lent piece of it is back', async () => {
  const [a, b] = ownedBuffers(new Uint8Array(300_000).fill(7), [150_000, 150_000]);
  const cursor = new ByteCursor(yieldEach([a!, b!]), 'two buffers', { owned: true });
  const lent: Uint8Array[] = [];
  for await (const p of cursor.lend(100_000)) lent.push(p);
  cursor.giveBack(lent[0]!);
  assert.equal(cursor.freed, 0, 'the cursor is still inside the first buffer');
  assert.equal(a!.length, 150_000);
  const rest: Uint8Array[] = [];
  for await (const p of cursor.lend(100_000)) rest.push(p);
  // Pieces: the rest of a (50 000 bytes), then 50 000 bytes of b.
  assert.deepEqual(rest.map((p) => p.length), [50_000, 50_000]);
  assert.equal(cursor.freed, 0, 'the cursor has passed a, but one of its pieces is still lent');
  cursor.giveBack(rest[0]!);
  assert.equal(cursor.freed, 1);
  assert.equal(a!.length, 0, 'a is freed');
  assert.equal(rest[1]!.length, 50_000, 'b is not');
  await cursor.skip(100_000);
  assert.equal(cursor.freed, 1, 'b still has a piece lent');
  cursor.giveBack(rest[1]!);
  assert.equal(cursor.freed, 2);
});

test('a source that yields one buffer twice, against its promise, fails loudly instead of losing bytes', async () => {
  const [a] = ownedBuffers(new Uint8Array(100_000).fill(1), [100_000]);
  const cursor = new ByteCursor(yieldEach([a!, a!]), 'the dump of snapshot 0123abcd', { owned: true });
  await cursor.skip(100_000);
  await assert.rejects(cursor.takeAll(100_000), (e: unknown) => e instanceof IntegrityError && /came back after it was freed, at byte 100000/.test(e.message));
});

test('a buffer yielded again while pieces of it are still lent is never freed: every piece stays intact', async () => {
  const [a, b] = ownedBuffers(new Uint8Array(200_000).map((_, i) => i & 0xff), [100_000, 100_000]);
  const cursor = new ByteCursor(yieldEach([a!, a!, b!]), 'a source that repeats a buffer', { owned: true });
  const lent: Uint8Array[] = [];
  for await (const p of cursor.lend(150_000)) lent.push(p);
  // The first `a` was passed with its piece still lent when the same buffer came again.
  for (const p of lent) cursor.giveBack(p);
  const rest = await cursor.takeAll(150_000);
  assert.equal(cursor.freed, 1, 'only b');
  assert.equal(a!.length, 100_000, 'a is not freed');
  assert.ok(rest.subarray(0, 50_000).equals(Buffer.from(a!.subarray(50_000))));
  assert.ok(lent.every((p) => p.length > 0));
});
