/**
 * Worker-thread side of the pack pool (pool.ts): hashes, compresses and seals chunks it receives.
 * Messages in: { seq, plain }; out: { seq, id, body } or { seq, error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { ChunkIdScheme } from './chunk-id.js';
import type { MasterKey } from './keys.js';
import { packChunk } from './pack.js';

interface Job { seq: number; plain: Uint8Array }

const port = parentPort;
if (!port) throw new Error('pool-worker.ts must run in a worker thread');
const { keys, scheme } = workerData as { keys: MasterKey; scheme: ChunkIdScheme };

port.on('message', (job: Job) => {
  packChunk(keys, job.plain, scheme).then(
    (p) => port.postMessage({ seq: job.seq, id: p.id, body: p.body }, [p.body.buffer as ArrayBuffer]),
    (e: unknown) => port.postMessage({ seq: job.seq, error: e instanceof Error ? e.message : String(e) }),
  );
});
