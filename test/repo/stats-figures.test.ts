/**
 * Issue 12, item 15 (stats and backup tables): "Unique" was larger than "Logical" and a backup's "New" larger
 * than its "Size", because the chunk lists' own bytes were counted as dump bytes. Unique and new bytes are now
 * dump bytes only (≤ the dump); the chunk lists are still in the stored bytes (they are stored).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repositoryStats } from '../../src/repo/stats.js';
import { loadSnapshot } from '../../src/snapshot/snapshots.js';
import { bytes, testRepo } from './helpers.js';
import { synthSnapshot } from '../maintenance/helpers.js';

test('one incompressible snapshot: new = size = unique = logical; stored includes the chunk lists', async () => {
  const { repo, cleanup } = await testRepo();
  try {
    const data = bytes(600_000, 7);
    const id = await synthSnapshot(repo, data, 'app');
    const s = await loadSnapshot(repo, id);
    assert.equal(s.added.newBytes, s.dump.size, 'a first backup adds exactly its dump');
    const st = await repositoryStats(repo, [s]);
    assert.equal(st.total.logicalBytes, data.length);
    assert.equal(st.total.uniqueBytes, data.length, 'unique counts dump bytes only');
    assert.ok(st.total.storedBytes > data.length, 'stored bytes include the encrypted chunk lists');
    assert.ok(st.total.storedBytes >= s.added.storedBytes);
  } finally {
    cleanup();
  }
});
