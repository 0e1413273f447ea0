/**
 * readSchema: the schema side of pgvault's native dumper. Runs inside the engine's snapshot
 * transaction on a pinned session: reads pg_class and locks the dumped tables first, then the rest
 * of the catalogs, builds pg_dump's object graph, sorts it, and renders the script around the data.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { DatabaseError } from '../../errors.js';
import type { SchemaOptions, SchemaPlan, SequenceSpec, TableDataSpec } from '../plan.js';
import { readTableChildren } from './children.js';
import { Ctx } from './context.js';
import { addBoundaries, addDependencies, makeRepair, type Graph } from './graph.js';
import { readIndexes } from './indexes.js';
import { readCollations, readDefaultAcls, readEventTriggers, readLargeObjects, readPublications, readStatistics } from './misc.js';
import type { DumpObject } from './model.js';
import { readComments, readExtensionMembers, readExtensions, readNamespaces, readSecurityLabels } from './namespaces.js';
import { literal, Quoter } from './quote.js';
import { lockTables, readRelationList, readRelations, type Rel, type RelRow } from './relations.js';
import { buildSelection, type Selection } from './select.js';
import { footer, header, ScriptWriter } from './render.js';
import { sortDumpObjects } from './sort.js';
import { domainChecks, readTypes } from './types.js';
import { readFunctions } from './functions.js';
import { readExtensionMemberAcls } from './extacl.js';
import { readForeignDataWrappers } from './fdw.js';
import { readRareObjects } from './rare.js';
import { readMoreKinds } from './kinds.js';
import { readLanguages } from './languages.js';
import { readSubscriptions } from './subscriptions.js';
import { addExtensionConfigData, readExtensionConfig, type ConfigRel } from './extconfig.js';
import { dataKey, extConfigKey, findUnrendered, unsupportedError, unsupportedWarning } from '../guard/index.js';

export const MIN_SERVER_VERSION = 130000;
/** The first server_version_num pgvault does not read (PostgreSQL 19: catalogs it has not been tested against). */
export const END_SERVER_VERSION = 190000;

/**
 * Throws a DatabaseError for servers older than PostgreSQL 13 or newer than 18 (catalogs pgvault does not read,
 * or has not been tested against). The connection layer (src/db/connect.ts) refuses them first; this guards
 * callers that bring their own client.
 */
export function assertSupportedServer(versionNum: number, versionStr: string): void {
  if (!Number.isFinite(versionNum) || versionNum < MIN_SERVER_VERSION) {
    throw new DatabaseError(`unsupported PostgreSQL server version ${versionStr}: pgvault dumps PostgreSQL 13 to 18. Upgrade the server, or dump it with that server's own pg_dump.`);
  }
  if (versionNum >= END_SERVER_VERSION) {
    throw new DatabaseError(`unsupported PostgreSQL server version ${versionStr}: pgvault dumps PostgreSQL 13 to 18. Upgrade pgvault to a release that supports it, or dump it with that server's own pg_dump.`);
  }
}

/** 64 random alphanumeric characters, like pg_dump's \restrict key. */
export function randomRestrictKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  while (out.length < 64) {
    for (const b of randomBytes(96)) {
      if (b < 248 && out.length < 64) out += alphabet[b % 62];
    }
  }
  return out;
}

export async function readSchema(client: pg.Client, opts: SchemaOptions = {}): Promise<SchemaPlan> {
  const ver = await client.query<{ num: string; str: string }>("SELECT pg_catalog.current_setting('server_version_num') AS num, pg_catalog.current_setting('server_version') AS str");
  const versionNum = Number(ver.rows[0]!.num);
  const versionStr = ver.rows[0]!.str;
  assertSupportedServer(versionNum, versionStr);
  const restrictKey = opts.restrictKey === undefined ? randomRestrictKey() : opts.restrictKey;
  if (restrictKey !== null && !/^[A-Za-z0-9]+$/.test(restrictKey)) throw new DatabaseError('internal error: restrict key must be alphanumeric');
  const kw = await client.query<{ word: string }>("SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode <> 'U'");
  const q = new Quoter(kw.rows.map((r) => r.word));
  const ctx = new Ctx(client, q, versionNum, {
    noOwner: opts.noOwner ?? false,
    noPrivileges: opts.noPrivileges ?? false,
    clean: opts.clean ?? true,
    lockWaitTimeoutMs: opts.lockWaitTimeoutMs ?? 0,
  }, opts);

  const sel = await buildSelection(ctx);
  // The catalog rows and the object graph live in readAndRender's frame: they are garbage once it returns.
  const { tables, sequences, largeObjects, writer, selectedRelations } = await readAndRender(ctx, sel);
  ctx.releaseGraph();

  // The completeness guard: every object of the scope is written, excluded on purpose, or owned by an extension.
  const unsupported = await findUnrendered({
    query: (sql, params) => ctx.query(sql, params), pages: (sql, params, onPage) => ctx.pages(sql, params, onPage), version: versionNum, scope: sel, ledger: ctx.ledger,
    members: ctx.extMembers, selectedRelations, noPrivileges: opts.noPrivileges === true,
  });
  if (unsupported.length > 0) {
    if (!opts.allowUnsupported) {
      const db = await client.query<{ d: string }>('SELECT pg_catalog.current_database() AS d');
      throw unsupportedError(db.rows[0]!.d, unsupported, ctx.guardHints);
    }
    ctx.warnings.push(unsupportedWarning(unsupported), ...ctx.guardHints);
  }

  const enc = await client.query<{ e: string }>("SELECT pg_catalog.current_setting('client_encoding') AS e");
  const { prologue, epilogue } = writer.finish(header(versionStr, restrictKey, enc.rows[0]!.e), footer(restrictKey));
  opts.onWriterStats?.(writer.stats);

  return {
    serverVersionNum: versionNum,
    serverVersion: versionStr,
    prologue,
    tables,
    sequences,
    largeObjects,
    largeObjectsHeader: largeObjects.length > 0 ? '--\n-- Data for Name: BLOBS; Type: BLOBS; Schema: -; Owner: -\n--\n\n' : '',
    epilogue,
    warnings: ctx.warnings,
    unsupported,
  };
}

/** Read the catalogs (locking the dumped tables first), then build, sort and render the object graph. */
async function readAndRender(ctx: Ctx, sel: Selection): Promise<{
  tables: TableDataSpec[]; sequences: SequenceSpec[]; largeObjects: number[]; writer: ScriptWriter; selectedRelations: Set<number>;
}> {
  await readExtensionMembers(ctx);
  let relList: RelRow[] | null = await readRelationList(ctx, sel);
  const selectedRelations = new Set(relList.map((r) => r.oid));
  const config = await readExtensionConfig(ctx, sel);
  await lockTables(ctx, [...relList, ...config.values()]);

  await readComments(ctx);
  await readSecurityLabels(ctx);
  await readNamespaces(ctx, sel);
  await readExtensions(ctx, sel);
  await addExtensionConfigData(ctx, config);
  await readCollations(ctx, sel);
  await readTypes(ctx, sel);
  await readFunctions(ctx, sel);
  await readForeignDataWrappers(ctx, sel);
  await readRareObjects(ctx, sel);
  await readMoreKinds(ctx, sel);
  await readLanguages(ctx, sel);
  let rels: Map<number, Rel> | null = await readRelations(ctx, sel, relList);
  relList = null; // its rows live on in `rels`
  await readIndexes(ctx, rels);
  await readTableChildren(ctx, rels);
  await readStatistics(ctx, rels);
  const largeObjects = await readLargeObjects(ctx, sel);
  await readEventTriggers(ctx, sel);
  await readDefaultAcls(ctx, sel);
  await readPublications(ctx, sel, rels);
  await readSubscriptions(ctx, sel);
  await readExtensionMemberAcls(ctx, sel);

  // The map goes to renderScript in a holder that it empties: this frame must not keep every relation alive.
  const held: { rels: Map<number, Rel> | null } = { rels };
  rels = null;
  const { tables, sequences, writer } = await renderScript(ctx, held, config);
  return { tables, sequences, largeObjects, writer, selectedRelations };
}

/**
 * Build the object graph, sort it, and render it in sort order straight into the script's sections: each object's
 * entries are printed (flat text) as soon as they exist and its renderer is released, so no per-object SQL lives until
 * the end. What only one object needs goes with it: a table's columns once its CREATE TABLE is printed, each object
 * once it is written (nothing else keeps the list of them, or the map of every relation, while the script grows).
 * Everything but the writer and the data specs is unreachable once this returns.
 */
async function renderScript(ctx: Ctx, held: { rels: Map<number, Rel> | null }, config: Map<number, ConfigRel>): Promise<{ tables: TableDataSpec[]; sequences: SequenceSpec[]; writer: ScriptWriter }> {
  const { sorted, pre, post } = await sortGraph(ctx, held.rels!);

  // Data specs, made before the tables' columns are released (in sort order below).
  const configData = [...config.values()].filter((c) => c.obj !== null && c.relkind === 'r');
  const dataOids: number[] = [];
  for (const rel of held.rels!.values()) if (rel.dumpData) dataOids.push(rel.oid);
  const extra = await readDataExtras(ctx, [...dataOids, ...configData.map((c) => c.oid)]);
  const tableSpecs = new Map<number, TableDataSpec>();
  const sequenceSpecs = new Map<number, SequenceSpec>();
  for (const rel of held.rels!.values()) {
    if (rel.dumpData) tableSpecs.set(rel.oid, tableSpec(ctx, rel, extra.get(rel.oid)));
    if (rel.relkind === 'S') sequenceSpecs.set(rel.oid, { oid: rel.oid, qualified: rel.qual, schema: rel.nspname, name: rel.relname, owner: ctx.owner(rel.owner) });
  }
  held.rels = null;
  return writeScript(ctx, sorted, pre, post, config, tableSpecs, sequenceSpecs, extra);
}

/** The render loop; each object is dropped from `sorted` once written (the array was the last list of all of them). */
function writeScript(
  ctx: Ctx, sorted: (DumpObject | null)[], pre: DumpObject, post: DumpObject, config: Map<number, ConfigRel>,
  tableSpecs: Map<number, TableDataSpec>, sequenceSpecs: Map<number, SequenceSpec>, extra: Map<number, DataExtra>,
): { tables: TableDataSpec[]; sequences: SequenceSpec[]; writer: ScriptWriter } {
  const writer = new ScriptWriter(ctx.q, ctx.opts.clean);
  const tables: TableDataSpec[] = [];
  const sequences: SequenceSpec[] = [];
  let phase: 'pre' | 'data' | 'post' = 'pre';
  for (let i = 0; i < sorted.length; i++) {
    const o = sorted[i]!;
    sorted[i] = null;
    if (o === pre) { phase = 'data'; continue; }
    if (o === post) {
      phase = 'post';
      ctx.raw.onRenderStats?.({ columnsHeldAtPostData: ctx.columnsHeld });
      continue;
    }
    const cfg = o.type === 'tableData' || o.type === 'sequenceSet' ? config.get(o.oid) : undefined;
    if (cfg && cfg.obj === o) {
      // Extension configuration data (the test-only switch `extconfig` leaves it out, for the guard test).
      if (ctx.skip.has('extconfig')) continue;
      if (o.type === 'tableData') tables.push(configTableSpec(ctx, cfg, extra.get(cfg.oid)));
      else sequences.push({ oid: cfg.oid, qualified: cfg.qual, schema: cfg.nspname, name: cfg.relname, owner: ctx.owner(cfg.owner) });
      ctx.ledger.add(extConfigKey(cfg.oid));
      continue;
    }
    if (o.type === 'tableData') {
      const spec = tableSpecs.get(o.oid)!;
      tableSpecs.delete(o.oid);
      if (ctx.skip.has('table-data')) continue;
      tables.push(spec);
      ctx.ledger.add(dataKey(o.oid));
      continue;
    }
    if (o.type === 'sequenceSet') {
      sequences.push(sequenceSpecs.get(o.oid)!);
      continue;
    }
    writer.write(ctx.render(o), phase === 'data' ? 'post' : phase);
    o.emit = null;
  }
  return { tables, sequences, writer };
}
/** The dependency graph (pg_depend plus pg_dump's own edges), sorted; the graph's lookup maps die with this frame. */
async function sortGraph(ctx: Ctx, rels: Map<number, Rel>): Promise<{ sorted: DumpObject[]; pre: DumpObject; post: DumpObject }> {
  const pre = ctx.add({ type: 'preBoundary', classid: 0, oid: 0, schema: null, name: 'PRE-DATA BOUNDARY', section: 'pre', emit: null });
  const post = ctx.add({ type: 'postBoundary', classid: 0, oid: 0, schema: null, name: 'POST-DATA BOUNDARY', section: 'post', emit: null });
  const g: Graph = { pre, post, rels, relByObj: new Map(), attrdefByObj: new Map(), checkByObj: new Map(), domCheckByObj: new Map() };
  for (const rel of rels.values()) {
    if (rel.obj) g.relByObj.set(rel.obj.id, rel);
    for (const c of rel.cols) if (c.attrdef) g.attrdefByObj.set(c.attrdef.obj.id, { ad: c.attrdef, rel });
    for (const ch of rel.checks) g.checkByObj.set(ch.obj.id, { ch, rel });
  }
  for (const o of ctx.objects) for (const dc of domainChecks.get(o) ?? []) g.domCheckByObj.set(dc.obj.id, dc);
  await addDependencies(ctx, g);
  addBoundaries(ctx, g);
  const sorted = sortDumpObjects(ctx.objects, makeRepair(ctx, g), ctx.warnings);
  ctx.sorted();
  return { sorted, pre, post };
}

interface DataExtra { bytes: number; key: string[] | null }

async function readDataExtras(ctx: Ctx, oids: number[]): Promise<Map<number, DataExtra>> {
  const rows = await ctx.query<{ oid: number; bytes: string; key: string[] | null }>(
    `SELECT x.oid::int8::float8 AS oid, pg_catalog.pg_table_size(x.oid)::text AS bytes,
            (SELECT ARRAY(SELECT a.attname FROM pg_catalog.unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                            JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[]
               FROM pg_catalog.pg_index i
              WHERE i.indrelid = x.oid AND i.indisunique AND i.indisvalid AND i.indimmediate AND i.indpred IS NULL AND i.indexprs IS NULL
                AND NOT (0 = ANY (i.indkey::int2[]))
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.unnest(i.indkey::int2[]) k(n) JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n WHERE NOT a.attnotnull)
              ORDER BY i.indisprimary DESC, i.indnkeyatts, i.indexrelid LIMIT 1) AS key
       FROM pg_catalog.unnest($1::oid[]) x(oid)`, [oids]);
  return new Map(rows.map((r) => [r.oid, { bytes: Number(r.bytes), key: r.key }]));
}

function tableSpec(ctx: Ctx, rel: Rel, extra: DataExtra | undefined): TableDataSpec {
  const { q } = ctx;
  const columns = rel.cols.filter((c) => !c.dropped && c.generated === '').map((c) => q.id(c.name));
  const list = columns.length > 0 ? `(${columns.join(', ')})` : '';
  return {
    oid: rel.oid,
    schema: rel.nspname,
    name: rel.relname,
    qualified: rel.qual,
    columns,
    // Leaves of a hash-on-enum partitioned table load through the root, with pg_dump's comment line.
    copyFromLine: rel.loadVia
      ? `-- load via partition root ${rel.loadVia.replace(/[\r\n]/g, ' ')}\n\nCOPY ${rel.loadVia} ${list} FROM stdin;\n`
      : `COPY ${rel.qual} ${list} FROM stdin;\n`,
    orderKey: extra?.key ? extra.key.map((k) => q.id(k)) : null,
    estimatedBytes: extra?.bytes ?? 0,
    owner: ctx.owner(rel.owner),
  };
}

/** A configuration table's data: its filter applies to the rows read (pg_dump's `COPY (SELECT … <filter>) TO stdout`). */
function configTableSpec(ctx: Ctx, cfg: ConfigRel, extra: DataExtra | undefined): TableDataSpec {
  const { q } = ctx;
  const columns = cfg.columns.map((c) => q.id(c));
  const spec: TableDataSpec = {
    oid: cfg.oid,
    schema: cfg.nspname,
    name: cfg.relname,
    qualified: cfg.qual,
    columns,
    copyFromLine: `COPY ${cfg.qual} ${columns.length > 0 ? `(${columns.join(', ')})` : ''} FROM stdin;\n`,
    orderKey: extra?.key ? extra.key.map((k) => q.id(k)) : null,
    estimatedBytes: extra?.bytes ?? 0,
    owner: ctx.owner(cfg.owner),
  };
  if (cfg.filter !== null) spec.filter = cfg.filter;
  return spec;
}

export { literal };
export type { DumpObject };
