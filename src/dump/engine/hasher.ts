/**
 * SHA-256 of the whole script and of each table's COPY rows, computed off the main thread.
 *
 * Hashing the dump twice (script + table) costs as much CPU as everything else the engine does, so a worker
 * thread does it while the main thread keeps streaming (when the host has cores to spare). Bytes are copied to the worker (structured clone);
 * memory stays bounded: after MAX_INFLIGHT bytes the main thread waits for the worker to catch up (a ping that the
 * worker answers in order, i.e. after hashing everything sent before it). If a worker cannot be started, the
 * hashes are computed inline with the same results.
 */
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export interface DumpHasher {
  beginTable(): void;
  /** COPY row bytes of the current table: hashed into the table hash and the script hash. */
  tableBytes(b: Uint8Array): Promise<void>;
  /** Any other script bytes. */
  scriptBytes(b: Uint8Array): Promise<void>;
  /** Hex SHA-256 of the current table's rows. */
  endTable(): Promise<string>;
  /** Hex SHA-256 of all bytes. */
  endScript(): Promise<string>;
  close(): Promise<void>;
}

const MAX_INFLIGHT = 8 * 1024 * 1024;

class InlineHasher implements DumpHasher {
  private script: Hash = createHash('sha256');
  private table: Hash | undefined;
  beginTable(): void { this.table = createHash('sha256'); }
  async tableBytes(b: Uint8Array): Promise<void> { this.table!.update(b); this.script.update(b); }
  async scriptBytes(b: Uint8Array): Promise<void> { this.script.update(b); }
  async endTable(): Promise<string> { const h = this.table!.digest('hex'); this.table = undefined; return h; }
  async endScript(): Promise<string> { return this.script.digest('hex'); }
  async close(): Promise<void> { /* nothing */ }
}

// Plain CommonJS so it runs the same under tsx and compiled: k 0 = script bytes, 1 = table+script bytes,
// 2 = begin table, 3 = end table (reply digest), 4 = end script (reply digest), 5 = ping (reply).
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
let script = createHash('sha256');
let table = null;
parentPort.on('message', (m) => {
  switch (m.k) {
    case 0: script.update(m.b); break;
    case 1: table.update(m.b); script.update(m.b); break;
    case 2: table = createHash('sha256'); break;
    case 3: parentPort.postMessage({ id: m.id, hex: table.digest('hex') }); table = null; break;
    case 4: parentPort.postMessage({ id: m.id, hex: script.digest('hex') }); break;
    case 5: parentPort.postMessage({ id: m.id, hex: '' }); break;
  }
});
`;

class WorkerHasher implements DumpHasher {
  private inflight = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (hex: string) => void; reject: (e: unknown) => void }>();
  private failure: unknown = undefined;

  constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on('message', (m: { id: number; hex: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.hex);
    });
    const fail = (e: unknown): void => {
      this.failure ??= e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`hash worker exited (code ${code})`)));
  }

  private request(k: number): Promise<string> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<string>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ k, id });
    });
  }

  private async send(k: 0 | 1, b: Uint8Array): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    // Copy exactly these bytes and transfer the copy: structured-cloning a view would copy its whole
    // underlying ArrayBuffer (often a larger socket or pool buffer).
    const copy = new Uint8Array(b);
    this.worker.postMessage({ k, b: copy }, [copy.buffer]);
    this.inflight += b.length;
    if (this.inflight >= MAX_INFLIGHT) {
      await this.request(5);
      this.inflight = 0;
    }
  }

  beginTable(): void { this.worker.postMessage({ k: 2 }); }
  tableBytes(b: Uint8Array): Promise<void> { return this.send(1, b); }
  scriptBytes(b: Uint8Array): Promise<void> { return this.send(0, b); }
  async endTable(): Promise<string> { const h = await this.request(3); this.inflight = 0; return h; }
  async endScript(): Promise<string> { const h = await this.request(4); this.inflight = 0; return h; }
  async close(): Promise<void> { await this.worker.terminate(); }
}

/**
 * `inline` undefined = decide: a worker only pays off with a core to spare beyond the one streaming the dump and
 * the one running the server backend (on a 2-core host the extra copying makes it slower, measured).
 */
export function createHasher(opts: { inline?: boolean } = {}): DumpHasher {
  const inline = opts.inline ?? availableParallelism() < 3;
  if (!inline) {
    try {
      return new WorkerHasher(new Worker(WORKER_SOURCE, { eval: true, execArgv: [] }));
    } catch {
      // e.g. a runtime without worker threads: same hashes, computed inline.
    }
  }
  return new InlineHasher();
}
