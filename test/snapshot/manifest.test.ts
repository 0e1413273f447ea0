import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IntegrityError } from '../../src/errors.js';
import { decodeManifest, encodeManifest, MANIFEST_VERSION, type SnapshotManifest } from '../../src/snapshot/manifest.js';

function manifest(version: number, extra: Record<string, unknown> = {}): Uint8Array {
  const m = {
    version, time: '2026-11-20T06:00:00+01:00', host: 'h', tags: [], database: 'app', source: 'postgres://app@db:5432/app',
    server: { version: '17.0', versionNum: 170000 }, pgvaultVersion: 'test',
    dump: { size: 0, sha256: '', chunks: 0, list: [], options: {} }, parts: [],
    added: { newChunks: 0, newBytes: 0, storedBytes: 0 }, startedAt: '', finishedAt: '', durationMs: 0, ...extra,
  };
  return new TextEncoder().encode(JSON.stringify(m));
}

test('new manifests are version 2', () => {
  assert.equal(MANIFEST_VERSION, 2);
});

test('version 1 manifests (no origin) stay readable next to version 2', () => {
  const v1 = decodeManifest(manifest(1), 'a1');
  assert.equal(v1.version, 1);
  assert.equal(v1.origin, undefined);
  const v2 = decodeManifest(manifest(2, { origin: { name: 'app', systemIdentifier: '7312345678901234567', port: 5432 } }), 'b2');
  assert.equal(v2.version, 2);
  assert.deepEqual(v2.origin, { name: 'app', systemIdentifier: '7312345678901234567', port: 5432 });
  const again = decodeManifest(encodeManifest(v2 as SnapshotManifest), 'b2');
  assert.deepEqual(again.origin, v2.origin);
});

test('an unknown manifest version is refused with the advice to upgrade', () => {
  assert.throws(() => decodeManifest(manifest(3), 'c3'), (e: unknown) => e instanceof IntegrityError && /version 3.*reads versions 1 and 2.*upgrade pgvault/.test(e.message));
  assert.throws(() => decodeManifest(manifest(0), 'c0'), IntegrityError);
});

test('a manifest records its script\'s checksum as dump.segments (new) or dump.sha256 (older); one with neither is refused', () => {
  const segments = decodeManifest(manifest(2, { dump: { size: 0, segments: 'ab'.repeat(32), chunks: 0, list: [], options: {} } }), 'd1');
  assert.equal(segments.dump.segments, 'ab'.repeat(32));
  assert.equal(segments.dump.sha256, undefined);
  assert.equal(decodeManifest(manifest(1), 'd2').dump.sha256, '');
  for (const version of [1, 2]) {
    assert.throws(() => decodeManifest(manifest(version, { dump: { size: 0, chunks: 0, list: [], options: {} } }), 'd3'), (e: unknown) =>
      e instanceof IntegrityError && /snapshots\/d3 .*records no checksum of its script \(neither dump\.sha256 nor dump\.segments\)/.test(e.message));
  }
});
