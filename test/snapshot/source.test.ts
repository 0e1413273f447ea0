import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupSnapshots, describeGroup } from '../../src/retention/group.js';
import type { PolicySnapshot } from '../../src/retention/policy.js';
import { selectByDatabase, sourceKey } from '../../src/snapshot/source.js';

const snap = (id: string, database: string, origin?: PolicySnapshot['origin'], host = 'h'): PolicySnapshot =>
  ({ id, time: '2026-11-20T06:00:00Z', host, database, tags: [], ...(origin ? { origin } : {}) });

const A = { name: 'shop', systemIdentifier: '7300000000000000001', port: 5432 };
const B = { name: 'blog', systemIdentifier: '7300000000000000002', port: 5432 };

test('version 2 snapshots group by origin, version 1 snapshots by host + database', () => {
  const list = [snap('1', 'app', A), snap('2', 'app', B), snap('3', 'app'), snap('4', 'app', A), snap('5', 'app', undefined, 'other')];
  const groups = groupSnapshots(list);
  assert.deepEqual(groups.map((g) => g.snapshots.map((s) => s.id)).sort(), [['1', '4'], ['2'], ['3'], ['5']]);
  const shop = groups.find((g) => g.snapshots[0]!.id === '1')!;
  assert.equal(describeGroup(shop.key), 'host h, database shop on server 7300000000000000001:5432');
  const v1 = groups.find((g) => g.snapshots[0]!.id === '3')!;
  assert.equal(describeGroup(v1.key), 'host h, database app');
  // Same configured name on another server (a new cluster after a migration): its own group.
  assert.notEqual(sourceKey(snap('6', 'app', { ...A, systemIdentifier: '7399999999999999999' })), sourceKey(snap('1', 'app', A)));
});

test('--db picks the configured name first, else the database name; version 1 snapshots match by database', () => {
  const list = [snap('1', 'app', A), snap('2', 'app', B), snap('3', 'app'), snap('4', 'shop', { ...B, name: 'other' })];
  assert.deepEqual(selectByDatabase(list, ['shop']).map((s) => s.id), ['1'], 'configured name wins over database name "shop"');
  assert.deepEqual(selectByDatabase(list, ['blog']).map((s) => s.id), ['2']);
  assert.deepEqual(selectByDatabase(list, ['app']).map((s) => s.id), ['1', '2', '3'], 'no entry is named app: every source whose database is app');
  assert.deepEqual(selectByDatabase(list, ['shop', 'blog']).map((s) => s.id), ['1', '2']);
  assert.deepEqual(selectByDatabase(list, undefined).map((s) => s.id), ['1', '2', '3', '4']);
});
