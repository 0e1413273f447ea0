/**
 * Give a dead buffer's memory back at once, instead of at V8's next collection that reaches it.
 *
 * A backup's per-chunk buffers (the chunk itself when its pool is full, the compressor's output, the packed copy, the
 * cipher's output) are dead as soon as the next stage has copied them, but they live outside V8's heap and die only
 * when the object that holds them is collected. Those that were in flight during a young-generation collection were
 * promoted and wait for a full collection: measured on a 3.7 GiB backup, ~20 MiB of dead buffers at the peak
 * (`process.memoryUsage().arrayBuffers` 41 MiB, 19–22 MiB after a full collection), which glibc's heap then keeps
 * resident. Detaching an ArrayBuffer (`transfer(0)`, ES2024) frees its backing store immediately.
 *
 * Only for memory the caller owns outright: every view of the buffer becomes empty. Buffers smaller than
 * {@link FREE_NOW_MIN_BYTES} are left to the collector: they are cheap, and Node.js carves small Buffers out of
 * shared 8 KiB slabs, which must never be detached.
 */

/** Smaller buffers are left alone (Node.js's Buffer slabs are 8 KiB). */
export const FREE_NOW_MIN_BYTES = 64 * 1024;

type Detachable = ArrayBuffer & { readonly detached?: boolean; transfer?: (newLength?: number) => ArrayBuffer };

/**
 * Frees the memory behind `view` now, if it is a detachable ArrayBuffer of at least {@link FREE_NOW_MIN_BYTES}.
 * Returns whether it did; a buffer it cannot free is left as it was.
 */
export function freeNow(view: Uint8Array): boolean {
  const b = view.buffer as Detachable;
  if (!(b instanceof ArrayBuffer) || b.byteLength < FREE_NOW_MIN_BYTES || b.detached === true || typeof b.transfer !== 'function') return false;
  try {
    b.transfer(0);
    return true;
  } catch {
    // Not detachable: Node.js 24 marks some of its own buffers so (zlib's output, for one); the collector frees them.
    return false;
  }
}
