/**
 * Backups record the script's segment digest (`dump.segments`, docs/format.md "Segment digest") instead of the whole
 * script's SHA-256 (PostgreSQL 15): it equals the digest recomputed from the restored script and the part records
 * (empty tables included), its row segments are the tables' recorded hashes, and a restore of the snapshot detects a
 * chunk swapped, dropped or repeated in its chunk list, or one row byte changed, in a manifest sealed like a real one.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { assertEveryRestoreFails, listOf, restoredScript, segmentsOf } from '../helpers/script-digest.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { loadSnapshot, saveSnapshot } from '../../src/snapshot/snapshots.js';
import type { Snapshot, SnapshotManifest } from '../../src/snapshot/manifest.js';
import type { ChunkRef } from '../../src/repo/records.js';
import { restoreToDirectory, restoreToStream } from '../../src/restore/to-file.js';
import { IntegrityError } from '../../src/errors.js';
import { collect, tempDir, TEST_CHUNKER, TEST_KDF } from '../repo/helpers.js';

let pg: PgCluster;
let tmp: { path: string; cleanup: () => void };
let repo: Repository;
let snap: Snapshot;
let script: Buffer;
let refs: ChunkRef[];

before(async () => {
  pg = await startCluster({ major: 15 });
  tmp = tempDir();
  await pg.createDatabase('app');
  pg.psql('app', ['-c', `
    CREATE TABLE public.a_empty (id int PRIMARY KEY);
    CREATE TABLE public.items (id int PRIMARY KEY, body text);
    INSERT INTO public.items SELECT g, repeat(md5(g::text), 1 + g % 4) FROM generate_series(1, 4000) g;
    CREATE TABLE public.z_empty (v text);
    CREATE SEQUENCE public.s; SELECT setval('public.s', 42);
  `]);
  repo = await Repository.init(new FsStore(join(tmp.path, 'repo'), { fsync: false }), 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: null });
  const r = await backupDatabase(repo, { connection: { host: pg.host, port: pg.port, user: pg.user, database: 'app' } }, { time: '2026-12-04T06:00:00Z' });
  snap = await loadSnapshot(repo, r.snapshotId);
  script = await restoredScript(repo, snap);
  refs = [];
  for await (const ref of repo.refs(snap.dump.list)) refs.push(ref);
});

after(async () => {
  await repo?.close();
  await pg?.stop();
  tmp?.cleanup();
});

/** The snapshot with another chunk list (and size), sealed as a backup seals its manifest. */
async function tampered(list: ChunkRef[], size = snap.dump.size): Promise<Snapshot> {
  const m = structuredClone(snap) as SnapshotManifest & { id?: string };
  delete m.id;
  m.dump = { ...m.dump, list, size };
  return loadSnapshot(repo, await saveSnapshot(repo, m));
}

test('a backup records the segment digest, not the whole script\'s SHA-256; it is what a restore recomputes', async () => {
  assert.equal(snap.dump.sha256, undefined);
  assert.match(snap.dump.segments ?? '', /^[0-9a-f]{64}$/);
  assert.equal(segmentsOf(script, snap), snap.dump.segments);
  assert.equal(script.length, snap.dump.size);
  const tables = snap.parts.filter((p) => p.table).map((p) => p.table!);
  assert.deepEqual(tables.map((t) => [t.qualified, t.rows]), [['public.a_empty', 0], ['public.items', 4000], ['public.z_empty', 0]]);
  for (const t of tables) {
    assert.equal(createHash('sha256').update(script.subarray(t.dataOffset, t.dataOffset + t.dataLength)).digest('hex'), t.sha256, `${t.qualified}: its row segment`);
  }
  assert.ok(refs.length >= 6, `several chunks (${refs.length})`);
  assert.deepEqual(await restoredScript(repo, snap, true), script);
});

const assertRestoresFail = (s: Snapshot): Promise<void> => assertEveryRestoreFails(repo, s, tmp.path);

test('a chunk swapped, dropped or repeated in the chunk list of a re-sealed manifest fails the restore', async () => {
  const swapped = [...refs];
  [swapped[1], swapped[refs.length - 2]] = [swapped[refs.length - 2]!, swapped[1]!];
  await assertRestoresFail(await tampered(await listOf(repo, swapped)));
  // Dropped or repeated, with the size recorded to match the tampered list (only the digest can tell).
  await assertRestoresFail(await tampered(await listOf(repo, refs.filter((_, i) => i !== 2)), snap.dump.size - refs[2]!.length));
  await assertRestoresFail(await tampered(await listOf(repo, [...refs.slice(0, 3), refs[2]!, ...refs.slice(3)]), snap.dump.size + refs[2]!.length));
  // The untampered list through the same path restores.
  assert.deepEqual(await restoredScript(repo, await tampered(await listOf(repo, refs))), script);
});

test('one row byte changed in the stored script fails the restore', async () => {
  const items = snap.parts.find((p) => p.name === 'public.items')!.table!;
  const bad = Buffer.from(script);
  bad[items.dataOffset + Math.floor(items.dataLength / 2)]! ^= 0x01;
  const w = repo.writer();
  await w.write(bad);
  await assertRestoresFail(await tampered((await w.finish()).list));
});
