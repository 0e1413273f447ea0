/**
 * The Gear table of FastCDC's "ronomon" variant (fastcdc-rs 1.0.5, i.e. what fastcdc-wasm 0.1.0 runs): the
 * AES-256-CTR keystream of an all-zero key and counter block, read as 256 big-endian 32-bit words with the
 * top bit cleared (31-bit values, so `(hash >>> 1) + GEAR[b]` never exceeds 32 bits). Derived here rather
 * than pasted; test/chunker/chunker.test.ts proves the chunks equal fastcdc-wasm's.
 */
import { createCipheriv } from 'node:crypto';

function gearTable(): Int32Array {
  const stream = createCipheriv('aes-256-ctr', Buffer.alloc(32), Buffer.alloc(16)).update(Buffer.alloc(1024));
  const table = new Int32Array(256);
  for (let i = 0; i < 256; i++) table[i] = stream.readUInt32BE(4 * i) & 0x7fffffff;
  return table;
}

export const GEAR: Int32Array = gearTable();
