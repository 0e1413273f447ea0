/** The README's demo command works on this machine and leaves nothing behind. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('npm run demo: embedded PostgreSQL, three runs, restore and verify, cleanup', { timeout: 180_000 }, async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    c.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    c.on('error', reject);
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  assert.equal(code, 0, `${stdout}\n${stderr}`);
  assert.match(stdout, /PostgreSQL\) 17\.\d+ on 127\.0\.0\.1:\d+/);
  const second = /run #2[^\n]*\n[^\n]*\n[^\n]*\nbus +[0-9a-f]{8} +([\d.]+) MiB +([\d.]+ (?:KiB|MiB|B))/.exec(stdout);
  assert.ok(second, stdout);
  assert.match(stdout, /forget: removed 2 snapshot\(s\), kept 4/);
  assert.match(stdout, /prune: deleted [1-9]\d* unreferenced object\(s\)/);
  assert.match(stdout, /restore\/bus_\d{8}_\d{6}\.sql\.gz/);
  assert.match(stdout, /verify bus: OK: 4 tables/);
  assert.match(stdout, /verify paperclip: OK: 3 tables/);
  assert.match(stdout, /demo OK in/);
  const work = /working folder (\S+)\)/.exec(stdout)![1]!;
  assert.ok(!existsSync(work), `${work} was removed`);
  assert.match(stdout, /cleaned up: PostgreSQL stopped/);
});
