/**
 * Turning Node file-system errors into pgvault errors an operator can act on.
 * - permission problems and "not a directory" mean the repository directory itself is unusable:
 *   StoreUnavailableError (exit 14), like a bucket that rejects our credentials;
 * - a full disk, quota or I/O error is a local I/O failure: LocalIoError (exit 17).
 * ENOENT is never mapped here: callers decide what "missing" means (NotFoundError, null, success).
 */
import { LocalIoError, StoreUnavailableError, type PgvaultError } from '../errors.js';

export function errnoCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** `action` reads like "writing", "reading", "listing"; `path` is the file or folder concerned. */
export function mapFsError(action: string, path: string, e: unknown): PgvaultError {
  const code = errnoCode(e) ?? 'unknown error';
  const detail = e instanceof Error ? e.message : String(e);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return new StoreUnavailableError(
        `permission denied ${action} ${path} (${code}): the repository directory is not accessible to this user; ` +
        'fix its owner or permissions, or run pgvault as the user that owns it', { cause: e });
    case 'EROFS':
      return new StoreUnavailableError(
        `cannot write ${path}: the repository is on a read-only file system (EROFS); remount it read-write or use another location`,
        { cause: e });
    case 'ENOTDIR':
    case 'EISDIR':
    case 'ELOOP':
      return new StoreUnavailableError(
        `${path} is not laid out like a pgvault repository directory (${code} while ${action}): ` +
        'a file sits where a folder should be, or the reverse; check the --repo path', { cause: e });
    case 'ENOSPC':
      return new LocalIoError(
        `no space left on the device while ${action} ${path} (ENOSPC): free space or move the repository, then run again`,
        { cause: e });
    case 'EDQUOT':
      return new LocalIoError(
        `disk quota exceeded while ${action} ${path} (EDQUOT): raise the quota or free space, then run again`, { cause: e });
    case 'EMFILE':
    case 'ENFILE':
      return new LocalIoError(
        `too many open files while ${action} ${path} (${code}): raise the open-file limit (ulimit -n) or lower the concurrency`,
        { cause: e });
    default:
      return new LocalIoError(`${action} ${path} failed (${code}): ${detail}`, { cause: e });
  }
}
