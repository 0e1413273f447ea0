/**
 * Optional worker-thread pool for packChunk (hash + compress + seal), to take libsodium's work off
 * the main thread. Works under tsx (workers inherit `--import tsx` through execArgv) and from
 * compiled JavaScript (the worker file is picked by this module's own extension).
 *
 * Whether it pays off depends on the machine: see docs/chunking-and-crypto.md for the numbers.
 */
import { Worker } from 'node:worker_threads';
import { ExitCode, PgvaultError } from '../errors.js';
import { keepV8Flags } from '../memory/v8-flags.js';
import { LEGACY_CHUNK_ID_SCHEME, type ChunkIdScheme } from './chunk-id.js';
import type { MasterKey } from './keys.js';
import type { PackedChunk } from './pack.js';

export interface PackPool {
  readonly size: number;
  /** packChunk in a worker. `plain` is copied (not transferred): the caller keeps it. */
  pack(plain: Uint8Array): Promise<PackedChunk>;
  /** Wait for jobs in flight, then stop the workers. Further pack() calls reject. */
  close(): Promise<void>;
}

type Reply = { seq: number; id: string; body: Uint8Array } | { seq: number; error: string };

interface Pending { resolve(p: PackedChunk): void; reject(e: Error): void }

interface Slot { worker: Worker; pending: Map<number, Pending> }

/** A bug or a crashed worker: not the operator's fault (exit code INTERNAL). */
function internal(message: string, cause?: unknown): PgvaultError {
  return new PgvaultError('INTERNAL', ExitCode.INTERNAL, message, { cause });
}

const underTsx = import.meta.url.endsWith('.ts');
const workerUrl = new URL(underTsx ? './pool-worker.ts' : './pool-worker.js', import.meta.url);
/**
 * The worker's entry: a tiny script that imports the worker module. Running from TypeScript source
 * (tests, `npx tsx`), tsx's loader hooks are not active in worker threads on Node 20, so the script
 * registers them first (tsx is a dev dependency; compiled JS never takes this branch).
 */
const bootstrap = underTsx
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
    `.then((t) => { t.register(); return import(${JSON.stringify(workerUrl.href)}); })`
  : `import(${JSON.stringify(workerUrl.href)})`;

export function createPackPool(keys: MasterKey, size: number, scheme: ChunkIdScheme = LEGACY_CHUNK_ID_SCHEME): PackPool {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`pack pool size must be a positive integer, got ${size}`);
  let seq = 0;
  let closed = false;
  let broken: Error | undefined;

  const slots: Slot[] = Array.from({ length: size }, () => {
    const slot: Slot = {
      worker: keepV8Flags(new Worker(bootstrap, {
        eval: true,
        workerData: { keys: { encryption: keys.encryption, chunkId: keys.chunkId }, scheme },
      })),
      pending: new Map(),
    };
    slot.worker.on('message', (r: Reply) => {
      const p = slot.pending.get(r.seq);
      if (!p) return;
      slot.pending.delete(r.seq);
      if ('error' in r) p.reject(internal(`pack worker failed: ${r.error}`));
      else p.resolve({ id: r.id, body: r.body, storedBytes: r.body.length });
    });
    const fail = (e: Error): void => {
      broken ??= e;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    slot.worker.on('error', (e) => fail(internal(`pack worker crashed: ${e.message}`, e)));
    slot.worker.on('exit', (code) => { if (!closed) fail(internal(`pack worker exited unexpectedly (code ${code})`)); });
    return slot;
  });

  return {
    size,
    pack(plain: Uint8Array): Promise<PackedChunk> {
      if (closed) return Promise.reject(internal('pack pool used after close()'));
      if (broken) return Promise.reject(broken);
      let slot = slots[0]!;
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
      const n = seq++;
      return new Promise<PackedChunk>((resolve, reject) => {
        slot.pending.set(n, { resolve, reject });
        // postMessage clones a view's whole ArrayBuffer: send a view of a larger buffer as a copy.
        const whole = plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength;
        slot.worker.postMessage({ seq: n, plain: whole ? plain : plain.slice() });
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      const inFlight = slots.flatMap((s) => [...s.pending.values()].map((p) =>
        new Promise<void>((done) => {
          const { resolve, reject } = p;
          p.resolve = (v) => { resolve(v); done(); };
          p.reject = (e) => { reject(e); done(); };
        })));
      await Promise.all(inFlight);
      closed = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
