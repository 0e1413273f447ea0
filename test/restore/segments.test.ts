/**
 * Restores check a snapshot's script against its segment digest (`dump.segments`, docs/format.md "Segment digest"),
 * computed over the bytes they produce with the part records' row ranges: a chunk list with a chunk swapped, dropped
 * or repeated, or a stream with one row byte changed, in a manifest sealed like a real one, fails every restore to a
 * file or stream with the restore's IntegrityError. Older manifests with `dump.sha256` are checked as before.
 * No PostgreSQL needed: the snapshots are synthetic (test/backup/segment-digest.test.ts covers real backups).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { IntegrityError } from '../../src/errors.js';
import type { Repository } from '../../src/repo/repository.js';
import type { ChunkRef } from '../../src/repo/records.js';
import { segmentDigestOf } from '../../src/dump/engine/segments.js';
import { MANIFEST_VERSION, type PartRecord, type Snapshot, type SnapshotManifest } from '../../src/snapshot/manifest.js';
import { loadSnapshot, saveSnapshot } from '../../src/snapshot/snapshots.js';
import { restoreToDirectory, restoreToStream } from '../../src/restore/to-file.js';
import { rowRangesOf } from '../../src/restore/script-check.js';
import { collect, tempDir } from '../repo/helpers.js';
import { fsRepo } from './helpers.js';
import { assertEveryRestoreFails as assertRestoresFail, listOf, restoredFile, restoredScript } from '../helpers/script-digest.js';

let tmp: { path: string; cleanup: () => void };
let repo: Repository;
let script: Buffer;
let parts: PartRecord[];

/** A script with a big table (many chunks), an empty table and a table at the very end, and its part records. */
function build(): { script: Buffer; parts: PartRecord[] } {
  const pieces: Buffer[] = [];
  const parts: PartRecord[] = [];
  let at = 0;
  const add = (b: Buffer): number => { pieces.push(b); const o = at; at += b.length; return o; };
  const plain = (kind: PartRecord['kind'], name: string, text: string): void => {
    const offset = add(Buffer.from(text));
    parts.push({ kind, name, offset, length: at - offset });
  };
  const table = (name: string, rows: Buffer, trailer = true): void => {
    const offset = add(Buffer.from(`\n--\n-- Data for Name: ${name}; Type: TABLE DATA\n--\n\nCOPY public.${name} (id, v) FROM stdin;\n`));
    const dataOffset = add(rows);
    if (trailer) add(Buffer.from('\\.\n\n\n'));
    parts.push({ kind: 'table-data', name: `public.${name}`, offset, length: at - offset, table: {
      schema: 'public', name, qualified: `public.${name}`, rows: rows.toString().split('\n').length - 1, bytes: rows.length,
      sha256: createHash('sha256').update(rows).digest('hex'), order: 'heap', columns: ['id', 'v'], dataOffset, dataLength: rows.length,
    } });
  };
  plain('prologue', 'prologue', 'SET statement_timeout = 0;\nCREATE TABLE public.big (id int, v text);\n');
  const rows: string[] = [];
  for (let i = 0; i < 6000; i++) rows.push(`${i}\t${createHash('md5').update(String(i)).digest('hex').repeat(1 + (i % 3))}\n`);
  table('big', Buffer.from(rows.join('')));
  table('empty', Buffer.alloc(0));
  plain('data-sql', 'sequences', "SELECT pg_catalog.setval('public.s', 1, true);\n");
  // A table whose rows end the script (no epilogue after it).
  table('last', Buffer.from('1\tz\n'), false);
  return { script: Buffer.concat(pieces), parts };
}

/** Seal a manifest for `list` (the chunk-list stream's refs) with the given checksum field. */
async function snapshot(list: ChunkRef[], check: { segments?: string; sha256?: string }, size = script.length): Promise<Snapshot> {
  const now = new Date().toISOString();
  const m: SnapshotManifest = {
    version: MANIFEST_VERSION, time: now, host: 'h', tags: [], database: 'app', source: 'test/app', server: { version: '17', versionNum: 170000 },
    pgvaultVersion: 'test', dump: { size, ...check, chunks: 0, list, options: {} }, parts,
    added: { newChunks: 0, newBytes: 0, storedBytes: 0 }, startedAt: now, finishedAt: now, durationMs: 0,
  };
  return loadSnapshot(repo, await saveSnapshot(repo, m));
}

let good: Snapshot;
let refs: ChunkRef[];
let segments: string;

before(async () => {
  tmp = tempDir();
  repo = await fsRepo(tmp.path);
  ({ script, parts } = build());
  const w = repo.writer();
  await w.write(script);
  const saved = await w.finish();
  segments = segmentDigestOf(script, rowRangesOf({ parts }))!;
  good = await snapshot(saved.list, { segments });
  refs = [];
  for await (const r of repo.refs(saved.list)) refs.push(r);
  assert.ok(refs.length >= 6, `the script spans several chunks (${refs.length})`);
});

after(async () => {
  await repo.close();
  tmp.cleanup();
});

test('a snapshot with a segment digest restores to a file and to a stream, plain and gzip, byte for byte', async () => {
  assert.equal(good.dump.sha256, undefined);
  assert.deepEqual(await restoredScript(repo, good), script);
  assert.deepEqual(await restoredScript(repo, good, true), script);
  assert.deepEqual(await restoredFile(repo, good, tmp.path), script);
});

const assertEveryRestoreFails = (s: Snapshot): Promise<void> => assertRestoresFail(repo, s, tmp.path);

test('a chunk list with two chunks swapped (same size), one dropped or one repeated fails every restore', async () => {
  const swapped = [...refs];
  [swapped[1], swapped[3]] = [swapped[3]!, swapped[1]!];
  await assertEveryRestoreFails(await snapshot(await listOf(repo, swapped), { segments }));
  const dropped = refs.filter((_, i) => i !== 2);
  const droppedSize = script.length - refs[2]!.length;
  await assertEveryRestoreFails(await snapshot(await listOf(repo, dropped), { segments }, droppedSize));
  const repeated = [...refs.slice(0, 3), refs[2]!, ...refs.slice(3)];
  await assertEveryRestoreFails(await snapshot(await listOf(repo, repeated), { segments }, script.length + refs[2]!.length));
  // Moving the last chunk to the front: the same bytes in another order.
  const rotated = [refs[refs.length - 1]!, ...refs.slice(0, -1)];
  await assertEveryRestoreFails(await snapshot(await listOf(repo, rotated), { segments }));
});

test('one row byte changed in the stored stream fails every restore', async () => {
  const big = parts.find((p) => p.name === 'public.big')!.table!;
  const bad = Buffer.from(script);
  bad[big.dataOffset + 1000]! ^= 0x01;
  const w = repo.writer();
  await w.write(bad);
  const saved = await w.finish();
  await assertEveryRestoreFails(await snapshot(saved.list, { segments }));
});

test('an older manifest with the whole script\'s sha256 restores and is checked as before', async () => {
  const sha256 = createHash('sha256').update(script).digest('hex');
  const old = await snapshot(good.dump.list, { sha256 });
  assert.deepEqual(await restoredScript(repo, old), script);
  assert.deepEqual(await restoredFile(repo, old, tmp.path), script);
  const swapped = [...refs];
  [swapped[1], swapped[3]] = [swapped[3]!, swapped[1]!];
  await assertEveryRestoreFails(await snapshot(await listOf(repo, swapped), { sha256 }));
});
