/** Helpers for the maintenance tests: synthetic snapshots, a store wrapper that fails or slows on demand. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Repository } from '../../src/repo/repository.js';
import { MANIFEST_VERSION, type SnapshotManifest } from '../../src/snapshot/manifest.js';
import { saveSnapshot } from '../../src/snapshot/snapshots.js';
import { formatTime } from '../../src/snapshot/time.js';
import type { ListOptions, ObjectInfo, ObjectKind, Store } from '../../src/store/types.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { bytes, collect } from '../repo/helpers.js';

/** Save `data` as a stream and write a minimal snapshot manifest for it; returns the snapshot id. */
export async function synthSnapshot(repo: Repository, data: Uint8Array, database = 'app', pieceSize = 8192): Promise<string> {
  const started = new Date();
  const w = repo.writer();
  for (let i = 0; i < data.length; i += pieceSize) await w.write(data.subarray(i, i + pieceSize));
  const saved = await w.finish();
  const manifest: SnapshotManifest = {
    version: MANIFEST_VERSION, time: formatTime(started), host: 'test-host', tags: [], database, source: 'synthetic',
    server: { version: '17.0', versionNum: 170000 }, pgvaultVersion: 'test',
    dump: { size: saved.size, sha256: saved.sha256!, chunks: saved.chunks, list: saved.list, options: {} },
    parts: [], added: saved.added, startedAt: started.toISOString(), finishedAt: new Date().toISOString(), durationMs: 0,
  };
  return saveSnapshot(repo, manifest);
}

/** Every chunk id a stream of the snapshot references (list chunks and data chunks). */
export async function referencedBy(repo: Repository, snapshotId: string): Promise<Set<string>> {
  const { loadSnapshot } = await import('../../src/snapshot/snapshots.js');
  const s = await loadSnapshot(repo, snapshotId);
  const out = new Set(s.dump.list.map((r) => r.id));
  for await (const r of repo.refs(s.dump.list)) out.add(r.id);
  return out;
}

export async function restoreBytes(repo: Repository, snapshotId: string): Promise<Buffer> {
  const { loadSnapshot } = await import('../../src/snapshot/snapshots.js');
  const s = await loadSnapshot(repo, snapshotId);
  const out = await collect(repo.readStream(s.dump.list));
  if (createHash('sha256').update(out).digest('hex') !== s.dump.sha256) throw new Error('restored bytes do not match the manifest hash');
  return out;
}

export async function names(store: Store, kind: ObjectKind): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const o of store.list(kind)) out.add(o.name);
  return out;
}

export function dataPath(repoDir: string, id: string): string {
  return join(repoDir, 'data', id.slice(0, 2), id);
}

/** Flip one byte of a stored object file (in the middle, i.e. in the ciphertext). */
export function flipByte(path: string): void {
  const b = readFileSync(path);
  const at = Math.floor(b.length / 2);
  b[at] = b[at]! ^ 0x5a;
  writeFileSync(path, b);
}

/** Make every data object of a local repository look `ageMs` old (as if uploaded long ago). */
export function backdateData(repoDir: string, ageMs: number): void {
  const t = new Date(Date.now() - ageMs);
  const top = join(repoDir, 'data');
  for (const sub of readdirSync(top)) for (const f of readdirSync(join(top, sub))) utimesSync(join(top, sub, f), t, t);
}

/** Distinct content for tests: `n` bytes of seeded pseudo-random text. */
export function content(n: number, seed: number): Uint8Array {
  return bytes(n, seed, true);
}

export interface Faults {
  /** Fail deletes of this kind after `after` successful ones. */
  failDelete?: { kind: ObjectKind; after: number };
  /** Fail every delete (a key without delete rights). */
  denyDelete?: boolean;
  /** Delay each data put by this many ms (a slow upload). */
  putDelayMs?: number;
  /** Hold data puts after `after` of them until `open` resolves; `reached()` is called once when that happens. */
  putGate?: { after: number; open: Promise<void>; reached: () => void };
}

/** A Store wrapper that injects failures and delays; everything else goes to the inner store. */
export class FaultyStore implements Store {
  readonly inner: Store;
  faults: Faults;
  deletes = 0;
  dataPuts = 0;
  constructor(inner: Store, faults: Faults = {}) {
    this.inner = inner;
    this.faults = faults;
  }
  get location(): string { return this.inner.location; }
  async put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> {
    if (kind === 'data' && this.faults.putDelayMs) await new Promise((r) => setTimeout(r, this.faults.putDelayMs));
    const gate = this.faults.putGate;
    if (kind === 'data' && gate) {
      if (this.dataPuts === gate.after) gate.reached();
      this.dataPuts++;
      if (this.dataPuts > gate.after) await gate.open;
    }
    return this.inner.put(kind, name, body);
  }
  get(kind: ObjectKind, name: string): Promise<Uint8Array> { return this.inner.get(kind, name); }
  stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null> { return this.inner.stat(kind, name); }
  list(kind: ObjectKind, opts?: ListOptions): AsyncIterable<ObjectInfo> { return this.inner.list(kind, opts); }
  async delete(kind: ObjectKind, name: string): Promise<void> {
    if (this.faults.denyDelete) throw new StoreUnavailableError(`access denied deleting ${kind}/${name} (this key has no deleteFiles capability)`);
    const f = this.faults.failDelete;
    if (f && f.kind === kind) {
      if (this.deletes >= f.after) throw new StoreUnavailableError(`injected failure deleting ${kind}/${name}`);
      this.deletes++;
    }
    return this.inner.delete(kind, name);
  }
  close(): Promise<void> { return this.inner.close(); }
}
