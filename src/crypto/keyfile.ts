/**
 * Key files: the master key wrapped with a key derived from a password.
 *
 * A repository may hold several key files (several passwords, one per operator or machine); each
 * wraps the same master key. A key file is UTF-8 JSON (it must be readable before unlocking):
 *
 *   { "format": "pgvault-key", "version": 1,
 *     "kdf": { "name": "argon2id13", "opslimit": 3, "memlimit": 19922944, "salt": "<base64, 16 bytes>" },
 *     "meta": { "host": "...", "username": "...", "created": "<ISO 8601>" },
 *     "sealed": "<base64 of seal(kek, encryption key ‖ chunk-ID key, KEYFILE_AD)>" }
 *
 * kek = crypto_pwhash(32, password, salt, opslimit, memlimit, Argon2id v1.3). The associated data
 * binds the version, KDF parameters and meta (see `keyFileAd`), so editing any of them makes the
 * file fail to open. kdf.ts picks the implementation (Node.js's native Argon2id where it exists, else
 * libsodium.js); with the defaults an unlock costs about 0.15 s of CPU on this project's 2-core machines.
 */
import { IntegrityError, WrongPasswordError } from '../errors.js';
import { AEAD_FORMAT_XCHACHA20POLY1305, open, SEAL_OVERHEAD, seal } from './aead.js';
import { KEY_BYTES, type MasterKey } from './keys.js';
import { sodium } from './sodium.js';
import { argon2id, defaultArgon2Implementation } from './kdf.js';

export const KEY_FILE_FORMAT = 'pgvault-key';
export const KEY_FILE_VERSION = 1;
export const KDF_NAME = 'argon2id13';
export const SALT_BYTES = 16;

export interface KdfParams {
  /** Argon2id passes (libsodium opslimit). */
  opslimit: number;
  /** Argon2id memory in bytes (libsodium memlimit). */
  memlimit: number;
}

/**
 * What `init` and `key add` write: Argon2id with 3 passes over 19 MiB (19 456 KiB), above OWASP's minimum
 * (2 passes over 19 MiB); the measurements and the argument are in docs/format.md ("Key derivation cost").
 */
export const DEFAULT_KDF_PARAMS: Readonly<KdfParams> = Object.freeze({ opslimit: 3, memlimit: 19 * 1024 * 1024 });

/**
 * The most expensive parameters a pgvault release has written (0.1.0: 3 passes, 64 MiB): readers try key
 * files up to this cost without --allow-expensive-kdf, so every repository made by pgvault opens.
 */
export const MAX_KDF_PARAMS: Readonly<KdfParams> = Object.freeze({ opslimit: 3, memlimit: 64 * 1024 * 1024 });

/** Bounds accepted when reading a key file, so a hostile file cannot make unlock run for hours. */
const OPSLIMIT_RANGE = [1, 64] as const;
const MEMLIMIT_RANGE = [8192, 2 * 1024 * 1024 * 1024] as const;

export interface KeyFileMeta {
  host: string;
  username: string;
  /** ISO 8601 creation time. */
  created: string;
}

interface KeyFileJson {
  format: typeof KEY_FILE_FORMAT;
  version: number;
  kdf: { name: typeof KDF_NAME; opslimit: number; memlimit: number; salt: string };
  meta: KeyFileMeta;
  sealed: string;
}

function keyFileAd(kdf: KeyFileJson['kdf'], meta: KeyFileMeta): string {
  // Fixed field order: the reader rebuilds exactly this string from the parsed fields.
  return 'pgvault-key/' + JSON.stringify({
    version: KEY_FILE_VERSION,
    kdf: { name: kdf.name, opslimit: kdf.opslimit, memlimit: kdf.memlimit, salt: kdf.salt },
    meta: { host: meta.host, username: meta.username, created: meta.created },
  });
}

function checkKdf(p: KdfParams, what: string): void {
  const ok = (v: number, [lo, hi]: readonly [number, number]) => Number.isSafeInteger(v) && v >= lo && v <= hi;
  if (!ok(p.opslimit, OPSLIMIT_RANGE) || !ok(p.memlimit, MEMLIMIT_RANGE)) {
    throw new RangeError(`${what}: Argon2id parameters out of range (opslimit ${p.opslimit} not in ` +
      `${OPSLIMIT_RANGE.join('..')}, or memlimit ${p.memlimit} not in ${MEMLIMIT_RANGE.join('..')} bytes)`);
  }
}

/**
 * Argon2id by the cheapest implementation this Node.js has for `p` (kdf.ts); with `offThread`, never
 * libsodium on this thread, whose WebAssembly memory would keep the `memlimit` until the process exits.
 */
function deriveKek(password: string, salt: Uint8Array, p: KdfParams, offThread = false): Promise<Uint8Array> {
  return argon2id(KEY_BYTES, password, salt, p.opslimit, p.memlimit, defaultArgon2Implementation(p.memlimit, { offThread }));
}

const b64 = (bytes: Uint8Array): string => sodium.to_base64(bytes, sodium.base64_variants.ORIGINAL);

/**
 * Create a key file wrapping `master` with `password`. `kdf` overrides the default Argon2id
 * parameters (tests pass cheap ones). Returns the file's bytes (UTF-8 JSON).
 */
export async function createKeyFile(master: MasterKey, password: string, meta: KeyFileMeta,
  kdf?: Partial<KdfParams>): Promise<Uint8Array> {
  if (master.encryption.length !== KEY_BYTES || master.chunkId.length !== KEY_BYTES) {
    throw new RangeError(`master key parts must be ${KEY_BYTES} bytes each`);
  }
  if (password.length === 0) throw new RangeError('refusing to create a key file with an empty password');
  const params: KdfParams = { ...DEFAULT_KDF_PARAMS, ...kdf };
  checkKdf(params, 'createKeyFile');
  const salt = sodium.randombytes_buf(SALT_BYTES);
  const kdfJson: KeyFileJson['kdf'] = { name: KDF_NAME, opslimit: params.opslimit, memlimit: params.memlimit, salt: b64(salt) };
  const cleanMeta: KeyFileMeta = { host: meta.host, username: meta.username, created: meta.created };
  const kek = await deriveKek(password, salt, params);
  const secret = new Uint8Array(2 * KEY_BYTES);
  secret.set(master.encryption, 0);
  secret.set(master.chunkId, KEY_BYTES);
  const sealed = seal(kek, secret, keyFileAd(kdfJson, cleanMeta));
  sodium.memzero(secret);
  sodium.memzero(kek);
  const file: KeyFileJson = { format: KEY_FILE_FORMAT, version: KEY_FILE_VERSION, kdf: kdfJson, meta: cleanMeta, sealed: b64(sealed) };
  return new TextEncoder().encode(JSON.stringify(file, null, 2) + '\n');
}

/** Parse and validate the readable part of a key file; throws IntegrityError naming `label`. */
export function parseKeyFile(bytes: Uint8Array, label: string): { kdf: KeyFileJson['kdf']; meta: KeyFileMeta; sealed: Uint8Array; salt: Uint8Array } {
  const bad = (why: string, cause?: unknown): IntegrityError => new IntegrityError(
    `key file ${label} is not a valid pgvault key file (${why}); it is damaged or not a key file. ` +
    'Unlock with another key file, or restore this one from a copy.', label, { cause });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (cause) {
    throw bad('not UTF-8 JSON', cause);
  }
  if (!isRecord(json)) throw bad('not a JSON object');
  if (json.format !== KEY_FILE_FORMAT) throw bad(`"format" is ${JSON.stringify(json.format)}, expected "${KEY_FILE_FORMAT}"`);
  if (json.version !== KEY_FILE_VERSION) {
    throw new IntegrityError(`key file ${label} has version ${JSON.stringify(json.version)}; this pgvault reads version ` +
      `${KEY_FILE_VERSION}. It was written by another pgvault release: upgrade pgvault.`, label);
  }
  const kdf = json.kdf;
  const meta = json.meta;
  if (!isRecord(kdf) || kdf.name !== KDF_NAME) throw bad(`"kdf.name" must be "${KDF_NAME}"`);
  if (typeof kdf.opslimit !== 'number' || typeof kdf.memlimit !== 'number' || typeof kdf.salt !== 'string') {
    throw bad('"kdf" needs numeric opslimit/memlimit and a base64 salt');
  }
  try {
    checkKdf({ opslimit: kdf.opslimit, memlimit: kdf.memlimit }, 'kdf');
  } catch (cause) {
    throw bad((cause as Error).message, cause);
  }
  if (!isRecord(meta) || typeof meta.host !== 'string' || typeof meta.username !== 'string' || typeof meta.created !== 'string') {
    throw bad('"meta" needs string host, username and created');
  }
  if (typeof json.sealed !== 'string') throw bad('"sealed" must be a base64 string');
  let salt: Uint8Array;
  let sealed: Uint8Array;
  try {
    salt = sodium.from_base64(kdf.salt, sodium.base64_variants.ORIGINAL);
    sealed = sodium.from_base64(json.sealed, sodium.base64_variants.ORIGINAL);
  } catch (cause) {
    throw bad('invalid base64', cause);
  }
  if (salt.length !== SALT_BYTES) throw bad(`salt is ${salt.length} bytes, expected ${SALT_BYTES}`);
  if (sealed.length !== SEAL_OVERHEAD + 2 * KEY_BYTES) {
    throw bad(`sealed key is ${sealed.length} bytes, expected ${SEAL_OVERHEAD + 2 * KEY_BYTES}`);
  }
  if (sealed[0] !== AEAD_FORMAT_XCHACHA20POLY1305) throw bad(`unknown encryption format byte ${sealed[0]}`);
  return {
    kdf: { name: KDF_NAME, opslimit: kdf.opslimit, memlimit: kdf.memlimit, salt: kdf.salt },
    meta: { host: meta.host, username: meta.username, created: meta.created },
    sealed, salt,
  };
}

/**
 * Unlock a key file with `password`. Throws WrongPasswordError if the password does not open it
 * (or the file's authenticated fields were edited: the two cannot be told apart), and
 * IntegrityError naming `label` if the file is malformed or of an unknown version. `opts.offThread`: see
 * OpenOptions.unlockOffThread (src/repo/repository.ts).
 */
export async function openKeyFile(bytes: Uint8Array, password: string, label: string, opts: { offThread?: boolean } = {}): Promise<MasterKey> {
  const parsed = parseKeyFile(bytes, label);
  const kek = await deriveKek(password, parsed.salt, parsed.kdf, opts.offThread);
  let secret: Uint8Array;
  try {
    secret = open(kek, parsed.sealed, keyFileAd(parsed.kdf, parsed.meta), label);
  } catch {
    // The layout was checked by parseKeyFile, so a failure here is authentication: wrong password.
    throw new WrongPasswordError(`wrong password for key file ${label} (or the key file was edited). ` +
      'Check PGVAULT_PASSWORD / --password-file / --password-command.');
  } finally {
    sodium.memzero(kek);
  }
  if (secret.length !== 2 * KEY_BYTES) {
    throw new IntegrityError(`key file ${label} holds ${secret.length} key bytes, expected ${2 * KEY_BYTES}; it is damaged.`, label);
  }
  return { encryption: secret.slice(0, KEY_BYTES), chunkId: secret.slice(KEY_BYTES) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
