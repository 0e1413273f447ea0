/**
 * The chunker's inner loop, the Gear-hash scan, in WebAssembly.
 *
 * The scan is a chain of dependent steps, `h = (h >>> 1) + GEAR[byte]` and a test of `h & mask`, one per byte; its
 * speed is the latency of that chain. V8's code for the JavaScript loop (bounds-checked typed-array loads, `| 0`)
 * ran it at ~0.95 CPU s per GB; this function of 30 instructions, at 0.60–0.72 (docs/chunking-and-crypto.md,
 * "Cost and memory").
 *
 * The module is assembled below, instruction by instruction, so that the source is the whole story (no binary
 * blob, no build step, no dependency). Its memory holds the Gear table at byte 0 and a window of
 * {@link WINDOW_BYTES} at {@link WINDOW_AT} into which the caller's bytes are copied, one window at a time.
 * test/chunker/gear-scan.test.ts checks it against a JavaScript reference on random data, masks and hashes, and
 * test/chunker/chunker.test.ts checks whole streams against fastcdc-wasm.
 */
import { GEAR } from './gear.js';

/** Where the window starts in the module's memory (the 256 × 4-byte Gear table comes first). */
const WINDOW_AT = 1024;
/** Bytes scanned per call into WebAssembly: large enough that the call costs nothing, small in memory. */
export const WINDOW_BYTES = 1024 * 1024;
const PAGE = 64 * 1024;

// WebAssembly opcodes used (https://webassembly.github.io/spec/core/binary/instructions.html).
const op = {
  block: 0x02, loop: 0x03, end: 0x0b, br_if: 0x0d, return: 0x0f, void: 0x40,
  local_get: 0x20, local_set: 0x21, local_tee: 0x22, global_set: 0x24,
  i32_load: 0x28, i32_load8_u: 0x2d, i32_const: 0x41,
  i32_ge_u: 0x4f, i32_add: 0x6a, i32_and: 0x71, i32_shl: 0x74, i32_shr_u: 0x76,
} as const;
const i32 = 0x7f;

/** Unsigned LEB128 (section and body sizes). */
function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}
const name = (s: string): number[] => [s.length, ...Buffer.from(s, 'latin1')];
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];

// scan(from, to, h, mask): locals 0..3. Returns the address just after the first byte whose hash has no bit of
// `mask` set, or -1; the global `h` then holds the hash. The same function as chunker.ts's JavaScript reference.
const FROM = 0, TO = 1, H = 2, MASK = 3;
const scanBody = [
  0, // no locals beyond the parameters
  op.block, op.void,
  op.loop, op.void,
  op.local_get, FROM, op.local_get, TO, op.i32_ge_u, op.br_if, 1, // from >= to: leave the block (no cut)
  op.local_get, H, op.i32_const, 1, op.i32_shr_u, // h >>> 1
  op.local_get, FROM, op.i32_load8_u, 0, 0, // the byte at `from`
  op.i32_const, 2, op.i32_shl, op.i32_load, 2, 0, // GEAR[byte] (the table is at address 0)
  op.i32_add, op.local_tee, H, // h = (h >>> 1) + GEAR[byte]   (no overflow: both terms < 2^31)
  op.local_get, FROM, op.i32_const, 1, op.i32_add, op.local_set, FROM, // from += 1
  op.local_get, MASK, op.i32_and, op.br_if, 0, // h & mask != 0: next byte
  op.local_get, H, op.global_set, 0, op.local_get, FROM, op.return, // a cut: after this byte
  op.end,
  op.end,
  op.local_get, H, op.global_set, 0, op.i32_const, 0x7f /* -1 */, op.end,
];
const WINDOW_PAGES = Math.ceil((WINDOW_AT + WINDOW_BYTES) / PAGE);
const moduleBytes = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  ...section(1, [1, 0x60, 4, i32, i32, i32, i32, 1, i32]), // type 0: (i32, i32, i32, i32) -> i32
  ...section(2, [1, ...name('env'), ...name('memory'), 0x02, 0x00, ...leb(WINDOW_PAGES)]), // imported memory
  ...section(3, [1, 0]), // function 0 has type 0
  ...section(6, [1, i32, 1, op.i32_const, 0, op.end]), // global 0: mutable i32 = 0
  ...section(7, [2, ...name('scan'), 0x00, 0, ...name('h'), 0x03, 0]), // exports
  ...section(10, [1, ...leb(scanBody.length), ...scanBody]), // code
]);

interface Scanner {
  heap: Uint8Array;
  scan: (from: number, to: number, h: number, mask: number) => number;
  hash: WebAssembly.Global;
}

/** Instantiated at the first scan (a few microseconds), not at import. */
let scanner: Scanner | undefined;

function instantiate(): Scanner {
  const memory = new WebAssembly.Memory({ initial: WINDOW_PAGES, maximum: WINDOW_PAGES });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(moduleBytes), { env: { memory } });
  new Int32Array(memory.buffer, 0, 256).set(GEAR);
  const { scan, h } = instance.exports as { scan: Scanner['scan']; h: WebAssembly.Global };
  return { heap: new Uint8Array(memory.buffer, WINDOW_AT, WINDOW_BYTES), scan, hash: h };
}

/** The Gear hash after the last {@link gearScan}. */
export let scanHash = 0;

/**
 * Gear-hash `data[from, to)`, continuing from hash `h`. Returns the index just after the first byte whose hash has
 * no bit of `mask` set, or -1 if there is none; {@link scanHash} then holds the hash.
 */
export function gearScan(data: Uint8Array, from: number, to: number, h: number, mask: number): number {
  const s = (scanner ??= instantiate());
  for (let at = from; at < to; at += WINDOW_BYTES) {
    const n = Math.min(WINDOW_BYTES, to - at);
    s.heap.set(data.subarray(at, at + n));
    const cut = s.scan(WINDOW_AT, WINDOW_AT + n, h, mask);
    h = s.hash.value as number;
    if (cut >= 0) {
      scanHash = h;
      return at + (cut - WINDOW_AT);
    }
  }
  scanHash = h;
  return -1;
}
