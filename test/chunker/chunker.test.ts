import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { Chunker, ChunkPool, chunkStream, DEFAULT_CHUNKER_PARAMS, validateChunkerParams, type ChunkerParams } from '../../src/chunker/index.js';
import { boundaries } from '../../src/chunker/fastcdc.js';
import { prng } from '../helpers/prng.js';

const SMALL: ChunkerParams = { min: 64, avg: 256, max: 1024 };
const MEDIUM: ChunkerParams = { min: 2048, avg: 8192, max: 32768 };

/** Inputs with different boundary behaviour: random bytes, dump-like text, zeros (only max cuts), a mix. */
function inputs(size: number, seed: number): Array<[string, Uint8Array]> {
  const r = prng(seed);
  const random = Uint8Array.from({ length: size }, () => Math.floor(r() * 256));
  let text = '';
  for (let i = 0; text.length < size; i++) {
    text += `${i}\t${Math.floor(r() * 1e6)}\t2026-11-${10 + (i % 18)} 0${i % 10}:00:00+00\t{"k": ${Math.floor(r() * 100)}}\n`;
  }
  const dump = new TextEncoder().encode(text.slice(0, size));
  const zeros = new Uint8Array(size);
  const mixed = new Uint8Array(size);
  mixed.set(dump.subarray(0, size / 3));
  mixed.set(random.subarray(0, size / 3), Math.floor((2 * size) / 3));
  return [['random', random], ['dump text', dump], ['zeros', zeros], ['mixed', mixed]];
}

/** The reference: fastcdc-wasm (fastcdc-rs 1.0.5) over the whole input in one call. */
function oneShot(data: Uint8Array, p: ChunkerParams): Uint8Array[] {
  const c = boundaries(data.slice(), p.min, p.avg, p.max);
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < c.length; i++) out.push(data.slice(c[i], c[i + 1]));
  return out;
}

function streamed(pieces: Uint8Array[], p: ChunkerParams): Uint8Array[] {
  const ch = new Chunker(p);
  const out: Uint8Array[] = [];
  for (const x of pieces) out.push(...ch.push(x));
  out.push(...ch.finish());
  return out;
}

function split(data: Uint8Array, cuts: number[]): Uint8Array[] {
  const pts = [0, ...cuts.filter((c) => c > 0 && c < data.length).sort((a, b) => a - b), data.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < pts.length; i++) out.push(data.subarray(pts[i], pts[i + 1]));
  return out;
}

function randomSplit(data: Uint8Array, r: () => number, maxPiece: number): Uint8Array[] {
  const cuts: number[] = [];
  for (let at = 0; at < data.length;) {
    at += 1 + Math.floor(r() * r() * maxPiece);
    cuts.push(at);
  }
  return split(data, cuts);
}

function sizes(chunks: Uint8Array[]): number[] {
  return chunks.map((c) => c.length);
}

function checkInvariants(data: Uint8Array, chunks: Uint8Array[], p: ChunkerParams): void {
  assert.deepEqual(Buffer.concat(chunks), Buffer.from(data), 'concatenation equals the input');
  chunks.forEach((c, i) => {
    assert.ok(c.length <= p.max, `chunk ${i} is ${c.length} > max ${p.max}`);
    if (i < chunks.length - 1) assert.ok(c.length >= p.min, `chunk ${i} is ${c.length} < min ${p.min}`);
    assert.ok(c.length > 0);
  });
}

test('one push equals one fastcdc call; invariants hold', () => {
  for (const p of [SMALL, MEDIUM]) {
    for (const [name, data] of inputs(300_000, 1)) {
      const ref = oneShot(data, p);
      const got = streamed([data], p);
      assert.deepEqual(sizes(got), sizes(ref), `${name}`);
      checkInvariants(data, got, p);
      if (name === 'zeros') assert.ok(got.slice(0, -1).every((c) => c.length === p.max), 'zeros are cut at max');
    }
  }
});

test('the defaults and an average that is not a power of two give fastcdc-wasm\'s chunks', () => {
  // Non-power-of-two average: the masks come from the rounded log2 (1500 → 11 bits), and the strict/loose
  // switch at avg − (min + ⌈min/2⌉) = 1500 − 150 falls between offsets that are not multiples of anything.
  const ODD: ChunkerParams = { min: 100, avg: 1500, max: 5000 };
  for (const [name, data] of inputs(400_000, 14)) {
    assert.deepEqual(sizes(streamed(randomSplit(data, prng(15), 3000), ODD)), sizes(oneShot(data, ODD)), `${name}, odd parameters`);
  }
  const r = prng(16);
  let text = '';
  for (let i = 0; text.length < 12_000_000; i++) text += `${i}\t${Math.floor(r() * 1e9)}\t{"kind": "k${i % 7}", "v": ${r()}}\n`;
  const big = new TextEncoder().encode(text);
  const ref = sizes(oneShot(big, DEFAULT_CHUNKER_PARAMS));
  assert.ok(ref.length >= 5, `${ref.length} chunks`);
  assert.deepEqual(sizes(streamed(randomSplit(big, r, 200_000), DEFAULT_CHUNKER_PARAMS)), ref, 'default parameters, 12 MB');
});

test('random splits give the one-shot chunks (many windows, many seeds)', () => {
  const r = prng(7);
  for (const p of [SMALL, MEDIUM]) {
    for (const [name, data] of inputs(400_000, 2)) {
      const ref = sizes(oneShot(data, p));
      for (const maxPiece of [3, 100, p.max, 5 * p.max, 50 * p.max]) {
        const got = streamed(randomSplit(data, r, maxPiece), p);
        assert.deepEqual(sizes(got), ref, `${name}, pieces up to ${maxPiece}`);
        checkInvariants(data, got, p);
      }
    }
  }
});

test('1-byte splits give the one-shot chunks', () => {
  for (const [name, data] of inputs(40_000, 3)) {
    const pieces = Array.from({ length: data.length }, (_, i) => data.subarray(i, i + 1));
    assert.deepEqual(sizes(streamed(pieces, SMALL)), sizes(oneShot(data, SMALL)), name);
  }
});

test('a split at every offset of a small input gives the one-shot chunks', () => {
  for (const [name, data] of inputs(6000, 4)) {
    const ref = sizes(oneShot(data, SMALL));
    for (let k = 0; k <= data.length; k++) {
      assert.deepEqual(sizes(streamed(split(data, [k]), SMALL)), ref, `${name}, split at ${k}`);
    }
  }
});

test('two splits at every pair of offsets around window boundaries', () => {
  // Offsets near 2 × max and 4 × max (the window sizes of the fastcdc-wasm chunker before 0.3) and near the
  // min, the strict/loose switch and the max of each chunk: a scan that resumes in the middle of either loop.
  const data = inputs(12_000, 5)[1]![1];
  const ref = sizes(oneShot(data, SMALL));
  for (let a = 1900; a < 4200; a += a < 2200 || a >= 3900 ? 7 : 1700) {
    for (let b = a; b < 9000; b += 131) {
      assert.deepEqual(sizes(streamed(split(data, [a, b]), SMALL)), ref, `splits ${a}, ${b}`);
    }
  }
});

test('content cuts are local: an insertion only changes chunks near it', () => {
  const data = inputs(200_000, 6)[1]![1];
  const edited = new Uint8Array(data.length + 5);
  edited.set(data.subarray(0, 100_000));
  edited.set(new TextEncoder().encode('HELLO'), 100_000);
  edited.set(data.subarray(100_000), 100_005);
  const key = (c: Uint8Array) => Buffer.from(c).toString('base64');
  const before = new Set(streamed([data], MEDIUM).map(key));
  const after = streamed([edited], MEDIUM);
  const changed = after.filter((c) => !before.has(key(c))).length;
  assert.ok(changed <= 3, `${changed} of ${after.length} chunks changed`);
});

test('empty input gives no chunk; a single byte gives one chunk', () => {
  assert.deepEqual(streamed([], SMALL), []);
  assert.deepEqual(streamed([new Uint8Array(0), new Uint8Array(0)], SMALL), []);
  const one = streamed([new Uint8Array([42])], SMALL);
  assert.equal(one.length, 1);
  assert.deepEqual([...one[0]!], [42]);
  assert.deepEqual(streamed([new Uint8Array(0), new Uint8Array([1]), new Uint8Array(0)], DEFAULT_CHUNKER_PARAMS).length, 1);
});

test('returned chunks are independent copies; input buffers may be reused', () => {
  const data = inputs(50_000, 8)[0]![1];
  const ref = oneShot(data, SMALL);
  const ch = new Chunker(SMALL);
  const reused = new Uint8Array(999);
  const out: Uint8Array[] = [];
  for (let off = 0; off < data.length; off += reused.length) {
    const n = Math.min(reused.length, data.length - off);
    reused.set(data.subarray(off, off + n));
    out.push(...ch.push(reused.subarray(0, n)));
    reused.fill(0xee); // the caller scribbles on its buffer after push
  }
  out.push(...ch.finish());
  assert.deepEqual(out.map((c) => Buffer.from(c)), ref.map((c) => Buffer.from(c)));
  out[0]!.fill(0);
  assert.deepEqual(Buffer.from(out[1]!), Buffer.from(ref[1]!), 'chunks do not share memory');
});

test('with a pool: each chunk is built in pooled memory, the same chunks as without, and a chunk given back is reused without aliasing', () => {
  // Pool buffers of 2 × avg and max, like the repository writer: chunks over 2 × avg start small and move to a
  // max buffer. Property-style: random data and splits; some chunks are given back at once (their memory is the
  // next chunk's), some kept to the end (must never change), the rest given back later, in any order.
  const r = prng(21);
  for (const [name, data] of [...inputs(60_000, 22), ...inputs(60_000, 23)]) {
    const ref = oneShot(data, SMALL);
    const pool = new ChunkPool({ small: 2 * SMALL.avg, max: SMALL.max, keep: 3 });
    const ch = new Chunker(SMALL, { pool });
    const kept: { chunk: Uint8Array; i: number }[] = [];
    const later: Uint8Array[] = [];
    const copies: Buffer[] = [];
    const take = (chunks: Uint8Array[]): void => {
      for (const c of chunks) {
        const i = copies.length;
        copies.push(Buffer.from(c));
        assert.ok(c.buffer.byteLength === pool.small || c.buffer.byteLength === pool.max, `${name}: chunk ${i} is pooled memory`);
        const fate = r();
        if (fate < 0.4) pool.give(c);
        else if (fate < 0.7) kept.push({ chunk: c, i });
        else later.push(c);
        if (later.length > 0 && r() < 0.3) pool.give(later.splice(Math.floor(r() * later.length), 1)[0]!);
      }
    };
    for (const piece of randomSplit(data, r, 3 * SMALL.max)) take(ch.push(piece));
    take(ch.finish());
    assert.deepEqual(copies, ref.map((c) => Buffer.from(c)), `${name}: the same chunks as the reference`);
    for (const { chunk, i } of kept) assert.ok(Buffer.from(chunk).equals(ref[i]!), `${name}: kept chunk ${i} was not overwritten`);
    assert.ok(pool.freeBuffers <= 3);
  }
});

test('without a pool the buffer grows from 64 KiB to max as chunks need: the same chunks as one fastcdc call, whatever the split', () => {
  // max 512 KiB: a chunk of the zeros input needs 64 → 128 → 256 → 512 KiB, copying what it holds each time.
  const LARGE: ChunkerParams = { min: 16 * 1024, avg: 64 * 1024, max: 512 * 1024 };
  const r = prng(31);
  for (const [name, data] of inputs(2_000_000, 32)) {
    const ref = oneShot(data, LARGE);
    for (const maxPiece of [1000, 100_000, 3_000_000]) {
      const got = streamed(randomSplit(data, r, maxPiece), LARGE);
      assert.deepEqual(sizes(got), sizes(ref), `${name}, pieces up to ${maxPiece}`);
      checkInvariants(data, got, LARGE);
    }
    if (name === 'zeros') assert.ok(ref.slice(0, -1).every((c) => c.length === LARGE.max), 'chunks of max bytes, so the buffer grew to max');
  }
});

test('a pool smaller than max is refused', () => {
  assert.throws(() => new Chunker(SMALL, { pool: new ChunkPool({ small: 512, max: 512, keep: 1 }) }), RangeError);
});

test('finish resets: a chunker can be reused for a second stream', () => {
  const [a, b] = [inputs(20_000, 9)[1]![1], inputs(30_000, 10)[0]![1]];
  const ch = new Chunker(SMALL);
  const first = [...ch.push(a), ...ch.finish()];
  const second = [...ch.push(b), ...ch.finish()];
  assert.deepEqual(sizes(first), sizes(oneShot(a, SMALL)));
  assert.deepEqual(sizes(second), sizes(oneShot(b, SMALL)));
});

test('chunkStream yields the same chunks and stops reading when the consumer stops', async () => {
  const data = inputs(200_000, 11)[1]![1];
  async function* source(pieces: Uint8Array[], seen: { n: number; closed: boolean }): AsyncGenerator<Uint8Array> {
    try {
      for (const x of pieces) { seen.n++; yield x; }
    } finally { seen.closed = true; }
  }
  const pieces = randomSplit(data, prng(12), 5000);
  const seen = { n: 0, closed: false };
  const got: Uint8Array[] = [];
  for await (const c of chunkStream(source(pieces, seen), MEDIUM)) got.push(c);
  assert.deepEqual(sizes(got), sizes(oneShot(data, MEDIUM)));
  const early = { n: 0, closed: false };
  for await (const c of chunkStream(source(pieces, early), SMALL)) { assert.ok(c.length > 0); break; }
  assert.ok(early.closed, 'source closed');
  assert.ok(early.n < pieces.length, 'source not drained');
});

test('parameter validation gives a clear ConfigError', () => {
  const bad: unknown[] = [
    null, 'x', {}, { min: 64, avg: 256 },
    { min: 1.5, avg: 256, max: 1024 },
    { min: 63, avg: 256, max: 1024 },           // below fastcdc's minimum
    { min: 64, avg: 255, max: 1024 },
    { min: 64, avg: 256, max: 1023 },
    { min: 512, avg: 256, max: 1024 },          // min > avg
    { min: 64, avg: 2048, max: 1024 },          // avg > max (fastcdc itself would accept this)
    { min: 64, avg: 1024, max: 1024 },
    { min: 1 << 20, avg: 1 << 24, max: 1 << 27 }, // above pgvault's 64 MiB cap
  ];
  for (const p of bad) {
    assert.throws(() => new Chunker(p as ChunkerParams), (e: unknown) =>
      e instanceof ConfigError && /invalid chunker parameters/.test(e.message) && /min < avg < max/.test(e.message), JSON.stringify(p));
  }
  assert.deepEqual(validateChunkerParams({ ...DEFAULT_CHUNKER_PARAMS }), DEFAULT_CHUNKER_PARAMS);
  assert.ok(DEFAULT_CHUNKER_PARAMS.min < DEFAULT_CHUNKER_PARAMS.avg && DEFAULT_CHUNKER_PARAMS.avg < DEFAULT_CHUNKER_PARAMS.max);
});

test('chunkStream passes a source error through, after the chunks completed before it', async () => {
  const data = inputs(100_000, 13)[1]![1];
  async function* failing(): AsyncGenerator<Uint8Array> {
    yield data;
    throw new Error('COPY stream broke');
  }
  const got: Uint8Array[] = [];
  await assert.rejects(async () => { for await (const c of chunkStream(failing(), SMALL)) got.push(c); }, /COPY stream broke/);
  const ref = oneShot(data, SMALL);
  assert.ok(got.length > 0 && got.length < ref.length, 'chunks sure before the error were yielded, the tail was not');
  assert.deepEqual(sizes(got), sizes(ref).slice(0, got.length));
});
