/**
 * Repairs (issue 10 items 3 and 10): a backup goes on past an index object it cannot read;
 * `repair index` rebuilds the index from data/ and the snapshots; `repair chunks` drops chunks that
 * check --read-data found damaged, so the next backup uploads them again and restores.
 */
import { afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { checkRepository } from '../../src/maintenance/check.js';
import { rebuildIndex, repairChunks } from '../../src/maintenance/repair.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { silentLogger, type Logger } from '../../src/log.js';
import { testRepo } from '../repo/helpers.js';
import { content, dataPath, flipByte, names, referencedBy, restoreBytes, synthSnapshot } from './helpers.js';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { ...silentLogger, warnings, warn: (m: string) => { warnings.push(m); } };
}

const ENTRY = join(import.meta.dirname, 'cli-entry.ts');

describe('repair', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  beforeEach(async () => { ({ repo, dir, cacheDir, cleanup } = await testRepo({ indexBatch: 4 })); });
  afterEach(() => cleanup());

  const reopen = (opts: { logger?: Logger; cache?: boolean } = {}): Promise<Repository> =>
    Repository.open(new FsStore(dir, { fsync: false }), 'correct horse', { cacheDir: opts.cache === false ? null : cacheDir, logger: opts.logger ?? silentLogger, indexBatch: 4 });
  const indexFiles = (): string[] => readdirSync(join(dir, 'index')).filter((n) => !n.startsWith('.'));

  test('a backup on a new host (no cache) goes on past an undecryptable index object, warning to run "repair index"', async () => {
    const data = content(200_000, 1);
    const first = await synthSnapshot(repo, data, 'app');
    assert.ok(indexFiles().length >= 2);
    flipByte(join(dir, 'index', indexFiles()[0]!));
    const logger = recordingLogger();
    const fresh = await reopen({ logger, cache: false });
    const second = await synthSnapshot(fresh, data, 'app');
    assert.ok(logger.warnings.some((w) => /index object index\/[0-9a-f]+ cannot be read .*"pgvault repair index"/.test(w)), logger.warnings.join('\n'));
    assert.ok(fresh.chunks.stats.newChunks > 0, 'the chunks that index listed were uploaded again');
    assert.deepEqual(await restoreBytes(fresh, second), Buffer.from(data));
    assert.deepEqual(await restoreBytes(fresh, first), Buffer.from(data));
  });

  test('repair index: a damaged and a deleted index object, and an unindexed leftover, give a complete index; check passes', async () => {
    const a = await synthSnapshot(repo, content(250_000, 2), 'app');
    await synthSnapshot(repo, content(150_000, 3), 'other');
    const [damaged, lost] = indexFiles();
    flipByte(join(dir, 'index', damaged!));
    rmSync(join(dir, 'index', lost!));
    // A leftover of a crashed backup: a data object no index lists and no snapshot references.
    const indexedBefore = new Set(indexFiles());
    const w = (await reopen()).writer();
    await w.write(content(30_000, 4));
    const orphanList = (await w.finish()).list[0]!.id;
    for (const f of indexFiles()) if (!indexedBefore.has(f)) rmSync(join(dir, 'index', f)); // its index was never written
    let before = await checkRepository(await reopen());
    assert.equal(before.ok, false, 'the damaged index object is an error');
    assert.ok(before.problems.some((p) => p.code === 'index-unreadable' && /pgvault repair index/.test(p.message)));

    const r = await rebuildIndex(await reopen());
    assert.deepEqual(r.indexUnreadable, [damaged]);
    const data = await names(repo.store, 'data');
    assert.equal(r.entries, data.size, 'one entry per data object');
    assert.ok(r.fromSnapshots > 0);
    assert.ok(data.has(orphanList));
    assert.ok(r.fromData >= 2, `the leftover's chunks were read for their length (${r.fromData})`);
    assert.deepEqual(r.damaged, []);
    assert.deepEqual(new Set(indexFiles()), new Set(r.indexWritten));

    before = await checkRepository(await reopen());
    assert.deepEqual(before.problems.filter((p) => p.severity === 'error'), []);
    const again = await reopen({ cache: false });
    await synthSnapshot(again, content(250_000, 2), 'app');
    assert.equal(again.chunks.stats.newChunks, 0, 'a backup after the repair reuses every chunk');
    assert.deepEqual(await restoreBytes(again, a), Buffer.from(content(250_000, 2)));
  });

  test('repair chunks: a chunk check --read-data found damaged is dropped and deleted; the next backup uploads it again and restores', async () => {
    const data = content(300_000, 5);
    const first = await synthSnapshot(repo, data, 'app');
    const victim = [...await referencedBy(repo, first)].at(-1)!;
    flipByte(dataPath(dir, victim));
    const report = await checkRepository(await reopen(), { readData: true });
    const problem = report.problems.find((p) => p.code === 'chunk-damaged');
    assert.ok(problem, JSON.stringify(report.problems));
    assert.match(problem.message, new RegExp(`Run "pgvault repair chunks ${victim}"`));

    // Without the repair the next backup reuses the damaged chunk (it exists, with the right size).
    const intact = [...await referencedBy(repo, first)][0]!;
    const r = await repairChunks(await reopen(), [victim.slice(0, 12), intact]);
    assert.deepEqual(r.chunks.map((c) => [c.id, c.state]), [[victim, 'damaged'], [intact, 'intact']]);
    assert.equal(r.deleted, 1);
    assert.ok(!(await names(repo.store, 'data')).has(victim));
    assert.ok((await names(repo.store, 'data')).has(intact));

    const next = await reopen(); // the same host: its cache covered index objects the repair replaced
    const second = await synthSnapshot(next, data, 'app');
    assert.equal(next.chunks.stats.newChunks, 1, 'exactly the damaged chunk is uploaded again');
    assert.deepEqual(await restoreBytes(next, second), Buffer.from(data));
    const after = await checkRepository(await reopen(), { readData: true });
    assert.deepEqual(after.problems.filter((p) => p.severity === 'error'), [], 'the old snapshot is whole again too (same chunk id)');

    await assert.rejects(repairChunks(await reopen(), ['xyz']), UsageError);
    const none = await repairChunks(await reopen(), [intact]);
    assert.equal(none.index, null, 'nothing to do for an intact chunk');
  });

  test('pgvault repair index and repair chunks on the command line', async () => {
    await synthSnapshot(repo, content(100_000, 6), 'app');
    flipByte(join(dir, 'index', indexFiles()[0]!));
    const pwFile = join(dir, '..', 'pw');
    writeFileSync(pwFile, 'correct horse\n', { mode: 0o600 });
    const run = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> => new Promise((resolve, reject) => {
      const env = { ...process.env };
      for (const k of Object.keys(env)) if (k.startsWith('PGVAULT_')) delete env[k];
      const p = spawn(process.execPath, ['--import', 'tsx', ENTRY, '--repo', dir, '--password-file', pwFile, '--cache-dir', cacheDir, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'], env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
    let r = await run('check');
    assert.equal(r.code, ExitCode.INTEGRITY);
    assert.match(r.stdout, /pgvault repair index/);
    r = await run('repair', 'index');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /index rebuilt: \d+ entries in 1 index object\(s\), \d+ old index object\(s\) removed \(1 of them unreadable\)/);
    r = await run('check');
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = await run('repair', 'chunks', 'nothex');
    assert.equal(r.code, ExitCode.USAGE);
  });
});
