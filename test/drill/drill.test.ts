/**
 * Restore drills: `pgvault drill` rebuilds the newest snapshot of each database on a scratch server
 * (roles from the globals, the database, the data), verifies it and drops it again; `pgvault run`
 * drills on its own schedule (config "drill", injected clock, state file) and reports the results in
 * its report and the Prometheus textfile. On PostgreSQL 15 and 17 (source and scratch server of the
 * same major); `pgvault run` drills with `jobs: 2` (the parallel load), `pgvault drill` without.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { runAll } from '../../src/run/run.js';
import { RunState } from '../../src/run/state.js';
import { silentLogger } from '../../src/log.js';
import { hasServer, startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { tempDir, TEST_KDF } from '../repo/helpers.js';
import { createGlobalsFixture } from '../globals/fixture.js';

const PASSWORD = 'drill test';

async function leftovers(pg: PgCluster): Promise<{ roles: string[]; databases: string[] }> {
  return {
    roles: (await pg.query<{ r: string }>('postgres', "SELECT rolname AS r FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 1")).map((x) => x.r),
    databases: (await pg.query<{ d: string }>('postgres', "SELECT datname AS d FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') ORDER BY 1")).map((x) => x.d),
  };
}

for (const major of [15, 17] as PgMajor[]) {
  describe(`drill, PostgreSQL ${major}`, { skip: !hasServer(major) && `PostgreSQL ${major} is not installed` }, () => {
    let source: PgCluster;
    let scratch: PgCluster;
    let tmp: { path: string; cleanup: () => void };
    let repo: string;
    const pgvault = (args: string[]): Promise<CliRun> =>
      runCli(['--repo', repo, ...args], { PGVAULT_PASSWORD: PASSWORD, XDG_CACHE_HOME: join(tmp.path, 'cache') });

    before(async () => {
      tmp = tempDir();
      repo = join(tmp.path, 'repo');
      [source, scratch] = await Promise.all([startCluster({ major }), startCluster({ major })]);
      await createGlobalsFixture(source);
      const r = await Repository.init(new FsStore(repo, { fsync: false }), PASSWORD, { kdf: TEST_KDF, cacheDir: null });
      await r.close();
    });

    after(async () => {
      await Promise.all([source?.stop(), scratch?.stop()]);
      tmp?.cleanup();
    });

    test('pgvault drill: both databases rebuilt on a bare scratch server, verified, timed, and removed again', async () => {
      let r = await pgvault(['backup', source.url('bus'), source.url('paperclip')]);
      assert.equal(r.code, 0, r.stderr);
      // On 17 with --jobs 2: the parallel load (the run schedule below drills with jobs: 2 on both).
      r = await pgvault(['--json', 'drill', '--scratch', scratch.url('postgres'), ...(major === 17 ? ['--jobs', '2'] : [])]);
      assert.equal(r.code, 0, r.stderr);
      if (major === 17) assert.match(r.stderr, /loading 3 tables over 2 connections/);
      else assert.doesNotMatch(r.stderr, /tables over \d+ connections/);
      const results = JSON.parse(r.stdout) as { database: string; ok: boolean; tables: number; dataAgeSeconds: number; restoreSeconds: number;
        verifySeconds: number; recoverySeconds: number; rolesCreated: string[] }[];
      assert.deepEqual(results.map((x) => [x.database, x.ok, x.tables]), [['bus', true, 3], ['paperclip', true, 2]]);
      for (const x of results) {
        assert.ok(x.dataAgeSeconds >= 0 && x.dataAgeSeconds < 600);
        assert.ok(x.recoverySeconds >= x.restoreSeconds + x.verifySeconds - 0.01 && x.restoreSeconds > 0);
      }
      assert.deepEqual(results[0]!.rolesCreated, ['alice', 'app_readers', 'bus', 'bus_ro'], 'a real bare-server restore: roles from the globals');
      assert.deepEqual(await leftovers(scratch), { roles: ['postgres'], databases: [] }, 'the drill leaves the scratch server as it found it');

      r = await pgvault(['drill']);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /drill needs a scratch server/);
    });

    if (major === 15) {
      test('a drill that cannot restore (scratch server older than the source) fails with the cause, in the report', async () => {
        const old = await startCluster({ major: 17 }).then(async (pg17) => {
          await createGlobalsFixture(pg17);
          return pg17;
        });
        try {
          const r0 = await pgvault(['--json', 'backup', old.url('bus')]);
          assert.equal(r0.code, 0, r0.stderr);
          const from17 = (JSON.parse(r0.stdout) as { snapshot: string }[])[0]!.snapshot;
          const r = await pgvault(['--json', 'drill', from17.slice(0, 8), '--scratch', scratch.url('postgres')]);
          assert.equal(r.code, 2, r.stderr);
          const [res] = JSON.parse(r.stdout) as { ok: boolean; error: string }[];
          assert.equal(res!.ok, false);
          assert.match(res!.error, /runs PostgreSQL 15, older than the source/);
        } finally {
          await old.stop();
        }
      });
    }

    test('pgvault run drills on its own schedule: the first run, not the next day, again after a week; results in the report, state and metrics', async () => {
      const dir = join(tmp.path, 'run');
      mkdirSync(join(dir, 'metrics'), { recursive: true });
      const file = join(dir, 'pgvault.jsonc');
      writeFileSync(file, JSON.stringify({
        repository: { path: repo },
        host: 'drillhost',
        databases: [{ name: 'bus', url: source.url('bus') }, { name: 'paperclip', url: source.url('paperclip') }],
        drill: { scratch: scratch.url('postgres'), every: '7d', jobs: 2 },
        metrics: { textfile: 'metrics/pgvault.prom' },
        state_dir: 'state',
      }));
      const { config } = loadConfigFile(file);
      const state = new RunState(join(dir, 'state'));
      const openRepository = (): Promise<Repository> => Repository.open(new FsStore(repo, { fsync: false }), PASSWORD, { cacheDir: null });
      let clock = new Date('2026-12-01T06:00:00Z');
      const run = (): ReturnType<typeof runAll> => runAll({ config, openRepository, logger: silentLogger, state, now: () => clock });

      let report = await run();
      assert.equal(report.exitCode, 0, JSON.stringify(report));
      assert.equal(report.drill?.ran, true);
      assert.deepEqual(report.drill?.results?.map((x) => [x.database, x.ok]), [['bus', true], ['paperclip', true]]);
      const prom = readFileSync(join(dir, 'metrics', 'pgvault.prom'), 'utf8');
      assert.match(prom, /^pgvault_drill_success\{database="bus"\} 1$/m);
      assert.match(prom, new RegExp(`^pgvault_drill_timestamp_seconds ${Date.parse('2026-12-01T06:00:00Z') / 1000}$`, 'm'));
      assert.match(prom, /^pgvault_drill_recovery_seconds\{database="paperclip"\} [0-9.]+$/m);
      assert.match(prom, /^pgvault_drill_data_age_seconds\{database="bus"\} \d+$/m);

      clock = new Date('2026-12-02T06:00:00Z');
      report = await run();
      assert.equal(report.drill?.ran, false);
      assert.match(report.drill?.reason ?? '', /not due \(last drill 2026-12-01T06:00:00.000Z\)/);
      assert.match(readFileSync(join(dir, 'metrics', 'pgvault.prom'), 'utf8'), /^pgvault_drill_success\{database="bus"\} 1$/m, 'the last drill stays in the metrics');

      clock = new Date('2026-12-08T06:00:00Z');
      report = await run();
      assert.equal(report.drill?.ran, true);
      assert.deepEqual(await leftovers(scratch), { roles: ['postgres'], databases: [] });
    });
  });
}

test('pgvault drill --jobs: a whole number from 1 to 64, checked before anything is opened', async () => {
  for (const j of ['0', '65', '1.5', 'x']) {
    const r = await runCli(['--repo', '/nonexistent/pgvault-drill-test', 'drill', '--scratch', 'postgres://127.0.0.1:1/postgres', '--jobs', j], { PGVAULT_PASSWORD: PASSWORD });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`--jobs must be a whole number from 1 to 64 \\(got ${j.replace('.', '\\.')}\\)`));
  }
});
