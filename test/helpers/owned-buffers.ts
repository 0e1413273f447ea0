/** Byte sources shaped like decoded chunks, for the restore's read cursor (src/restore/cursor.ts). */

/** `data` cut into buffers of the given sizes, each with an ArrayBuffer of its own (as a decoded chunk has). */
export function ownedBuffers(data: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let at = 0;
  for (const n of sizes) {
    const b = new Uint8Array(new ArrayBuffer(n));
    b.set(data.subarray(at, at + n));
    out.push(b);
    at += n;
  }
  return out;
}

/** The buffers as an async source, one by one. */
export async function* yieldEach(buffers: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const b of buffers) yield b;
}
