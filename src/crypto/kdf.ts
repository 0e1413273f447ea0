/**
 * Argon2id (v1.3, one lane), as libsodium's crypto_pwhash(ARGON2ID13) computes it, by the cheapest
 * implementation this Node.js has (docs/benchmarks.md, "Start-up"):
 *
 * - `native`: Node.js ≥ 24.7's `crypto.argon2` (OpenSSL), on the libuv pool. Its memory is freed when it
 *   returns. Byte for byte libsodium's result (test/crypto/kdf.test.ts compares them).
 * - `wasm`: libsodium.js on this thread. The process loads libsodium anyway (it seals and hashes), so this
 *   costs only the hashing, but WebAssembly memory never shrinks: the `memlimit` stays in this process's RSS
 *   until it exits. Used up to WASM_THREAD_MEMLIMIT (what `init` writes today is below it).
 * - `worker`: libsodium.js in a short-lived worker thread, for larger `memlimit`s (key files of pgvault
 *   0.1.0: 64 MiB): the memory goes when the worker exits, at the price of a second libsodium
 *   and a V8 isolate (~0.1–0.2 s of CPU, ~20 MiB while it runs).
 */
import * as crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { keepV8Flags } from '../memory/v8-flags.js';

export type Argon2Implementation = 'native' | 'wasm' | 'worker';

/** libsodium's crypto_pwhash_SALTBYTES. */
const SALT_BYTES = 16;

/** Largest `memlimit` derived with libsodium on this thread (its WebAssembly memory keeps that much). */
export const WASM_THREAD_MEMLIMIT = 20 * 1024 * 1024;

interface NativeArgon2Params {
  message: Uint8Array;
  nonce: Uint8Array;
  parallelism: number;
  tagLength: number;
  memory: number;
  passes: number;
}
type NativeArgon2 = (algorithm: 'argon2id', params: NativeArgon2Params, callback: (err: Error | null, key: Buffer) => void) => void;

/** Node.js ≥ 24.7 (OpenSSL 3.2+): crypto.argon2; undefined before. */
const nativeArgon2 = (crypto as unknown as { argon2?: NativeArgon2 }).argon2;

/** The implementations this Node.js offers for a given memlimit, best first. */
export function argon2Implementations(): Argon2Implementation[] {
  return nativeArgon2 ? ['native', 'wasm', 'worker'] : ['wasm', 'worker'];
}

/**
 * The implementation argon2id() uses by default for `memlimit` bytes. `offThread`: never libsodium on this
 * thread (its memory would stay in the process until it exits), for long commands whose peak RSS matters.
 */
export function defaultArgon2Implementation(memlimit: number, opts: { offThread?: boolean } = {}): Argon2Implementation {
  if (nativeArgon2) return 'native';
  return memlimit <= WASM_THREAD_MEMLIMIT && opts.offThread !== true ? 'wasm' : 'worker';
}

/**
 * crypto_pwhash(bytes, password, salt, opslimit, memlimit, ARGON2ID13): `opslimit` passes over
 * floor(memlimit / 1024) KiB, one lane, the password as UTF-8.
 */
export async function argon2id(bytes: number, password: string, salt: Uint8Array, opslimit: number, memlimit: number,
  implementation: Argon2Implementation = defaultArgon2Implementation(memlimit)): Promise<Uint8Array> {
  // libsodium's limits, checked here so that every implementation refuses the same inputs.
  if (salt.length !== SALT_BYTES || !(bytes >= 16) || !(opslimit >= 1) || !(memlimit >= 8192)) {
    throw new Error(`key derivation failed: invalid Argon2id input (salt ${salt.length} bytes, expected ${SALT_BYTES}; ` +
      `${bytes} output bytes, at least 16; opslimit ${opslimit}, at least 1; memlimit ${memlimit}, at least 8192)`);
  }
  switch (implementation) {
    case 'native': return nativeDerive(bytes, password, salt, opslimit, memlimit);
    case 'wasm': {
      const { sodium } = await import('./sodium.js');
      return sodium.crypto_pwhash(bytes, password, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
    }
    case 'worker': return workerDerive(bytes, password, salt, opslimit, memlimit);
  }
}

function nativeDerive(bytes: number, password: string, salt: Uint8Array, opslimit: number, memlimit: number): Promise<Uint8Array> {
  if (!nativeArgon2) return Promise.reject(new Error('this Node.js has no crypto.argon2 (it needs Node.js 24.7 or later)'));
  const argon2 = nativeArgon2;
  return new Promise((resolve, reject) => {
    const message = Buffer.from(password, 'utf8');
    argon2('argon2id', { message, nonce: salt, parallelism: 1, tagLength: bytes, memory: Math.floor(memlimit / 1024), passes: opslimit }, (err, key) => {
      message.fill(0);
      if (err) reject(new Error(`key derivation failed: ${err.message}`, { cause: err }));
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.length));
    });
  });
}

const sodiumUrl = import.meta.resolve('libsodium-wrappers-sumo');

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
import(workerData.sodiumUrl).then(async (m) => {
  const sodium = m.default ?? m;
  await sodium.ready;
  const { bytes, password, salt, opslimit, memlimit } = workerData;
  const key = sodium.crypto_pwhash(bytes, password, salt, opslimit, memlimit, sodium.crypto_pwhash_ALG_ARGON2ID13);
  parentPort.postMessage(key, [key.buffer]);
}).catch((e) => { parentPort.postMessage({ error: String(e && e.message || e) }); });
`;

/** libsodium in a worker thread that is terminated as soon as the key arrives (its memory goes with it). */
function workerDerive(bytes: number, password: string, salt: Uint8Array, opslimit: number, memlimit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    // Starting it resets V8's flags (heap growth, young-generation ceiling): set again when it is online and gone.
    const worker = keepV8Flags(new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sodiumUrl, bytes, password, salt, opslimit, memlimit },
    }));
    let settled = false;
    worker.once('message', (m: Uint8Array | { error: string }) => {
      settled = true;
      void worker.terminate();
      if (m instanceof Uint8Array) resolve(m);
      else reject(new Error(`key derivation failed: ${m.error}`));
    });
    worker.once('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.once('exit', (code) => { if (!settled) { settled = true; reject(new Error(`key derivation worker exited (code ${code})`)); } });
  });
}
