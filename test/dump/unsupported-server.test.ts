/**
 * An unsupported server (12 or older, 19 or newer) is refused before any output: `pgvault dump` exits with
 * the DATABASE code and an error that names the version, the supported range and what to do, writes nothing
 * to stdout, creates no --file, and sends the server nothing after the version probe. No binary of those
 * majors is available, so a fake wire-protocol server claims the version (test/helpers/fake-pg-server.ts).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { startFakePgServer } from '../helpers/fake-pg-server.js';

const dir = mkdtempSync(join(tmpdir(), 'pgvault-unsupported-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const cases = [
  { version: '12.22', num: 120022, message: /PostgreSQL 12 is not supported \(13–18 are\): server at 127\.0\.0\.1:\d+ reports server_version_num 120022 — upgrade the server to PostgreSQL 13 or newer, or back it up with its own pg_dump/ },
  { version: '9.6.24', num: 90624, message: /PostgreSQL 9 is not supported \(13–18 are\).* — upgrade the server to PostgreSQL 13 or newer/ },
  { version: '19.0', num: 190000, message: /PostgreSQL 19 is not supported \(13–18 are\): server at 127\.0\.0\.1:\d+ reports server_version_num 190000 — upgrade pgvault to a release that supports PostgreSQL 19, or back this server up with its own pg_dump until then/ },
];

for (const c of cases) {
  test(`pgvault dump refuses PostgreSQL ${c.version} before writing anything`, async () => {
    const server = await startFakePgServer(c.version, c.num);
    try {
      const env = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('PG')).map((k) => [k, undefined]));
      const base = ['dump', '-h', '127.0.0.1', '-p', String(server.port), '-U', 'someone', '-d', 'app'];
      const toStdout = await runCli(base, env);
      assert.equal(toStdout.code, ExitCode.DATABASE, toStdout.stderr);
      assert.match(toStdout.stderr, c.message);
      assert.equal(toStdout.stdout, '', 'nothing on stdout');

      const file = join(dir, `dump-${c.num}.sql`);
      const toFile = await runCli([...base, '--file', file], env);
      assert.equal(toFile.code, ExitCode.DATABASE, toFile.stderr);
      assert.match(toFile.stderr, c.message);
      assert.equal(existsSync(file), false, 'no --file created');
      assert.deepEqual(readdirSync(dir), [], 'no temporary file left behind');
      // Only the version probe reached the server: no catalog was read, no snapshot or lock taken.
      assert.ok(server.queries.length >= 2, 'the fake server answered both runs');
      for (const q of server.queries) assert.match(q, /current_setting\('server_version_num'\)/);
    } finally {
      await server.close();
    }
  });
}
