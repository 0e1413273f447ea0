/**
 * Authenticated encryption of stored objects: XChaCha20-Poly1305-IETF with a random 192-bit nonce.
 *
 * Sealed layout (see docs/chunking-and-crypto.md):
 *   byte 0        format byte, 0x01 = XChaCha20-Poly1305-IETF
 *   bytes 1..24   nonce (random, 24 bytes)
 *   bytes 25..    ciphertext followed by the 16-byte Poly1305 tag
 * Associated data = the format byte followed by the UTF-8 bytes of `ad`. Callers pass the object's
 * kind and name (`data/<id>`, `snapshots/<id>`), so an object copied or renamed to another name,
 * or given another format byte, fails to open.
 */
import { IntegrityError } from '../errors.js';
import { KEY_BYTES } from './keys.js';
import { sodium } from './sodium.js';

export const AEAD_FORMAT_XCHACHA20POLY1305 = 0x01;
export const NONCE_BYTES = 24;
export const TAG_BYTES = 16;
/** Bytes a sealed object has on top of its plaintext. */
export const SEAL_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;

const utf8 = new TextEncoder();

function associatedData(format: number, ad: string): Uint8Array {
  const text = utf8.encode(ad);
  const out = new Uint8Array(1 + text.length);
  out[0] = format;
  out.set(text, 1);
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

/** Encrypt and authenticate `plain`, bound to `ad`. Returns a new buffer. */
export function seal(key: Uint8Array, plain: Uint8Array, ad: string): Uint8Array {
  checkKey(key);
  const nonce = sodium.randombytes_buf(NONCE_BYTES);
  const ct = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(
    plain, associatedData(AEAD_FORMAT_XCHACHA20POLY1305, ad), null, nonce, key);
  const out = new Uint8Array(1 + NONCE_BYTES + ct.length);
  out[0] = AEAD_FORMAT_XCHACHA20POLY1305;
  out.set(nonce, 1);
  out.set(ct, 1 + NONCE_BYTES);
  return out;
}

/**
 * Verify and decrypt an object sealed by {@link seal} with the same key and `ad`.
 * Throws IntegrityError naming `label` if the object is truncated, has an unknown format byte,
 * or fails authentication (tampered, renamed, or sealed with another key).
 */
export function open(key: Uint8Array, sealed: Uint8Array, ad: string, label: string): Uint8Array {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) {
    throw new IntegrityError(
      `object ${label} is truncated (${sealed.length} bytes, an encrypted object has at least ${SEAL_OVERHEAD}); ` +
      'it was damaged in storage or in transit. Restore from another snapshot or remove the object and back up again.',
      label);
  }
  const format = sealed[0]!;
  if (format !== AEAD_FORMAT_XCHACHA20POLY1305) {
    throw new IntegrityError(
      `object ${label} has unknown encryption format byte 0x${format.toString(16).padStart(2, '0')}; ` +
      'it is damaged, or was written by a newer pgvault (upgrade pgvault).', label);
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const ct = sealed.subarray(1 + NONCE_BYTES);
  try {
    return sodium.crypto_aead_xchacha20poly1305_ietf_decrypt(null, ct, associatedData(format, ad), nonce, key);
  } catch (cause) {
    throw new IntegrityError(
      `object ${label} failed authentication: its bytes were modified, it was truncated or renamed, ` +
      'or it belongs to another repository. Do not trust it; restore from another snapshot or remove it and back up again.',
      label, { cause });
  }
}
