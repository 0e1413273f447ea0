/**
 * Binary records of the repository format (docs/format.md):
 * - index entries (in `index/` objects): 32-byte chunk ID, u32 BE plaintext length, u32 BE stored length;
 * - chunk references (in chunk-list streams): 32-byte chunk ID, u32 BE plaintext length.
 * Index objects start with the 4-byte magic "PVIX" and a version byte.
 */
import { IntegrityError } from '../errors.js';
import { ID_BYTES } from './known-chunks.js';

export interface ChunkRef {
  id: string;
  length: number;
}

export interface IndexEntry extends ChunkRef {
  stored: number;
}

export const REF_BYTES = ID_BYTES + 4;
export const INDEX_ENTRY_BYTES = ID_BYTES + 8;
const INDEX_MAGIC = Buffer.from('PVIX', 'latin1');
const INDEX_VERSION = 1;

export function encodeIndex(entries: readonly IndexEntry[]): Uint8Array {
  const out = Buffer.alloc(5 + entries.length * INDEX_ENTRY_BYTES);
  INDEX_MAGIC.copy(out, 0);
  out[4] = INDEX_VERSION;
  let o = 5;
  for (const e of entries) {
    out.write(e.id, o, ID_BYTES, 'hex');
    out.writeUInt32BE(e.length, o + ID_BYTES);
    out.writeUInt32BE(e.stored, o + ID_BYTES + 4);
    o += INDEX_ENTRY_BYTES;
  }
  return out;
}

export function decodeIndex(bytes: Uint8Array, label: string): IndexEntry[] {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length < 5 || !b.subarray(0, 4).equals(INDEX_MAGIC) || (b.length - 5) % INDEX_ENTRY_BYTES !== 0) {
    throw new IntegrityError(`index object ${label} is malformed`, label);
  }
  if (b[4] !== INDEX_VERSION) throw new IntegrityError(`index object ${label} has unknown version ${b[4]}; upgrade pgvault`, label);
  const out: IndexEntry[] = [];
  for (let o = 5; o < b.length; o += INDEX_ENTRY_BYTES) {
    out.push({
      id: b.toString('hex', o, o + ID_BYTES),
      length: b.readUInt32BE(o + ID_BYTES),
      stored: b.readUInt32BE(o + ID_BYTES + 4),
    });
  }
  return out;
}

export function encodeRef(ref: ChunkRef): Buffer {
  const out = Buffer.alloc(REF_BYTES);
  out.write(ref.id, 0, ID_BYTES, 'hex');
  out.writeUInt32BE(ref.length, ID_BYTES);
  return out;
}

/** Parse chunk references from a byte stream whose record boundaries need not match its buffers. */
export async function* decodeRefs(source: AsyncIterable<Uint8Array>, label: string): AsyncGenerator<ChunkRef> {
  let carry = Buffer.alloc(0);
  for await (const piece of source) {
    const buf = carry.length ? Buffer.concat([carry, piece]) : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    let o = 0;
    for (; o + REF_BYTES <= buf.length; o += REF_BYTES) {
      yield { id: buf.toString('hex', o, o + ID_BYTES), length: buf.readUInt32BE(o + ID_BYTES) };
    }
    carry = Buffer.from(buf.subarray(o));
  }
  if (carry.length) throw new IntegrityError(`chunk list ${label} ends with a partial record: it is damaged`, label);
}
