/**
 * The completeness guard (src/dump/guard, issue 11): a dump writes every object of its scope or fails
 * naming what it would leave out. For every catalog the guard covers, switching off that catalog's
 * renderer (the test-only `skipRenderers` option) must make the dump fail naming the object; objects
 * pgvault cannot write trip it without any switch; `allowUnsupported` lets the dump through with the list.
 * Fixtures: test/corpora/guard-*.sql (kept in the corpora so every server major runs them).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startCluster, type PgCluster, type PgMajor } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../repo/helpers.js';
import { runPsqlFile } from '../helpers/roundtrip.js';
import { CORPORA_DIR } from '../corpora/index.js';
import pg from 'pg';
import { dumpDatabase, sessionSetupSql, type DumpOptions, type DumpSummary, type SchemaOptions } from '../../src/dump/index.js';
import { readSchema } from '../../src/dump/schema/index.js';
import { ExitCode, UnsupportedObjectsError } from '../../src/errors.js';

/** PostgreSQL 15 by default; PGVAULT_TEST_MAJOR=13…18 runs the same checks on another major. */
const major = Number(process.env.PGVAULT_TEST_MAJOR ?? 15) as PgMajor;

/** Catalog whose renderer is switched off → what the error must name. */
const COVERED: [string, string][] = [
  ['pg_namespace', 'schema gk'],
  ['pg_class', 'table gk.t'],
  ['pg_type', 'type gk.mood'],
  ['pg_type', 'type gk.lbl'],
  ['pg_am', 'access method gk_am'],
  ['pg_conversion', 'conversion gk.conv'],
  ['pg_ts_parser', 'text search parser gk.prs'],
  ['pg_ts_template', 'text search template gk.tmpl'],
  ['pg_language', 'language gk_lang'],
  ['pg_transform', 'transform for gk.lbl'],
  ['pg_proc', 'function gk.lt3(integer,integer)'],
  ['pg_operator', 'operator gk.<<<(integer,integer)'],
  ['pg_opfamily', 'operator family gk.fam USING hash'],
  ['pg_opclass', 'operator class gk.cls USING hash'],
  ['pg_collation', 'collation gk.coll'],
  ['pg_ts_dict', 'text search dictionary gk.dict'],
  ['pg_ts_config', 'text search configuration gk.cfg'],
  ['pg_statistic_ext', 'statistics object gk.st'],
  ['pg_constraint', 'table constraint t_pkey on gk.t'],
  ['pg_attrdef', 'default value'],
  ['pg_trigger', 'trigger t_trg on gk.t'],
  ['pg_rewrite', 'rule t_rule on gk.child'],
  ['pg_policy', 'policy t_pol on gk.t'],
  ['pg_extension', 'extension seg'],
  ['pg_cast', 'cast (gk.mood AS integer)'],
  ['pg_foreign_data_wrapper', 'foreign-data wrapper gk_fdw'],
  ['pg_foreign_server', 'server gk_srv'],
  ['pg_user_mapping', 'user mapping'],
  ['pg_event_trigger', 'event trigger gk_evt'],
  ['pg_publication', 'publication gk_pub'],
  ['pg_subscription', 'subscription gk_sub'],
  ['pg_publication_rel', 'publication relation gk.t in publication gk_pub'],
  ['pg_default_acl', 'default acl'],
  ['pg_largeobject', 'large object 4242001'],
  ['pg_description', 'comment on table gk.t'],
  ['pg_seclabel', 'security label gk_provider on table gk.t'],
  ['pg_seclabel', 'security label gk_provider on subscription gk_sub'],
  ['pg_depend', 'dependency on extension function gk.lt3(integer,integer) depends on extension seg'],
  ['table-data', 'table data gk.t'],
  ['extconfig', 'extension configuration data gk.settings WHERE id > 1'],
];

describe(`completeness guard (PostgreSQL ${major})`, () => {
  let cluster: PgCluster;
  let client: pg.Client;
  before(async () => {
    cluster = await startCluster({ major });
    await cluster.createDatabase('gk');
    runPsqlFile(cluster, 'gk', join(CORPORA_DIR, 'guard-kinds.sql'));
    if (major >= 15) runPsqlFile(cluster, 'gk', join(CORPORA_DIR, 'guard-kinds.pg15.sql'));
    await cluster.createDatabase('gu');
    runPsqlFile(cluster, 'gu', join(CORPORA_DIR, 'guard-unsupported.sql'));
    client = new pg.Client(cluster.config('gk'));
    await client.connect();
    await client.query(sessionSetupSql());
  });
  after(async () => {
    await client?.end();
    await cluster?.stop();
  });

  /** The schema side alone, in the engine's kind of transaction (cheaper than a whole dump per catalog). */
  async function readGk(opts: SchemaOptions): Promise<void> {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      await readSchema(client, opts);
    } finally {
      await client.query('ROLLBACK');
    }
  }

  async function dump(db: string, opts: DumpOptions = {}): Promise<{ script: string; summary: DumpSummary }> {
    const d = dumpDatabase({ host: cluster.host, port: cluster.port, user: cluster.user, database: db }, opts);
    let script = '';
    for await (const part of d) for await (const c of part.stream) script += Buffer.from(c).toString();
    return { script, summary: d.summary() };
  }

  test('with every renderer on, the fixture of supported kinds dumps without complaint', async () => {
    const { summary } = await dump('gk');
    assert.deepEqual(summary.unsupported, []);
  });

  const covered = major >= 15 ? [...COVERED, ['pg_publication_namespace', 'publication namespace gk in publication gk_pub_schema'] as [string, string]] : COVERED;
  for (const [cat, named] of covered) {
    test(`switching off the ${cat} renderer makes the dump fail naming ${named}`, async () => {
      await assert.rejects(readGk({ skipRenderers: [cat] }), (e: unknown) => {
        assert.ok(e instanceof UnsupportedObjectsError, String(e));
        assert.equal(e.exitCode, ExitCode.UNSUPPORTED_OBJECTS);
        assert.ok(e.objects.some((o) => `${o.kind} ${o.name}`.includes(named)), `expected "${named}" in:\n${e.message}`);
        assert.match(e.message, /--allow-unsupported/);
        return true;
      });
    });
  }

  const UNSUPPORTED = ['security label gu_provider on foreign-data wrapper gu_fdw'];

  test('objects pgvault cannot write make the dump fail before any byte is written, naming each', async () => {
    let bytes = 0;
    const d = dumpDatabase({ host: cluster.host, port: cluster.port, user: cluster.user, database: 'gu' });
    await assert.rejects((async () => { for await (const part of d) for await (const c of part.stream) bytes += c.length; })(), (e: unknown) => {
      assert.ok(e instanceof UnsupportedObjectsError, String(e));
      assert.deepEqual(e.objects.map((o) => `${o.kind} ${o.name}`), UNSUPPORTED);
      for (const u of UNSUPPORTED) assert.ok(e.message.includes(u), e.message);
      assert.match(e.message, /refusing to dump database "gu"/);
      return true;
    });
    assert.equal(bytes, 0);
  });

  test('allowUnsupported lets the dump through, listing the objects in the summary and the warnings', async () => {
    const { script, summary } = await dump('gu', { allowUnsupported: true });
    assert.deepEqual(summary.unsupported.map((o) => `${o.kind} ${o.name}`), UNSUPPORTED);
    assert.ok(summary.warnings.some((w) => w.includes('--allow-unsupported') && w.includes(UNSUPPORTED[0]!)), summary.warnings.join('\n'));
    assert.match(script, /CREATE TABLE gu\.plain/);
  });

  test('objects excluded on purpose by a filter do not trip the guard', async () => {
    // --schema gu: foreign-data wrappers (and their labels) are database-wide, out of a schema-filtered dump's scope.
    assert.deepEqual((await dump('gu', { schemas: ['gu'] })).summary.unsupported, []);
    // A security label follows its object: left out with it.
    await readGk({ skipRenderers: ['pg_seclabel'], schemas: ['nothing_here'] });
    // Extension configuration data, with its renderer switched off: pg_dump's scope rules (processExtensionTables).
    const off = { skipRenderers: ['extconfig'] };
    await assert.rejects(readGk(off), (e: unknown) => e instanceof UnsupportedObjectsError
      && e.objects.map((o) => `${o.kind} ${o.name}`).join() === 'extension configuration data gk.settings WHERE id > 1');
    await readGk({ ...off, excludeTableData: ['gk.settings'] }); // --exclude-table-data: left out on purpose
    await readGk({ ...off, excludeTables: ['gk.settings'] });
    await readGk({ ...off, schemas: ['gk'] }); // --schema: no extensions, so no configuration data
  });

  test('objects the dump role cannot read (subscriptions, for a non-superuser) fail the dump by name, with the reason', async () => {
    await cluster.query('postgres', 'CREATE ROLE gk_dumper LOGIN');
    await cluster.query('postgres', 'CREATE DATABASE gr OWNER gk_dumper');
    await cluster.query('gr', `SET ROLE gk_dumper; CREATE TABLE public.mine (id integer); RESET ROLE;
      CREATE SUBSCRIPTION gr_sub CONNECTION 'host=/nonexistent dbname=nowhere' PUBLICATION p WITH (connect = false, slot_name = NONE)`);
    const d = dumpDatabase({ host: cluster.host, port: cluster.port, user: 'gk_dumper', database: 'gr' });
    await assert.rejects((async () => { for await (const part of d) for await (const c of part.stream) void c; })(), (e: unknown) => {
      assert.ok(e instanceof UnsupportedObjectsError, String(e));
      assert.deepEqual(e.objects, [{ kind: 'subscription', name: 'gr_sub' }]);
      assert.match(e.message, /cannot read pg_subscription\.subconninfo .*run the dump as a superuser/s);
      return true;
    });
    // A superuser dumps it.
    const { script } = await dump('gr');
    // PostgreSQL 18's default for streaming is parallel, which the dump writes out as pg_dump 18 does.
    const streaming = major >= 18 ? ', streaming = parallel' : '';
    assert.ok(script.includes(`CREATE SUBSCRIPTION gr_sub CONNECTION 'host=/nonexistent dbname=nowhere' PUBLICATION p WITH (connect = false, slot_name = NONE${streaming});`),
      script.split('\n').filter((l) => l.includes('SUBSCRIPTION gr_sub')).join('\n'));
  });

  test('an extension at a version other than the server default is dumped as pg_dump does, with a warning', async () => {
    await cluster.createDatabase('gx');
    await cluster.query('gx', "CREATE SCHEMA old_ext; CREATE EXTENSION seg VERSION '1.1' SCHEMA old_ext");
    const { script, summary } = await dump('gx');
    assert.match(script, /CREATE EXTENSION IF NOT EXISTS seg WITH SCHEMA old_ext;/);
    assert.ok(summary.warnings.some((w) => /^extension seg is installed at version 1\.1 but this server's default is 1\.\d+: .*ALTER EXTENSION seg UPDATE TO '1\.1'/.test(w)), summary.warnings.join('\n'));
    assert.deepEqual((await dump('gk')).summary.warnings.filter((w) => w.startsWith('extension ')), [], 'no warning at the default version');
  });

  test('CLI: dump and backup refuse (exit 18, no output, no snapshot); --allow-unsupported records the list that snapshots and verify show', async () => {
    const tmp = tempDir();
    try {
      const env = { PGVAULT_PASSWORD: 'guard test', XDG_CACHE_HOME: join(tmp.path, 'cache') };
      const pgvault = (args: string[]) => runCli(['--repo', join(tmp.path, 'repo'), ...args], env);
      let r = await runCli(['dump', cluster.url('gu')], env);
      assert.equal(r.code, ExitCode.UNSUPPORTED_OBJECTS, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /security label gu_provider on foreign-data wrapper gu_fdw/);
      assert.equal((await pgvault(['init'])).code, 0);
      r = await pgvault(['backup', cluster.url('gu')]);
      assert.equal(r.code, ExitCode.UNSUPPORTED_OBJECTS, r.stderr);
      assert.match(r.stderr, /security label gu_provider on foreign-data wrapper gu_fdw/);
      r = await pgvault(['--json', 'snapshots']);
      assert.deepEqual(JSON.parse(r.stdout), []);

      r = await pgvault(['backup', '--allow-unsupported', cluster.url('gu')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /lacks 1 object\(s\)/);
      r = await pgvault(['--json', 'snapshots']);
      const snaps = JSON.parse(r.stdout) as { unsupported: { kind: string; name: string }[] }[];
      assert.deepEqual(snaps.map((s) => s.unsupported.map((o) => `${o.kind} ${o.name}`)), [UNSUPPORTED]);
      r = await pgvault(['snapshots']);
      assert.match(r.stdout, /WARNING: snapshot [0-9a-f]{8} \(gu\) lacks 1 object\(s\)[^\n]*\n {2}- security label gu_provider on foreign-data wrapper gu_fdw\n/);
      r = await pgvault(['verify', 'latest', '--scratch', cluster.url('postgres')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /restores exactly/);
      assert.match(r.stdout, /WARNING: snapshot [0-9a-f]{8} lacks 1 object\(s\)/);
    } finally {
      tmp.cleanup();
    }
  });
});
