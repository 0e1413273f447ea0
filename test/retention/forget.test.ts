/**
 * forget() on a real (FsStore) repository and `pgvault forget` as an operator runs it: dry runs change
 * nothing, real runs delete exactly the removed manifests, refusals delete nothing, --json carries every
 * id with restic's reasons, --prune frees the removed snapshot's data, exit codes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ExitCode, IntegrityError, UsageError } from '../../src/errors.js';
import type { Repository } from '../../src/repo/repository.js';
import { forget, forgetIds, RefusedError } from '../../src/retention/forget.js';
import { policyFromFlags } from '../../src/retention/flags.js';
import { parseGroupBy } from '../../src/retention/group.js';
import { MANIFEST_VERSION, type SnapshotManifest } from '../../src/snapshot/manifest.js';
import { listSnapshots, saveSnapshot } from '../../src/snapshot/snapshots.js';
import { bytes, testRepo } from '../repo/helpers.js';

/** A manifest for `data` (saved as a real stream, so prune has chunks to free). */
async function snapshotAt(repo: Repository, time: string, who: { host?: string; database?: string; tags?: string[] } = {}, data?: Uint8Array): Promise<string> {
  const w = repo.writer();
  if (data) await w.write(data);
  const saved = await w.finish();
  const m: SnapshotManifest = {
    version: MANIFEST_VERSION, time, host: who.host ?? 'db1', tags: who.tags ?? [], database: who.database ?? 'shop', source: 'test',
    server: { version: '17.0', versionNum: 170000 }, pgvaultVersion: 'test',
    dump: { size: saved.size, sha256: saved.sha256!, chunks: saved.chunks, list: saved.list, options: {} },
    parts: [], added: saved.added, startedAt: time, finishedAt: time, durationMs: 0,
  };
  return saveSnapshot(repo, m);
}

const ids = async (repo: Repository): Promise<string[]> => (await listSnapshots(repo)).map((s) => s.id).sort();

describe('forget on a repository', () => {
  let repo: Repository;
  let cleanup: () => void;
  const made: Record<string, string> = {};
  before(async () => {
    ({ repo, cleanup } = await testRepo());
    for (let d = 1; d <= 10; d++) {
      for (const h of ['06', '18']) {
        const t = `2026-11-${String(d).padStart(2, '0')}T${h}:00:00+01:00`;
        made[t] = await snapshotAt(repo, t);
      }
    }
    made.crm = await snapshotAt(repo, '2026-11-10T18:30:00+01:00', { database: 'crm', tags: ['manual'] });
  });
  after(() => cleanup());

  test('a dry run decides per group and deletes nothing', async () => {
    const before = await ids(repo);
    const r = await forget(repo, policyFromFlags({ keepDaily: '3' }), { dryRun: true });
    assert.deepEqual(r.groups.map((g) => [g.description, g.keep.length, g.remove.length]), [['host db1, database crm', 1, 0], ['host db1, database shop', 3, 17]]);
    assert.deepEqual(r.groups[1]!.keep.map((d) => [d.snapshot.time, d.reasons]), [
      ['2026-11-10T18:00:00+01:00', ['daily snapshot']], ['2026-11-09T18:00:00+01:00', ['daily snapshot']], ['2026-11-08T18:00:00+01:00', ['daily snapshot']]]);
    assert.deepEqual(r.removed, []);
    assert.deepEqual(await ids(repo), before);
  });

  test('a refused policy deletes nothing in any group', async () => {
    const before = await ids(repo);
    await assert.rejects(forget(repo, policyFromFlags({ keepTag: ['manual'] })), (e: unknown) => e instanceof RefusedError && /host db1, database shop/.test(e.message));
    await assert.rejects(forget(repo, policyFromFlags({ keepLast: '0' })), (e: unknown) => e instanceof UsageError && /no policy was specified/.test(e.message));
    assert.deepEqual(await ids(repo), before);
  });

  test('a real run deletes exactly the removed manifests; running it again removes nothing more', async () => {
    const r = await forget(repo, policyFromFlags({ keepDaily: '3', keepWeekly: '2' }), { groupBy: parseGroupBy('host'), filter: { databases: ['shop'] } });
    assert.equal(r.groups.length, 1);
    const kept = r.groups[0]!.keep.map((d) => d.snapshot.id);
    assert.deepEqual([...r.removed].sort(), r.groups[0]!.remove.map((d) => d.snapshot.id).sort());
    assert.deepEqual(await ids(repo), [...kept, made.crm!].sort());
    // 10 Nov 2026 is a Tuesday: the weekly slots go to ISO week 46 (10 Nov 18:00) and week 45 (Sunday 8 Nov 18:00), both
    // already daily; no slot is left for the oldest snapshot (1 Nov, week 44).
    assert.deepEqual(r.groups[0]!.keep.map((d) => d.snapshot.time), ['2026-11-10T18:00:00+01:00', '2026-11-09T18:00:00+01:00', '2026-11-08T18:00:00+01:00']);
    const again = await forget(repo, policyFromFlags({ keepDaily: '3', keepWeekly: '2' }), { groupBy: parseGroupBy('host'), filter: { databases: ['shop'] } });
    assert.deepEqual(again.removed, []);
  });

  test('an unreadable manifest stops forget before anything is deleted, and names the way out', async () => {
    const damaged = 'cd'.repeat(32);
    await repo.store.put('snapshots', damaged, new Uint8Array(64).fill(7));
    const before = await repo.store.stat('snapshots', made.crm!);
    await assert.rejects(forget(repo, policyFromFlags({ keepLast: '1' })), (e: unknown) =>
      e instanceof IntegrityError && /forget stopped before deleting anything/.test(e.message) && /pgvault forget cdcdcdcdcdcd/.test(e.message));
    assert.deepEqual(await repo.store.stat('snapshots', made.crm!), before);
    assert.deepEqual((await forgetIds(repo, ['cdcdcdcd'])).removed, [damaged]);
    assert.deepEqual((await forget(repo, policyFromFlags({ keepLast: '1' }), { dryRun: true })).groups.length, 2);
  });
});

describe('pgvault forget (CLI)', () => {
  let repo: Repository;
  let dir: string;
  let cacheDir: string;
  let cleanup: () => void;
  let pwFile: string;
  before(async () => {
    ({ repo, dir, cacheDir, cleanup } = await testRepo());
    pwFile = join(dir, '..', 'pw');
    writeFileSync(pwFile, 'correct horse\n');
    await snapshotAt(repo, '2026-11-01T06:00:00+01:00', { tags: ['nightly'] }, bytes(300_000, 7));
    await snapshotAt(repo, '2026-11-01T18:00:00+01:00', { tags: ['nightly'] }, bytes(300_000, 8));
    await snapshotAt(repo, '2026-11-02T06:00:00+01:00', {}, bytes(300_000, 9));
  });
  after(() => cleanup());

  function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('PGVAULT_')) delete env[k];
    return new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'cli-entry.ts'), '--repo', dir, '--password-file', pwFile, '--cache-dir', cacheDir, ...args],
        { stdio: ['ignore', 'pipe', 'pipe'], env });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      p.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
      p.on('error', reject);
      p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });
  }

  test('refusals: no policy, malformed values, a keep-tag that keeps nothing (exit 2, nothing deleted)', async () => {
    let r = await run('forget');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /no policy was specified/);
    r = await run('forget', '--keep-within', '1w');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /invalid --keep-within "1w": invalid unit 'w'/);
    r = await run('forget', '--keep-daily', '-1');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /use "unlimited"/);
    r = await run('forget', '--keep-tag', 'weekly');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /refusing to delete the last snapshot of group "host db1, database shop"/);
    assert.equal((await listSnapshots(repo)).length, 3);
  });

  test('--dry-run --json lists every id, kept or removed, with restic\'s reasons', async () => {
    const r = await run('--json', 'forget', '--dry-run', '--keep-last', '1', '--keep-tag', 'nightly');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { dryRun: boolean; groups: { host: string; database: string; keep: { id: string }[]; remove: { id: string }[]; reasons: { snapshot: { id: string; time: string }; matches: string[] }[] }[] };
    assert.equal(out.dryRun, true);
    assert.equal(out.groups.length, 1);
    assert.deepEqual(out.groups[0]!.reasons.map((x) => [x.snapshot.time, x.matches]), [
      ['2026-11-02T06:00:00+01:00', ['last snapshot']], ['2026-11-01T18:00:00+01:00', ['has tags [nightly]']], ['2026-11-01T06:00:00+01:00', ['has tags [nightly]']]]);
    assert.deepEqual(out.groups[0]!.remove, []);
    assert.equal((await listSnapshots(repo)).length, 3);
  });

  test('a table for people, then a real run with --prune frees the removed snapshot\'s data', async () => {
    let r = await run('forget', '-n', '--keep-daily', '1');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Applying policy: keep 1 daily snapshots/);
    assert.match(r.stdout, /keep 1 snapshot\(s\):[\s\S]*2026-11-02T06:00:00\+01:00\s+db1\s+shop\s+daily snapshot/);
    assert.match(r.stdout, /remove 2 snapshot\(s\):/);
    assert.match(r.stdout, /dry run: would remove 2 snapshot\(s\), nothing was changed/);
    const dataBefore = await count(repo, 'data');
    r = await run('forget', '--keep-daily', '1', '--prune', '--grace', '0');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /removed 2 snapshot\(s\)/);
    assert.match(r.stdout, /freed /);
    assert.deepEqual((await listSnapshots(repo)).map((s) => s.time), ['2026-11-02T06:00:00+01:00']);
    assert.ok(await count(repo, 'data') < dataBefore, 'prune deleted the removed snapshots\' chunks');
    assert.equal(await count(repo, 'locks'), 0, 'the exclusive lock was released');
  });

  test('forget <id>: by unique prefix, also a manifest that no longer decrypts; unknown ids and mixing with a policy are refused', async () => {
    const good = await snapshotAt(repo, '2026-11-03T06:00:00+01:00');
    const broken = 'ab'.repeat(32);
    await repo.store.put('snapshots', broken, new Uint8Array([1, 2, 3]));
    let r = await run('forget', 'ffff0000');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /no snapshot ffff0000 in this repository \(nothing was removed\)/);
    r = await run('forget', good.slice(0, 10), '--keep-last', '1');
    assert.equal(r.code, ExitCode.USAGE);
    assert.match(r.stderr, /either snapshot ids or a policy/);
    r = await run('forget', '--dry-run', good.slice(0, 10), broken.slice(0, 12));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`would remove snapshot ${good.slice(0, 8)}[\\s\\S]*would remove snapshot abababab`));
    assert.ok(await repo.store.stat('snapshots', broken));
    r = await run('--json', 'forget', good.slice(0, 10), broken.slice(0, 12));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as { removed: string[] }).removed, [good, broken]);
    assert.equal(await repo.store.stat('snapshots', broken), null);
    assert.equal(await repo.store.stat('snapshots', good), null);
  });
});

async function count(repo: Repository, kind: 'data' | 'locks'): Promise<number> {
  let n = 0;
  for await (const _ of repo.store.list(kind)) n++;
  return n;
}
