/**
 * The guarantee behind `Store.ownedReads`: a body handed to the caller is the only view of its memory, so the caller
 * may free it (src/memory/free-now.ts detaches the whole ArrayBuffer). A body that is a view into a larger buffer
 * (a pooled slab, a socket read, an SDK that some day returns a slice) is copied first, so freeing it can never
 * touch bytes that belong to anything else.
 */
export function ownedBody(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes;
  return new Uint8Array(bytes);
}
