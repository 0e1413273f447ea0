/**
 * Issue 12 item 16: one name for the snapshot-host filter in every command (--hostname, as backup and run
 * record it); the old spellings (--host on snapshots/stats/forget, --from-host on restore/globals) stay as
 * hidden aliases; -h/--host is the PostgreSQL server wherever a command connects to one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir, TEST_KDF } from '../repo/helpers.js';
import { Repository } from '../../src/repo/repository.js';
import { FsStore } from '../../src/store/fs.js';
import { synthSnapshot } from '../maintenance/helpers.js';
import { loadSnapshot, saveSnapshot } from '../../src/snapshot/snapshots.js';

const PASSWORD = 'Naming-Test-Password';

test('--hostname filters snapshots everywhere; --host and --from-host are hidden aliases', async () => {
  const tmp = tempDir();
  try {
    const dir = join(tmp.path, 'repo');
    const repo = await Repository.init(new FsStore(dir, { fsync: false }), PASSWORD, { kdf: TEST_KDF, cacheDir: null });
    const id = await synthSnapshot(repo, new Uint8Array(1000).fill(7), 'app');
    const { id: _drop, ...manifest } = await loadSnapshot(repo, id);
    await saveSnapshot(repo, { ...manifest, host: 'other-host' });
    await repo.close();
    const env = { PGVAULT_REPOSITORY: dir, PGVAULT_PASSWORD: PASSWORD, PGVAULT_CONFIG: undefined, XDG_CACHE_HOME: join(tmp.path, 'cache') };
    const hosts = async (args: string[]): Promise<string[]> => {
      const r = await runCli(['--json', ...args], env);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as { host: string }[]).map((s) => s.host);
    };
    assert.deepEqual(await hosts(['snapshots', '--hostname', 'other-host']), ['other-host']);
    assert.deepEqual(await hosts(['snapshots', '--host', 'other-host']), ['other-host'], 'the shipped spelling still works');
    assert.deepEqual((await hosts(['snapshots', '--hostname', 'test-host', '--hostname', 'other-host'])).sort(), ['other-host', 'test-host']);
    const dry = await runCli(['--json', 'forget', '--hostname', 'other-host', '--keep-last', '1', '--dry-run'], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.deepEqual((JSON.parse(dry.stdout) as { groups: { host: string }[] }).groups.map((g) => g.host), ['other-host']);

    const help = async (cmd: string): Promise<string> => (await runCli([cmd, '--help'], env)).stdout;
    for (const cmd of ['snapshots', 'stats', 'forget', 'restore', 'verify', 'globals']) {
      const h = await help(cmd);
      assert.match(h, /--hostname <name>/, `${cmd} --help shows --hostname`);
      assert.doesNotMatch(h, /--from-host/, `${cmd}: --from-host is hidden`);
    }
    assert.doesNotMatch(await help('snapshots'), /--host </, 'snapshots: --host is hidden');
    assert.match(await help('restore'), /-h, --host <host> +database server host/, 'restore: -h/--host is the PostgreSQL server');
  } finally {
    tmp.cleanup();
  }
});
