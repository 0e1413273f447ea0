/**
 * Map failures while reading one object (COPY of a table, a sequence value, a large object) to a DatabaseError
 * that names the object and says what to do. The dump is never silently short: every one of these aborts it.
 */
import { DatabaseError, isPgvaultError } from '../../errors.js';

export interface ObjectRef {
  kind: 'table' | 'sequence' | 'large object';
  /** Display name: quoted qualified name for relations, OID for large objects. */
  name: string;
  /** `host:port` of the server, for lost-connection messages. */
  endpoint: string;
}

interface PgErrorLike { code?: unknown; message?: unknown }

function codeOf(e: unknown): string | undefined {
  const c = (e as PgErrorLike | null)?.code;
  return typeof c === 'string' ? c : undefined;
}

export function objectError(e: unknown, ref: ObjectRef, action = 'reading'): DatabaseError {
  if (isPgvaultError(e)) return e as DatabaseError;
  const msg = e instanceof Error ? e.message : String(e);
  const code = codeOf(e);
  const what = `${ref.kind} ${ref.name}`;
  const opts = { cause: e };
  switch (code) {
    case '42501':
      if (ref.kind === 'large object') {
        return new DatabaseError(`permission denied for large object ${ref.name}: the dump role needs SELECT on every large object (or lo_compat_privileges), or run the dump as the owner`, opts);
      }
      return new DatabaseError(`permission denied for ${what}: the dump role needs SELECT on every dumped ${ref.kind}, or exclude it with --exclude-table`, opts);
    case '42P01':
      return new DatabaseError(`${what} was dropped while the dump was running (${msg}); nothing was written for it — rerun the dump`, opts);
    case '55P03':
      return new DatabaseError(`could not lock ${what}: another session holds or is waiting for an ACCESS EXCLUSIVE lock on it (${msg}) — `
        + 'rerun when the DDL or maintenance on it has finished, or raise --lock-wait-timeout', opts);
    case '57014':
      return new DatabaseError(`${action} ${what} was cancelled by the server (${msg}) — check statement_timeout settings and the server log, then rerun`, opts);
    case '57P01':
    case '57P02':
    case '57P03':
      return new DatabaseError(`the server terminated the dump's connection while ${action} ${what} (${msg}); the dump is incomplete — check the server log and rerun`, opts);
    case '40001':
      return new DatabaseError(`${action} ${what} failed with a serialization failure (${msg}) — rerun the dump`, opts);
    case 'XX000':
      if (/could not open relation|cache lookup failed/i.test(msg)) {
        return new DatabaseError(`${what} was dropped or altered while the dump was running (${msg}); the dump is incomplete — rerun it`, opts);
      }
      break;
    default:
      break;
  }
  if (/terminated|ECONNRESET|EPIPE|socket|Connection ended|closed|not queryable/i.test(msg) && !code?.match(/^[0-9A-Z]{5}$/)) {
    return new DatabaseError(`lost the connection to PostgreSQL at ${ref.endpoint} while ${action} ${what} (${msg}); the dump is incomplete — check the server and network, then rerun`, opts);
  }
  return new DatabaseError(`${action} ${what} failed: ${msg}${code ? ` (SQLSTATE ${code})` : ''}`, opts);
}
