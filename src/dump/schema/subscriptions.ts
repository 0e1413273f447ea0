/**
 * Subscriptions of this database, written as pg_dump writes them (dumpSubscription): `CREATE SUBSCRIPTION
 * … WITH (connect = false, slot_name = …)`, so a restore never contacts the publisher; enabling it again
 * is the operator's follow-up (docs/dump-objects.md). Reading the connection string needs a superuser (or
 * SELECT on pg_subscription.subconninfo): without it, nothing is added and the completeness guard names
 * the subscriptions the dump would lack.
 */
import { CLASS, type Ctx } from './context.js';
import type { TocEntry } from './model.js';
import { doBlock, literal } from './quote.js';
import type { Selection } from './select.js';

interface SubRow {
  oid: number; name: string; owner: string; conninfo: string; slot: string | null; publications: string[];
  binary: boolean; stream: string; twophase: string; disableonerr: boolean; synccommit: string;
  origin: string; passwordrequired: boolean; runasowner: boolean; failover: boolean;
}

export async function readSubscriptions(ctx: Ctx, sel: Selection): Promise<void> {
  if (!sel.includeEverything) return;
  const priv = await ctx.query<{ ok: boolean }>("SELECT pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT') AS ok");
  if (!priv[0]!.ok) {
    ctx.guardHints.push('The dump role cannot read pg_subscription.subconninfo (only superusers can), so subscriptions cannot be '
      + 'written: run the dump as a superuser, or take it with --allow-unsupported and recreate them after a restore.');
    return;
  }
  const v = ctx.version;
  const rows = await ctx.query<SubRow>(
    `SELECT s.oid::int8::float8 AS oid, s.subname AS name, pg_catalog.pg_get_userbyid(s.subowner) AS owner, s.subconninfo AS conninfo,
            s.subslotname AS slot, s.subpublications AS publications,
            ${v >= 140000 ? 's.subbinary' : 'false'} AS binary, ${v >= 140000 ? 's.substream::text' : "'f'"} AS stream,
            ${v >= 150000 ? 's.subtwophasestate::text' : "'d'"} AS twophase, ${v >= 150000 ? 's.subdisableonerr' : 'false'} AS disableonerr,
            s.subsynccommit AS synccommit, ${v >= 160000 ? 's.suborigin' : "'any'"} AS origin,
            ${v >= 160000 ? 's.subpasswordrequired' : 'true'} AS passwordrequired, ${v >= 160000 ? 's.subrunasowner' : 'false'} AS runasowner,
            ${v >= 170000 ? 's.subfailover' : 'false'} AS failover
       FROM pg_catalog.pg_subscription s
      WHERE s.subdbid = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database())
      ORDER BY s.oid`);
  const { q } = ctx;
  for (const s of rows) {
    const qn = q.id(s.name);
    let sql = `CREATE SUBSCRIPTION ${qn} CONNECTION ${literal(s.conninfo)} PUBLICATION ${s.publications.map((p) => q.id(p)).join(', ')}`;
    sql += ` WITH (connect = false, slot_name = ${s.slot === null ? 'NONE' : literal(s.slot)}`;
    if (s.binary) sql += ', binary = true';
    if (s.stream === 't') sql += ', streaming = on';
    else if (s.stream === 'p') sql += ', streaming = parallel';
    if (s.twophase !== 'd') sql += ', two_phase = on';
    if (s.disableonerr) sql += ', disable_on_error = true';
    if (!s.passwordrequired) sql += ', password_required = false';
    if (s.runasowner) sql += ', run_as_owner = true';
    if (s.origin.toLowerCase() !== 'any') sql += `, origin = ${s.origin}`;
    if (s.synccommit !== 'off') sql += `, synchronous_commit = ${q.id(s.synccommit)}`;
    if (s.failover) sql += ', failover = true';
    sql += ');\n';
    // pgvault: pg_dump's DROP SUBSCRIPTION IF EXISTS connects to the publisher to drop the replication slot
    // (failing when it is unreachable, and dropping a live slot when it is not). Detach the slot first.
    // The comment first: DROP SUBSCRIPTION leaves its pg_description row behind (it only clears pg_shdescription).
    const detach = [`COMMENT ON SUBSCRIPTION ${qn} IS NULL`, `ALTER SUBSCRIPTION ${qn} DISABLE`, `ALTER SUBSCRIPTION ${qn} SET (slot_name = NONE)`, `DROP SUBSCRIPTION ${qn}`];
    const drop = doBlock(`BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_subscription WHERE subname = ${literal(s.name)}
    AND subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())) THEN ${detach.map((d) => `EXECUTE ${literal(d)};`).join(' ')} END IF; END`);
    ctx.add({
      type: 'subscription', classid: CLASS.pg_subscription, oid: s.oid, schema: null, name: s.name, section: 'post',
      emit: (): TocEntry[] => [
        { tag: s.name, desc: 'SUBSCRIPTION', schema: null, owner: ctx.owner(s.owner), create: sql, drop, ownerStmt: ctx.ownerStmt('SUBSCRIPTION', qn, s.owner), pass: 1 },
        // Comments on subscriptions live in pg_description, although pg_subscription is a shared catalog.
        ...ctx.commentEntry({ classid: CLASS.pg_subscription, oid: s.oid, kind: 'SUBSCRIPTION', tagName: qn, target: qn, schema: null, owner: s.owner }),
      ],
    });
  }
}
