/**
 * Keyed BLAKE2b over libsodium's WebAssembly build without the wrapper's per-call work. libsodium.js's
 * `crypto_generichash` allocates and frees WebAssembly memory for the key, the input and the output and
 * converts the result on every call; that overhead, not the hashing, dominated row-level layers (two hashes of
 * ~100 bytes per row: docs/benchmarks.md). Here the key and the output stay in WebAssembly memory, the input is
 * copied into a region that is reused (grown when needed), and the result is read in place. Same function, same
 * bytes as `sodium.crypto_generichash(outLength, input, key)` (test/crypto/blake2b.test.ts).
 */
import { sodium } from './sodium.js';

/** The part of libsodium's Emscripten module used here. */
interface SodiumModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _crypto_generichash(out: number, outLength: number, input: number, inputLengthLow: number, inputLengthHigh: number,
    key: number, keyLength: number): number;
}

const lib = (sodium as unknown as { libsodium: SodiumModule }).libsodium;

/** WebAssembly allocations of a hasher, freed when the hasher is garbage-collected (key bytes zeroed first). */
interface Allocations { key: number; keyLength: number; out: number; input: number }
const release = new FinalizationRegistry<Allocations>((a) => {
  lib.HEAPU8.fill(0, a.key, a.key + a.keyLength);
  lib._free(a.key);
  lib._free(a.out);
  if (a.input) lib._free(a.input);
});

export class KeyedBlake2b {
  readonly outLength: number;
  readonly #keyLength: number;
  readonly #key: number;
  readonly #out: number;
  #input = 0;
  #capacity = 0;
  /** Bytes copied in by {@link load} and still there (-1: none; any other call overwrites them). */
  #loaded = -1;
  readonly #allocations: Allocations;

  /** `key`: 16–64 bytes; `outLength`: 16–64 bytes (libsodium's limits). */
  constructor(key: Uint8Array, outLength: number) {
    if (key.length < 16 || key.length > 64) throw new RangeError(`BLAKE2b key must be 16-64 bytes, got ${key.length}`);
    if (!Number.isInteger(outLength) || outLength < 16 || outLength > 64) throw new RangeError(`BLAKE2b output must be 16-64 bytes, got ${outLength}`);
    this.outLength = outLength;
    this.#keyLength = key.length;
    this.#key = lib._malloc(key.length);
    this.#out = lib._malloc(outLength);
    lib.HEAPU8.set(key, this.#key);
    this.#allocations = { key: this.#key, keyLength: key.length, out: this.#out, input: 0 };
    release.register(this, this.#allocations);
  }

  /** The hash of `input`, as a view of WebAssembly memory that the next call overwrites. */
  #hash(input: Uint8Array): Uint8Array {
    this.#run(input);
    return lib.HEAPU8.subarray(this.#out, this.#out + this.outLength);
  }

  /** Copy `input` into the input region (grown as needed). */
  #copyIn(input: Uint8Array): void {
    if (input.length > this.#capacity) {
      if (this.#input) lib._free(this.#input);
      this.#capacity = Math.max(input.length, 2 * this.#capacity, 256);
      this.#input = lib._malloc(this.#capacity);
      this.#allocations.input = this.#input;
      if (!this.#input) throw new RangeError(`cannot allocate ${this.#capacity} bytes of WebAssembly memory`);
    }
    const heap = lib.HEAPU8; // read after _malloc: growing the memory replaces the view
    heap.set(input, this.#input);
  }

  /** Hash `length` bytes of the input region from `offset` into the output region (at #out in WebAssembly memory). */
  #hashRegion(offset: number, length: number): void {
    if (lib._crypto_generichash(this.#out, this.outLength, this.#input + offset, length, 0, this.#key, this.#keyLength) !== 0) {
      throw new Error('crypto_generichash failed');
    }
  }

  /** Hash `input` into the output region. */
  #run(input: Uint8Array): void {
    this.#loaded = -1;
    this.#copyIn(input);
    this.#hashRegion(0, input.length);
  }

  /**
   * Copy `input` into WebAssembly memory once, for {@link intoLoaded} to hash ranges of it: many short inputs that
   * are ranges of one buffer (the rows of a COPY piece) cost one copy and no object per range. Valid until any
   * other method is called.
   */
  load(input: Uint8Array): void {
    this.#copyIn(input);
    this.#loaded = input.length;
  }

  /** As {@link into}, for the bytes `start`–`end` of what {@link load} copied in. */
  intoLoaded(start: number, end: number, n: number, dst: Uint8Array, at: number): void {
    if (this.#loaded < 0) throw new Error('KeyedBlake2b.intoLoaded without load');
    if (!(start >= 0 && start <= end && end <= this.#loaded)) throw new RangeError(`range ${start}-${end} outside the ${this.#loaded} bytes loaded`);
    this.#hashRegion(start, end - start);
    const heap = lib.HEAPU8;
    const out = this.#out;
    for (let i = 0; i < n; i++) dst[at + i] = heap[out + i]!;
  }

  /** The hash as a new Uint8Array. */
  digest(input: Uint8Array): Uint8Array {
    return this.#hash(input).slice();
  }

  /** The hash as lowercase hex. */
  hex(input: Uint8Array): string {
    const h = this.#hash(input);
    return Buffer.from(h.buffer, h.byteOffset, h.length).toString('hex');
  }

  /** Write the first `n` bytes of the hash of `input` to `dst` at `at` (no allocation besides the input's copy). */
  into(input: Uint8Array, n: number, dst: Uint8Array, at: number): void {
    this.#run(input);
    const heap = lib.HEAPU8;
    const out = this.#out;
    for (let i = 0; i < n; i++) dst[at + i] = heap[out + i]!;
  }

  /** The first `n` bytes of the hash as a Latin-1 string (one character per byte), e.g. to key a Map. */
  latin1(input: Uint8Array, n: number): string {
    const h = this.#hash(input);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(h[i]!);
    return s;
  }
}
