/**
 * Disk full while restoring: a clear LocalIoError (exit code 17) and no partial file left behind.
 * A real full file system: a 256 KiB tmpfs (the tests run as root, as CI does).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { saveSnapshot } from '../../src/snapshot/snapshots.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { MANIFEST_VERSION } from '../../src/snapshot/manifest.js';
import { restoreToDirectory } from '../../src/restore/to-file.js';
import { ExitCode, LocalIoError } from '../../src/errors.js';
import { bytes, tempDir, TEST_KDF, TEST_CHUNKER } from '../repo/helpers.js';

let tmp: { path: string; cleanup: () => void };
let mnt: string;

before(() => {
  tmp = tempDir();
  mnt = join(tmp.path, 'small-disk');
  mkdirSync(mnt);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt], { encoding: 'utf8' });
  assert.equal(r.status, 0, `this test needs to mount a small tmpfs (run as root): ${r.stderr}`);
});

after(() => {
  spawnSync('umount', [mnt]);
  tmp.cleanup();
});

test('a restore that fills the disk fails with a clear error and removes its partial file', async () => {
  const repo = await Repository.init(new FsStore(join(tmp.path, 'repo'), { fsync: false }), 'pw', { kdf: TEST_KDF, chunker: TEST_CHUNKER, cacheDir: null });
  const w = repo.writer();
  await w.write(bytes(2_000_000, 5, false)); // incompressible: ~2 MB of .sql.gz, far more than 256 KiB
  const saved = await w.finish();
  const now = new Date().toISOString();
  const id = await saveSnapshot(repo, {
    version: MANIFEST_VERSION, time: '2026-11-26T06:00:00+01:00', host: 'h', tags: [], database: 'big', source: 'test',
    server: { version: '15', versionNum: 150000 }, pgvaultVersion: 'test',
    dump: { size: saved.size, sha256: saved.sha256!, chunks: saved.chunks, list: saved.list, options: {} },
    parts: [], added: saved.added, startedAt: now, finishedAt: now, durationMs: 0,
  });
  const snap = await loadSnapshot(repo, id);
  await assert.rejects(restoreToDirectory(repo, snap, mnt), (e: unknown) =>
    e instanceof LocalIoError && e.exitCode === ExitCode.LOCAL_IO && /disk is full/.test(e.message) && e.message.includes('big_20261126_060000.sql.gz'));
  assert.deepEqual(readdirSync(mnt), [], 'no partial file is left');
});
