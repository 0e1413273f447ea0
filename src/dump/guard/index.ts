/**
 * The completeness guard (issue 11): a dump either writes every object of its scope, or fails naming
 * what it would leave out — never a script that silently lacks something. See docs/dump-objects.md.
 */
import { UnsupportedObjectsError } from '../../errors.js';
import type { UnsupportedObject } from './check.js';

export { findUnrendered, type GuardInput, type GuardScope, type UnsupportedObject } from './check.js';
export { RenderLedger, commentKey, dataKey, extConfigKey, extDepKey, key as ledgerKey, labelKey } from './ledger.js';

const SHOWN = 50;

function listing(objects: UnsupportedObject[]): string {
  const lines = objects.slice(0, SHOWN).map((o) => `  - ${o.kind} ${o.name.replace(/[\r\n]/g, ' ')}`);
  if (objects.length > SHOWN) lines.push(`  … and ${objects.length - SHOWN} more`);
  return lines.join('\n');
}

/** The error the guard raises (nothing of the dump was written, no snapshot recorded). */
export function unsupportedError(database: string, objects: UnsupportedObject[], hints: string[] = []): UnsupportedObjectsError {
  return new UnsupportedObjectsError(
    `refusing to dump database "${database}": it holds ${objects.length} object(s) that pgvault cannot write, `
    + `so a restore of this dump would lack them:\n${listing(objects)}\n`
    + hints.map((h) => `${h}\n`).join('')
    + 'Nothing was written and no snapshot was recorded. Either leave these objects out on purpose '
    + '(--exclude-schema / --exclude-table, or drop them), dump this database with pg_dump, or rerun with '
    + '--allow-unsupported (configuration: "allow_unsupported": true on the database) to take the dump anyway: the snapshot then records '
    + 'the list and `pgvault snapshots`/`verify` show it. docs/dump-objects.md lists what pgvault writes.',
    objects);
}

/** The warning text when --allow-unsupported lets the dump through. */
export function unsupportedWarning(objects: UnsupportedObject[]): string {
  return `--allow-unsupported: this dump leaves out ${objects.length} object(s) pgvault cannot write; a restore will lack them:\n${listing(objects)}`;
}
