/**
 * Argon2id in a short-lived worker thread. libsodium.js runs in WebAssembly, whose memory never
 * shrinks: deriving a key with a 64 MiB memlimit on the main thread would keep ~66 MiB of RSS for the
 * whole backup. In a worker, that memory is released when the worker exits (measured: RSS +66 MiB on
 * the main thread, +0 after the worker is gone).
 */
import { Worker } from 'node:worker_threads';

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

/** crypto_pwhash(ARGON2ID13) of `password`, computed in a worker thread. */
export function argon2id(bytes: number, password: string, salt: Uint8Array, opslimit: number, memlimit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { sodiumUrl, bytes, password, salt, opslimit, memlimit },
    });
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
