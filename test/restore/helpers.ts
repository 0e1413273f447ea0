/** Synthetic snapshots for restore tests that need no PostgreSQL: a script of chosen bytes and a manifest. */
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import type { Store } from '../../src/store/types.js';
import { Repository } from '../../src/repo/repository.js';
import { loadSnapshot, saveSnapshot } from '../../src/snapshot/snapshots.js';
import { MANIFEST_VERSION, type PartRecord, type Snapshot } from '../../src/snapshot/manifest.js';
import { TEST_CHUNKER, TEST_KDF } from '../repo/helpers.js';

export const PASSWORD = 'restore test password';

export async function fsRepo(dir: string, wrap: (s: Store) => Store = (s) => s): Promise<Repository> {
  return Repository.init(wrap(new FsStore(join(dir, 'repo'), { fsync: false })), PASSWORD, { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: null });
}

export interface FakeSnapshot {
  database: string;
  time: string;
  host?: string;
  script: string | Uint8Array;
  parts?: PartRecord[];
}

export async function addSnapshot(repo: Repository, f: FakeSnapshot): Promise<Snapshot> {
  const w = repo.writer();
  await w.write(typeof f.script === 'string' ? Buffer.from(f.script, 'utf8') : f.script);
  const saved = await w.finish();
  const now = new Date().toISOString();
  const id = await saveSnapshot(repo, {
    version: MANIFEST_VERSION, time: f.time, host: f.host ?? 'h1', tags: [], database: f.database, source: `test/${f.database}`,
    server: { version: '15', versionNum: 150000 }, pgvaultVersion: 'test',
    dump: { size: saved.size, sha256: saved.sha256!, chunks: saved.chunks, list: saved.list, options: {} },
    parts: f.parts ?? [], added: saved.added, startedAt: now, finishedAt: now, durationMs: 0,
  });
  return loadSnapshot(repo, id);
}
