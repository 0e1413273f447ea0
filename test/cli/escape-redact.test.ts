/**
 * Issue 10 item 18: a database name with a newline must not forge a log line or break a table row.
 * Issue 12 item 13: redaction masks secrets, not ordinary words or parts of longer names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCliLogger } from '../../src/cli/logger.js';
import { formatTable } from '../../src/cli/output.js';
import { escapeControl } from '../../src/escape.js';
import { redact, redactToken, registerSecret } from '../../src/redact.js';

const FORGED = 'app\n2026-12-03T06:00:00.000Z INFO  pgvault run finished: OK (exit 0)';

test('log lines escape control characters: one message is one line', () => {
  const out: string[] = [];
  const logger = createCliLogger({ level: 'debug', write: (l) => { out.push(l); } });
  logger.error(`backup of database ${FORGED} failed\r\u0007\u2028`);
  assert.equal(out.length, 1);
  assert.equal(out[0]!.split('\n').length, 2, 'exactly one line terminator, at the end');
  assert.ok(out[0]!.endsWith('backup of database app\\n2026-12-03T06:00:00.000Z INFO  pgvault run finished: OK (exit 0) failed\\r\\x07\\u2028\n'));
});

test('tables escape control characters in cells; other scripts are untouched', () => {
  const t = formatTable(['Database', 'Size'], [[FORGED, 1], ['日本\tx', 2]]);
  const lines = t.split('\n');
  assert.equal(lines.length, 4, 'header, rule, two rows');
  assert.match(lines[2]!, /^app\\n2026-12-03T06:00:00\.000Z INFO/);
  assert.match(lines[3]!, /^日本\\tx/);
  assert.equal(escapeControl('plain ünïcödé'), 'plain ünïcödé');
  assert.equal(escapeControl('\u0000\u007f\u009b'), '\\x00\\x7f\\x9b');
});

test('a short password does not mask ordinary words or parts of names', () => {
  registerSecret('wrong');
  assert.equal(redact('wrong password for secrets/wrongpw'), 'wrong password for secrets/wrongpw');
  // The structural rules still hide it.
  assert.equal(redact('postgres://u:wrong@h/db password=wrong PGPASSWORD=wrong'), 'postgres://u:***@h/db password=*** PGPASSWORD=***');
});

test('a password of 8-15 characters is masked as a whole token only', () => {
  registerSecret('wrongpass');
  assert.equal(redact('the password is wrongpass.'), 'the password is ***.');
  assert.equal(redact('"wrongpass" in secrets/wrongpass'), '"***" in secrets/***');
  assert.equal(redact('secrets/wrongpassword and wrongpass_2'), 'secrets/wrongpassword and wrongpass_2');
  assert.equal(redactToken('x wrongpass wrongpasswrongpass wrongpass', 'wrongpass'), 'x *** wrongpasswrongpass ***');
});

test('a long generated key is masked wherever it appears', () => {
  registerSecret('K0057aB9cD3eF1gH2iJ');
  assert.equal(redact('Authorization: xK0057aB9cD3eF1gH2iJx'), 'Authorization: x***x');
});
