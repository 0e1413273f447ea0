/**
 * Forced chunk boundaries (docs/chunking-and-crypto.md, "Forced boundaries"): the per-dump `\restrict`
 * key lines sit in chunks of their own and each table's data starts a chunk, so an unchanged database
 * adds only two tiny chunks and a changed table adds chunks inside its own data only.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { splitKeyLines } from '../../src/backup/restrict-lines.js';
import { Chunker } from '../../src/chunker/index.js';
import { header, footer } from '../../src/dump/schema/render.js';
import { backupDatabase } from '../../src/backup/backup.js';
import { FsStore } from '../../src/store/fs.js';
import { Repository } from '../../src/repo/repository.js';
import { DEFAULT_CHUNKER_PARAMS } from '../../src/chunker/params.js';
import { startCluster, type PgCluster } from '../helpers/pg.js';
import { bytes, collect, tempDir, testRepo, TEST_KDF, TEST_CHUNKER } from '../repo/helpers.js';
import { join } from 'node:path';

const KEY = 'A'.repeat(20) + 'b9'.repeat(22);
const enc = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (u: Uint8Array) => Buffer.from(u).toString('latin1');

describe('splitKeyLines', () => {
  test('isolates the \\restrict line of a header and the \\unrestrict line of a footer, losing no byte', () => {
    for (const s of [header('15.18', KEY, 'UTF8'), 'CREATE TABLE a ();\n\n' + footer(KEY)]) {
      const segs = splitKeyLines(enc(s));
      assert.equal(segs.map((x) => text(x.bytes)).join(''), s);
      const keys = segs.filter((x) => x.keyLine).map((x) => text(x.bytes));
      assert.equal(keys.length, 1);
      assert.match(keys[0]!, new RegExp(`^\\\\(un)?restrict ${KEY}\\n\\n$`));
    }
  });

  test('a key-like text that does not start a line, or a script without keys, is one ordinary segment', () => {
    for (const s of ["SELECT 'x\\restrict abc\n';\n", header('15.18', null, 'UTF8'), '']) {
      const segs = splitKeyLines(enc(s));
      assert.ok(segs.every((x) => !x.keyLine));
      assert.equal(segs.map((x) => text(x.bytes)).join(''), s);
    }
  });
});

describe('StreamWriter.cut', () => {
  test('a forced cut makes what follows chunk exactly as a stream of its own; below minPending it does nothing', async () => {
    const t = await testRepo();
    try {
      const a = bytes(50_000, 3, true);
      const b = bytes(90_000, 4, true);
      const w = t.repo.writer();
      await w.write(a);
      await w.cut(a.length + 1); // not enough waiting: no cut
      await w.cut(a.length);     // enough: cut
      await w.cut();             // nothing waiting: no empty chunk
      await w.write(b);
      const saved = await w.finish();
      const ca = new Chunker(TEST_CHUNKER);
      const chunksA = [...ca.push(a), ...ca.finish()];
      const cb = new Chunker(TEST_CHUNKER);
      const chunksB = [...cb.push(b), ...cb.finish()];
      const refs = [];
      for await (const r of t.repo.refs(saved.list)) refs.push(r);
      assert.deepEqual(refs.map((r) => r.length), [...chunksA, ...chunksB].map((c) => c.length));
      assert.deepEqual(refs.map((r) => r.id), [...chunksA, ...chunksB].map((c) => t.repo.chunks.idOf(c)));
      assert.deepEqual(await collect(t.repo.readStream(saved.list)), Buffer.concat([a, b]));
    } finally {
      t.cleanup();
    }
  });
});

describe('backups of an unchanged or slightly changed database (PostgreSQL 15)', () => {
  let pg: PgCluster;
  const tmp = tempDir();
  before(async () => {
    pg = await startCluster({ major: 15 });
    await pg.createDatabase('small');
    // ~850 KiB of SQL: smaller than two default chunks.
    pg.psql('small', ['-c', `CREATE TABLE public.notes (id int PRIMARY KEY, body text);
      INSERT INTO public.notes SELECT g, repeat(md5(g::text), 5) FROM generate_series(1, 5000) g;`]);
    await pg.createDatabase('twenty');
    let sql = '';
    for (let i = 1; i <= 20; i++) {
      sql += `CREATE TABLE public.t${String(i).padStart(2, '0')} (id int PRIMARY KEY, body text);
        INSERT INTO public.t${String(i).padStart(2, '0')} SELECT g, md5((g * ${i})::text) || md5(g::text) FROM generate_series(1, 1500) g;\n`;
    }
    pg.psql('twenty', ['-c', sql]);
  });
  after(async () => {
    await pg?.stop();
    tmp.cleanup();
  });
  const conn = (database: string) => ({ host: pg.host, port: pg.port, user: pg.user, database });

  test('an unchanged database under 2 MiB adds at most 4 KiB of data objects (default chunker)', async (t) => {
    const dir = join(tmp.path, 'small');
    const repo = await Repository.init(new FsStore(dir, { fsync: false }), 'pw', { kdf: TEST_KDF, cacheDir: join(tmp.path, 'cache-small'), chunker: DEFAULT_CHUNKER_PARAMS });
    const first = await backupDatabase(repo, { connection: conn('small') });
    assert.ok(first.manifest.dump.size > 512 * 1024 && first.manifest.dump.size < 2 * 1024 * 1024, String(first.manifest.dump.size));
    const second = await backupDatabase(repo, { connection: conn('small') });
    assert.notEqual(second.manifest.dump.segments, first.manifest.dump.segments, 'the restrict key differs per dump');
    // Two key-line chunks and the chunk list: a few hundred bytes.
    t.diagnostic(`dump ${first.manifest.dump.size} bytes; second backup added ${JSON.stringify(second.manifest.added)}`);
    assert.ok(second.manifest.added.storedBytes <= 4096, JSON.stringify(second.manifest.added));
    assert.ok(second.manifest.added.newChunks <= 3, JSON.stringify(second.manifest.added));
    await repo.close();
  });

  test('one table of twenty changed: the new chunks lie inside that table\'s data (or are key lines)', async () => {
    const dir = join(tmp.path, 'twenty');
    const repo = await Repository.init(new FsStore(dir, { fsync: false }), 'pw', { kdf: TEST_KDF, cacheDir: join(tmp.path, 'cache-twenty'), chunker: TEST_CHUNKER });
    const first = await backupDatabase(repo, { connection: conn('twenty') });
    pg.psql('twenty', ['-c', `UPDATE public.t07 SET body = 'changed' WHERE id IN (10, 700, 1400)`]);
    const second = await backupDatabase(repo, { connection: conn('twenty') });
    const before = new Set<string>();
    for await (const r of repo.refs(first.manifest.dump.list)) before.add(r.id);
    const t07 = second.manifest.parts.find((p) => p.name === 'public.t07')!;
    assert.ok(t07 && t07.table);
    let at = 0;
    let newInside = 0;
    for await (const r of repo.refs(second.manifest.dump.list)) {
      if (!before.has(r.id)) {
        const inside = at >= t07.offset && at + r.length <= t07.offset + t07.length;
        const keyLine = r.length < 200;
        assert.ok(inside || keyLine, `new chunk at ${at} (+${r.length}) outside public.t07 [${t07.offset}, +${t07.length})`);
        if (inside) newInside++;
      }
      at += r.length;
    }
    assert.ok(newInside >= 1, 'the changed table has new chunks');
    assert.equal(at, second.manifest.dump.size);
    await repo.close();
  });
});
