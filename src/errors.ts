/**
 * Typed errors. Every error pgvault raises on purpose is a PgvaultError with a stable `code`
 * and a distinct process exit code, and a message written for an operator reading a cron log
 * at 3 a.m.: what failed, on which object, and what to do next. Messages never contain secrets
 * (use `redact()` from ./redact.ts on anything that may hold a URL or credentials).
 */

export const ExitCode = {
  OK: 0,
  /** Some part of the run failed (e.g. one database of several); details in the log. */
  PARTIAL_FAILURE: 1,
  /** Bad command line or configuration. */
  USAGE: 2,
  /** The repository (or the host-local run lock) is locked by another process. */
  LOCKED: 3,
  /** No repository at the given location. */
  REPO_NOT_FOUND: 10,
  /** A repository already exists where `init` was asked to create one. */
  REPO_EXISTS: 11,
  /** The password does not open any key of the repository. */
  WRONG_PASSWORD: 12,
  /** A stored object is missing, truncated, tampered with or of an unknown format. */
  INTEGRITY: 13,
  /** The store (bucket or directory) cannot be reached, or rejects our credentials. */
  STORE_UNAVAILABLE: 14,
  /** The database cannot be reached, or refused an operation. */
  DATABASE: 15,
  /** A restore was verified and does not match what was recorded at backup time. */
  VERIFY_MISMATCH: 16,
  /** Local I/O failed (disk full, permission denied, target not writable). */
  LOCAL_IO: 17,
  /** The database holds objects the dump cannot write (the completeness guard); nothing was written. */
  UNSUPPORTED_OBJECTS: 18,
  /** Anything not anticipated: a bug. */
  INTERNAL: 70,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export class PgvaultError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  constructor(code: string, exitCode: ExitCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

export class UsageError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('USAGE', ExitCode.USAGE, message, options);
  }
}

export class ConfigError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', ExitCode.USAGE, message, options);
  }
}

export class LockedError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOCKED', ExitCode.LOCKED, message, options);
  }
}

export class RepoNotFoundError extends PgvaultError {
  constructor(location: string, options?: { cause?: unknown }) {
    super('REPO_NOT_FOUND', ExitCode.REPO_NOT_FOUND,
      `no pgvault repository at ${location} (no "config" object). Check --repo, or create one with "pgvault init".`, options);
  }
}

export class RepoExistsError extends PgvaultError {
  constructor(location: string) {
    super('REPO_EXISTS', ExitCode.REPO_EXISTS,
      `a repository already exists at ${location}; refusing to overwrite it. Use another location or prefix.`);
  }
}

export class WrongPasswordError extends PgvaultError {
  constructor(message = 'wrong password: it opens none of the repository\'s keys') {
    super('WRONG_PASSWORD', ExitCode.WRONG_PASSWORD, message);
  }
}

/** A stored object is missing, corrupt, truncated, renamed, or in a format we do not understand. */
export class IntegrityError extends PgvaultError {
  readonly object: string | undefined;
  constructor(message: string, object?: string, options?: { cause?: unknown }) {
    super('INTEGRITY', ExitCode.INTEGRITY, message, options);
    this.object = object;
  }
}

/** Not-found in a Store. Distinct so callers can tell "absent" from "broken". */
export class NotFoundError extends PgvaultError {
  readonly key: string;
  constructor(key: string, options?: { cause?: unknown }) {
    super('NOT_FOUND', ExitCode.INTEGRITY, `object not found: ${key}`, options);
    this.key = key;
  }
}

export class StoreUnavailableError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE_UNAVAILABLE', ExitCode.STORE_UNAVAILABLE, message, options);
  }
}

export class DatabaseError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('DATABASE', ExitCode.DATABASE, message, options);
  }
}

export class VerifyMismatchError extends PgvaultError {
  constructor(message: string) {
    super('VERIFY_MISMATCH', ExitCode.VERIFY_MISMATCH, message);
  }
}

/**
 * The completeness guard found objects in the dumped scope that the script would leave out. Raised before
 * the dump's last byte: `dump` exits non-zero and `backup` writes no snapshot.
 */
export class UnsupportedObjectsError extends PgvaultError {
  readonly objects: { kind: string; name: string }[];
  constructor(message: string, objects: { kind: string; name: string }[]) {
    super('UNSUPPORTED_OBJECTS', ExitCode.UNSUPPORTED_OBJECTS, message);
    this.objects = objects;
  }
}

export class LocalIoError extends PgvaultError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LOCAL_IO', ExitCode.LOCAL_IO, message, options);
  }
}

export function isPgvaultError(e: unknown): e is PgvaultError {
  return e instanceof PgvaultError;
}

/** Exit code for any thrown value: ours carry one; anything else is a bug. */
export function exitCodeOf(e: unknown): number {
  return isPgvaultError(e) ? e.exitCode : ExitCode.INTERNAL;
}
