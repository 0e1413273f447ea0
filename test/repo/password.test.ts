/**
 * Issue 10 item 8: a failing password command must not leak the password it printed (log, pings, webhook).
 * Issue 10 item 19: password files are capped, FIFOs without a writer give up with a clear message,
 * and a hanging password command says it timed out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../src/errors.js';
import { resolvePassword } from '../../src/repo/password.js';
import { connectionFor } from '../../src/config/database.js';
import { tempDir } from './helpers.js';

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail('expected an error');
}

test('a password command that prints the password and then fails: the message never contains it', async () => {
  const msg = await failure(resolvePassword({ passwordCommand: 'echo Printed-Secret-77; echo "decrypt: Printed-Secret-77 rejected" >&2; exit 3' }));
  assert.match(msg, /the password command failed \(exit 3\): decrypt: \*\*\* rejected/);
  assert.ok(!msg.includes('Printed-Secret-77'), msg);
  // Short values too (the global redaction skips secrets under 8 characters).
  const short = await failure(resolvePassword({ passwordCommand: 'echo abc12; echo "abc12 is wrong" >&2; exit 1' }));
  assert.ok(!short.includes('abc12'), short);
});

test('under set -x the trace lines (which show values) are left out', async () => {
  const msg = await failure(resolvePassword({ passwordCommand: 'set -x; PW=Trace-Secret-12; echo "$PW" >/dev/null; echo "vault: permission denied" >&2; exit 2' }));
  assert.ok(!msg.includes('Trace-Secret-12'), msg);
  assert.match(msg, /exit 2\): vault: permission denied$/);
});

test('a hanging password command is stopped and the message says it timed out', async () => {
  const t0 = Date.now();
  const msg = await failure(resolvePassword({ passwordCommand: 'echo "asking the agent" >&2; exec sleep 30', commandTimeoutMs: 300 }));
  assert.match(msg, /did not finish within 0\.3 s and was stopped \(SIGTERM\).*it said: asking the agent/);
  assert.ok(Date.now() - t0 < 10_000);
});

test('password files: /dev/zero is refused after 4 KiB, large files before reading, directories too', async () => {
  const tmp = tempDir();
  try {
    assert.match(await failure(resolvePassword({ passwordFile: '/dev/zero' })), /larger than 4096 bytes/);
    const big = join(tmp.path, 'big');
    writeFileSync(big, `pw\n${'x'.repeat(10_000)}`, { mode: 0o600 });
    assert.match(await failure(resolvePassword({ passwordFile: big })), /password file .*big is larger than 4096 bytes/);
    mkdirSync(join(tmp.path, 'dir'));
    assert.match(await failure(resolvePassword({ passwordFile: join(tmp.path, 'dir') })), /is a directory/);
    const ok = join(tmp.path, 'ok');
    writeFileSync(ok, 'Fine-Password-1\r\nsecond line\n', { mode: 0o600 });
    assert.equal((await resolvePassword({ passwordFile: ok })).password, 'Fine-Password-1');
    // A database's password_file: regular files only, same cap.
    assert.throws(() => connectionFor({ name: 'db', tags: [], passwordFile: '/dev/zero' }), /not a regular file/);
    assert.throws(() => connectionFor({ name: 'db', tags: [], passwordFile: big }), /larger than 4096 bytes/);
  } finally {
    tmp.cleanup();
  }
});

test('a FIFO: read when a writer comes; given up with a clear message when none does', async () => {
  const tmp = tempDir();
  try {
    const fifo = join(tmp.path, 'pw.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    assert.match(await failure(resolvePassword({ passwordFile: fifo, fifoWaitMs: 200 })),
      /password file .*pw\.fifo is a FIFO that no process wrote to within 0\.2 s/);
    const writer = spawn('/bin/sh', ['-c', `printf 'Fifo-Password-9\\n' > '${fifo}'`], { stdio: 'ignore' });
    const exited = new Promise((resolve) => writer.on('close', resolve));
    assert.equal((await resolvePassword({ passwordFile: fifo })).password, 'Fifo-Password-9');
    await exited;
  } finally {
    tmp.cleanup();
  }
});
