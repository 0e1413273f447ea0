/** A snapshot's globals, the SQL file written next to a restored `.sql.gz`. */
import { randomBytes } from 'node:crypto';
import { link, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalIoError, UsageError } from '../errors.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { renderGlobals } from './render.js';
import type { GlobalsRecord } from './types.js';

export function globalsOfSnapshot(s: Snapshot): GlobalsRecord {
  if (!s.globals) {
    throw new UsageError(`snapshot ${s.id.slice(0, 8)} (${s.database}, ${s.time}) records no globals (roles, database properties): ` +
      'it was made by an older pgvault. Create the roles and the database by hand (pg_dumpall --globals-only on the old server), ' +
      'or run a new backup, whose snapshot has them');
  }
  return s.globals;
}

/** Header lines naming where the globals come from. */
export function globalsHeader(list: readonly Snapshot[]): string[] {
  return list.map((s) => `snapshot ${s.id.slice(0, 8)}: database ${s.database} on ${s.host}, ${s.time}, PostgreSQL ${s.server.version}`);
}

/** `<db>_<YYYYmmdd_HHMMSS>.globals.sql` for the `.sql.gz` file named `sqlGzName`. */
export function globalsFileName(sqlGzName: string): string {
  return sqlGzName.replace(/\.sql\.gz$/, '') + '.globals.sql';
}

/**
 * Write the globals of `s` as `<dir>/<name>`: never over an existing file unless `overwrite` (restore
 * --force); hard-linked (or with `overwrite` renamed) into place from a uniquely named `.partial`, removed in every case.
 */
export async function writeGlobalsFile(dir: string, name: string, s: Snapshot, opts: { overwrite?: boolean } = {}): Promise<string> {
  const sql = renderGlobals(globalsOfSnapshot(s), globalsHeader([s]));
  const final = join(dir, name);
  // A unique partial name: one left by a killed restore must not block this one (issue 10 item 12).
  const partial = `${final}.${randomBytes(4).toString('hex')}.partial`;
  try {
    await writeFile(partial, sql, { flag: 'wx', mode: 0o600 });
    if (opts.overwrite) await rename(partial, final);
    else await link(partial, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UsageError(`${final} already exists; pgvault never overwrites it: move it away or restore into another directory`, { cause: e });
    throw new LocalIoError(`writing ${final} failed: ${(e as Error).message}`, { cause: e });
  } finally {
    await rm(partial, { force: true });
  }
  return final;
}
