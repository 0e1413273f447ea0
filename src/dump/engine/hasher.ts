/**
 * The script's digest and each table's COPY rows SHA-256, computed inline or off the main thread.
 *
 * Two digests of the script (`digest`): `sha256`, the SHA-256 of the whole script (what `pgvault dump` reports,
 * comparable with `sha256sum`), which hashes every row byte twice (into the table's hash and into the script's);
 * and `segments`, the segment digest (./segments.ts) that backups record, which reuses the tables' hashes and so
 * hashes every byte once. Hashing is a large share of the engine's CPU, so a worker thread can do it while the
 * main thread keeps streaming (when the host has cores to spare). Bytes are copied to the worker (structured clone);
 * memory stays bounded: after MAX_INFLIGHT bytes the main thread waits for the worker to catch up (a ping that the
 * worker answers in order, i.e. after hashing everything sent before it). If a worker cannot be started, the
 * hashes are computed inline with the same results.
 */
import { createHash, type Hash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SegmentHasher } from './segments.js';
import { keepV8Flags } from '../../memory/v8-flags.js';

/** What `endScript` returns: the whole script's SHA-256, or its segment digest (docs/format.md "Segment digest"). */
export type ScriptDigestKind = 'sha256' | 'segments';

export interface DumpHasher {
  beginTable(): void;
  /** COPY row bytes of the current table: hashed into the table hash (and, for `sha256`, the script hash). */
  tableBytes(b: Uint8Array): Promise<void>;
  /** Any other script bytes. */
  scriptBytes(b: Uint8Array): Promise<void>;
  /** Hex SHA-256 of the current table's rows. */
  endTable(): Promise<string>;
  /** Hex digest of the script: SHA-256 of all bytes, or the segment digest. */
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

class InlineSegmentHasher implements DumpHasher {
  private readonly h = new SegmentHasher();
  beginTable(): void { this.h.beginTable(); }
  async tableBytes(b: Uint8Array): Promise<void> { this.h.tableBytes(b); }
  async scriptBytes(b: Uint8Array): Promise<void> { this.h.scriptBytes(b); }
  async endTable(): Promise<string> { return this.h.endTable(); }
  async endScript(): Promise<string> { return this.h.end(); }
  async close(): Promise<void> { /* nothing */ }
}

// Plain CommonJS so it runs the same under tsx and compiled: k 0 = script bytes, 1 = table bytes,
// 2 = begin table, 3 = end table (reply digest), 4 = end script (reply digest), 5 = ping (reply).
// workerData.segments: the segment digest, as SegmentHasher (./segments.ts) computes it; else the whole script's SHA-256.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const segments = workerData.segments === true;
let script = createHash('sha256');
let other = createHash('sha256');
let otherBytes = 0;
let table = null;
let tableBytes = 0;
function record(kind, length, digest) {
  const rec = Buffer.allocUnsafe(41);
  rec[0] = kind;
  rec.writeBigUInt64BE(BigInt(length), 1);
  rec.set(digest, 9);
  script.update(rec);
}
parentPort.on('message', (m) => {
  switch (m.k) {
    case 0:
      if (segments) { other.update(m.b); otherBytes += m.b.length; } else script.update(m.b);
      break;
    case 1:
      table.update(m.b); tableBytes += m.b.length;
      if (!segments) script.update(m.b);
      break;
    case 2:
      if (segments) record(0, otherBytes, other.digest());
      table = createHash('sha256'); tableBytes = 0;
      break;
    case 3: {
      const d = table.digest();
      if (segments) { record(1, tableBytes, d); other = createHash('sha256'); otherBytes = 0; }
      table = null;
      parentPort.postMessage({ id: m.id, hex: d.toString('hex') });
      break;
    }
    case 4:
      if (segments) record(0, otherBytes, other.digest());
      parentPort.postMessage({ id: m.id, hex: script.digest('hex') });
      break;
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
export function createHasher(opts: { inline?: boolean; digest?: ScriptDigestKind } = {}): DumpHasher {
  const segments = opts.digest === 'segments';
  const inline = opts.inline ?? availableParallelism() < 3;
  if (!inline) {
    try {
      return new WorkerHasher(keepV8Flags(new Worker(WORKER_SOURCE, { eval: true, execArgv: [], workerData: { segments } })));
    } catch {
      // e.g. a runtime without worker threads: same hashes, computed inline.
    }
  }
  return segments ? new InlineSegmentHasher() : new InlineHasher();
}
