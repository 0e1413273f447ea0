/**
 * Storage statistics: logical bytes (what restores produce), unique plaintext bytes after
 * deduplication, stored bytes (compressed + encrypted), and what that costs per month.
 */
import { streamsOf, type Snapshot } from '../snapshot/manifest.js';
import { describeServer, hostSourceKey, sourceName } from '../snapshot/source.js';
import { Limiter } from './limiter.js';
import type { Repository } from './repository.js';

/** Backblaze B2's list price, US$ per TB-month (10^12 bytes). */
export const DEFAULT_PRICE_PER_TB_MONTH = 6.95;

export interface UsageFigures {
  snapshots: number;
  /** Sum of the dumps' sizes. */
  logicalBytes: number;
  /** Plaintext dump bytes of the distinct chunks they reference (at most logicalBytes). */
  uniqueBytes: number;
  /** Bytes stored for those chunks and for the snapshots' chunk lists. */
  storedBytes: number;
  chunks: number;
  dedupRatio: number;
  compressionRatio: number;
  monthlyCost: number;
}

export interface RepositoryStats {
  databases: (UsageFigures & { database: string; host: string; server?: string })[];
  total: UsageFigures;
  /** Every object in data/, referenced or not (what the bucket bills for data). */
  dataObjects: number;
  dataObjectBytes: number;
  pricePerTbMonth: number;
}

class Usage {
  snapshots = 0;
  logical = 0;
  readonly seen = new Set<string>();
  unique = 0;
  stored = 0;

  add(id: string, length: number, stored: number): void {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    this.unique += length;
    this.stored += stored;
  }

  figures(price: number): UsageFigures {
    return {
      snapshots: this.snapshots, logicalBytes: this.logical, uniqueBytes: this.unique, storedBytes: this.stored, chunks: this.seen.size,
      dedupRatio: this.unique ? this.logical / this.unique : 0,
      compressionRatio: this.stored ? this.unique / this.stored : 0,
      monthlyCost: (this.stored / 1e12) * price,
    };
  }
}

export async function repositoryStats(repo: Repository, snapshots: readonly Snapshot[], price = DEFAULT_PRICE_PER_TB_MONTH): Promise<RepositoryStats> {
  const stored = new Map<string, number>();
  const names: string[] = [];
  for await (const o of repo.store.list('index')) names.push(o.name);
  const lim = new Limiter(8);
  for (const n of names) {
    await lim.run(async () => { for (const e of await repo.chunks.readIndex(n)) stored.set(e.id, e.stored); });
  }
  await lim.drain();
  let dataObjects = 0;
  let dataObjectBytes = 0;
  for await (const o of repo.store.list('data')) { dataObjects++; dataObjectBytes += o.size; }

  const total = new Usage();
  const per = new Map<string, Usage & { database?: string; host?: string; server?: string }>();
  for (const s of snapshots) {
    // One row per source (configured name and server; database name for version 1 manifests).
    const key = hostSourceKey(s);
    let u = per.get(key);
    if (!u) { u = Object.assign(new Usage(), { database: sourceName(s), host: s.host, server: describeServer(s) }); per.set(key, u); }
    u.snapshots++; u.logical += s.dump.size;
    total.snapshots++; total.logical += s.dump.size;
    const account = (id: string, length: number): void => {
      const st = stored.get(id) ?? 0;
      u!.add(id, length, st);
      total.add(id, length, st);
    };
    // Chunk-list chunks are stored (stored bytes) but are not dump bytes: unique ≤ logical.
    for (const st of streamsOf(s)) {
      for (const r of st.list) account(r.id, 0);
      for await (const r of repo.refs(st.list)) account(r.id, r.length);
    }
  }
  return {
    databases: [...per.values()].map((u) => ({ database: u.database!, host: u.host!, ...(u.server ? { server: u.server } : {}), ...u.figures(price) })),
    total: total.figures(price),
    dataObjects, dataObjectBytes, pricePerTbMonth: price,
  };
}
