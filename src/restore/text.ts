/**
 * Script bytes as text for restores that go through pgvault's own UTF-8 connection (`restore --target`, `verify`,
 * `restore --table`). A dump of a SQL_ASCII database may hold bytes that are not UTF-8 (docs/dump-engine.md, "Byte
 * strings"); decoding them would silently replace them (names, comments, definitions would change), so such a part
 * is refused with the way that restores it byte for byte: the whole script through psql.
 */
import { UsageError } from '../errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function scriptText(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new UsageError(`${what} holds bytes that are not valid UTF-8 (a dump of a SQL_ASCII database that stores such bytes): `
      + 'restoring it over pgvault\'s UTF-8 connection would change them. Restore the whole script with psql into a SQL_ASCII '
      + 'database instead: pgvault restore <id|latest> --db <name> --stdout | psql -X -v ON_ERROR_STOP=1 -d <database>');
  }
}
