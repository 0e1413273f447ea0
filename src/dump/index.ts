/**
 * Public dump API: `dumpDatabase(connection, options)` yields the script of a `pg_dump --clean --if-exists`-
 * equivalent plain dump as ordered parts, and `writeDump()` writes it to a stream. See docs/dump-engine.md.
 */
import type { Writable } from 'node:stream';
import type { ConnectionOptions, ResolvedConnection } from '../db/connection.js';
import { LocalIoError } from '../errors.js';
import { runDump } from './engine/dump.js';
import { readSchema } from './schema/index.js';
import type { Dump, DumpOptions, DumpSummary, SchemaReader } from './engine/types.js';
import type { SchemaOptions, SchemaPlan } from './plan.js';
import type pg from 'pg';

export type { Dump, DumpOptions, DumpPart, DumpPartKind, DumpSummary, SchemaReader, TableStats } from './engine/types.js';
export type { SchemaOptions, SchemaPlan, TableDataSpec, SequenceSpec, DumpFilterOptions } from './plan.js';
export { PINNED_SETTINGS, OPTIONAL_SETTINGS, sessionSetupSql } from './engine/session.js';
export { copyOutSql } from './engine/copy.js';
export { hashTableData, type TableHashSpec, type TableHash } from './engine/verify.js';

/** The schema side: catalogs → DDL, table locks (src/dump/schema). */
const schemaReader: SchemaReader = (client: pg.Client, opts: SchemaOptions): Promise<SchemaPlan> => readSchema(client, opts);

/**
 * Dump one database. Iterate the parts in order and read each part's `stream` to its end before asking for the
 * next; the generator's return value (also `dump.summary()` afterwards) holds per-table row counts and hashes.
 * Stopping early (break / return()) closes every connection.
 */
export function dumpDatabase(conn: ConnectionOptions | ResolvedConnection, opts: DumpOptions = {}): Dump {
  return runDump(conn, opts, opts.schemaReader ?? schemaReader);
}

/** Write the whole script to `out` with backpressure; resolves with the summary once everything was written. */
export async function writeDump(dump: Dump, out: Writable): Promise<DumpSummary> {
  for await (const part of dump) {
    for await (const chunk of part.stream) {
      if (!out.write(chunk)) await drained(out);
    }
  }
  return dump.summary();
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => { cleanup(); resolve(); };
    const onError = (e: Error): void => { cleanup(); reject(new LocalIoError(`writing the dump failed: ${e.message}`, { cause: e })); };
    const onClose = (): void => { cleanup(); reject(new LocalIoError('the dump output was closed before the dump finished')); };
    const cleanup = (): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}
