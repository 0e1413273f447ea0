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
 *
 * Implementation: XChaCha20-Poly1305 is ChaCha20-Poly1305-IETF under a subkey. The subkey is
 * HChaCha20(key, nonce[0..16]) (libsodium's `crypto_core_hchacha20`, a few hundred nanoseconds in
 * WebAssembly); the bulk of the work, ChaCha20-Poly1305 with the 12-byte nonce
 * 0x00000000 || nonce[16..24], runs in Node's native OpenSSL (`chacha20-poly1305`), 2–5× faster than
 * libsodium's WebAssembly build. The bytes are exactly libsodium's
 * `crypto_aead_xchacha20poly1305_ietf_*` (test/crypto/aead.test.ts checks that against libsodium on
 * random keys, nonces, associated data and lengths), so objects written before and after this change
 * open with either implementation: no format change.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import { freeNow } from '../memory/free-now.js';
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

/** ChaCha20-Poly1305-IETF key and 12-byte nonce equivalent to XChaCha20-Poly1305 with `key`, `nonce` (24 bytes). */
function ietfKeyNonce(key: Uint8Array, nonce: Uint8Array): { subkey: Uint8Array; iv: Uint8Array } {
  const subkey = sodium.crypto_core_hchacha20(nonce.subarray(0, 16), key, null);
  const iv = new Uint8Array(12);
  iv.set(nonce.subarray(16, 24), 4);
  return { subkey, iv };
}

/**
 * The cipher is fed at most this many bytes at a time. Node's cipher returns a new buffer per call, as long as its
 * input: in steps of one size, those buffers (freed as soon as they are copied) reuse each other's memory, where one
 * output as long as the object would be a fresh allocation of every object's own size (docs/benchmarks.md,
 * "Eleventh pass").
 */
export const SEAL_STEP_BYTES = 256 * 1024;

/**
 * XChaCha20-Poly1305-IETF encryption of the concatenation of `parts` into `out` at `at` (ciphertext then tag), byte
 * for byte what libsodium's crypto_aead_xchacha20poly1305_ietf_encrypt returns for that concatenation.
 */
export function xchachaEncryptInto(out: Uint8Array, at: number, key: Uint8Array, nonce: Uint8Array, ad: Uint8Array,
  parts: Uint8Array | readonly Uint8Array[]): void {
  const list = parts instanceof Uint8Array ? [parts] : parts;
  let total = 0;
  for (const part of list) total += part.length;
  const { subkey, iv } = ietfKeyNonce(key, nonce);
  const cipher = createCipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_BYTES });
  subkey.fill(0);
  cipher.setAAD(ad, { plaintextLength: total });
  let p = at;
  const put = (chunk: Uint8Array): void => {
    out.set(chunk, p);
    p += chunk.length;
    freeNow(chunk); // the cipher's own output, copied into `out`
  };
  for (const part of list) {
    for (let from = 0; from < part.length; from += SEAL_STEP_BYTES) {
      put(cipher.update(part.subarray(from, Math.min(part.length, from + SEAL_STEP_BYTES))));
    }
  }
  put(cipher.final());
  put(cipher.getAuthTag());
  if (p !== at + total + TAG_BYTES) throw new Error(`internal error: sealed ${p - at} bytes of ${total} + ${TAG_BYTES}`);
}

/** The inverse of {@link xchachaEncryptInto}; throws (OpenSSL's error) if the tag does not verify. */
export function xchachaDecrypt(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, ctAndTag: Uint8Array): Uint8Array {
  const { subkey, iv } = ietfKeyNonce(key, nonce);
  const ctLength = ctAndTag.length - TAG_BYTES;
  const decipher = createDecipheriv('chacha20-poly1305', subkey, iv, { authTagLength: TAG_BYTES });
  subkey.fill(0);
  decipher.setAuthTag(ctAndTag.subarray(ctLength));
  decipher.setAAD(ad, { plaintextLength: ctLength });
  const body = decipher.update(ctAndTag.subarray(0, ctLength));
  const tail = decipher.final(); // throws "Unsupported state or unable to authenticate data"
  if (tail.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length);
  const out = new Uint8Array(body.length + tail.length);
  out.set(body);
  out.set(tail, body.length);
  return out;
}

function checkKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES) throw new RangeError(`encryption key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

/**
 * Encrypt and authenticate `plain` (or the concatenation of its parts, which are not copied together first), bound to
 * `ad`. Returns a new buffer, the only one of the object's size this allocates.
 */
export function seal(key: Uint8Array, plain: Uint8Array | readonly Uint8Array[], ad: string): Uint8Array {
  checkKey(key);
  let length = 0;
  for (const part of plain instanceof Uint8Array ? [plain] : plain) length += part.length;
  const out = new Uint8Array(SEAL_OVERHEAD + length);
  out[0] = AEAD_FORMAT_XCHACHA20POLY1305;
  const nonce = out.subarray(1, 1 + NONCE_BYTES);
  randomFillSync(nonce);
  xchachaEncryptInto(out, 1 + NONCE_BYTES, key, nonce, associatedData(AEAD_FORMAT_XCHACHA20POLY1305, ad), plain);
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
    return xchachaDecrypt(key, nonce, associatedData(format, ad), ct);
  } catch (cause) {
    throw new IntegrityError(
      `object ${label} failed authentication: its bytes were modified, it was truncated or renamed, ` +
      'or it belongs to another repository. Do not trust it; restore from another snapshot or remove it and back up again.',
      label, { cause });
  }
}
