/**
 * The throwaway location `pgvault bench` writes to: never the repository's own keys. For a local
 * directory, a sibling directory `<repo>.pgvault-bench-<random>`; for S3/B2, a sibling prefix
 * `<parent>/pgvault-bench-<random>` (at the bucket root when the repository is). It must be empty
 * before the bench writes, and everything under it is deleted afterwards.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { openStore, parseLocation, type OpenStoreOptions } from '../store/open.js';
import { OBJECT_KINDS, type Store } from '../store/types.js';
import { Limiter } from '../repo/limiter.js';

export interface ScratchStore {
  location: string;
  store: Store;
  /** Delete every object written under the location (and, for a directory, the directory). Returns true when nothing is left. */
  remove(): Promise<boolean>;
}

/** The throwaway location next to `repoLocation`. */
export function scratchLocationFor(repoLocation: string, opts: OpenStoreOptions = {}, random = randomBytes(6).toString('hex')): string {
  const parsed = parseLocation(repoLocation, opts);
  const name = `pgvault-bench-${random}`;
  if (parsed.type === 'fs') {
    const p = parsed.path.replace(/\/+$/, '');
    return join(dirname(p), `${basename(p)}.${name}`);
  }
  const segments = parsed.prefix.split('/').filter((s) => s !== '');
  segments.pop();
  const prefix = [...segments, name].join('/');
  const trimmed = repoLocation.trim();
  if (trimmed.toLowerCase().startsWith('b2:')) return `b2:${parsed.bucket}/${prefix}`;
  return `s3:${parsed.endpoint.replace(/\/+$/, '')}/${parsed.bucket}/${prefix}`;
}

async function isEmpty(store: Store): Promise<boolean> {
  for (const kind of OBJECT_KINDS) {
    for await (const o of store.list(kind)) { void o; return false; }
  }
  return true;
}

export async function openScratchStore(repoLocation: string, opts: OpenStoreOptions = {}): Promise<ScratchStore> {
  const location = scratchLocationFor(repoLocation, opts);
  if (location === repoLocation) throw new UsageError(`internal safety check: the bench location would be the repository itself (${repoLocation})`);
  const store = await openStore(location, opts);
  if (!(await isEmpty(store))) {
    await store.close();
    throw new UsageError(`the bench's throwaway location ${location} is not empty; refusing to write there (remove it or run again: the name is random)`);
  }
  const parsed = parseLocation(location, opts);
  return {
    location,
    store,
    async remove(): Promise<boolean> {
      const lim = new Limiter(16);
      for (const kind of OBJECT_KINDS) {
        const names: string[] = [];
        for await (const o of store.list(kind)) names.push(o.name);
        for (const n of names) await lim.run(() => store.delete(kind, n));
      }
      await lim.drain();
      const empty = await isEmpty(store);
      await store.close();
      if (parsed.type === 'fs' && empty) await rm(parsed.path, { recursive: true, force: true });
      return empty;
    },
  };
}
