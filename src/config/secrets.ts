/** Secret files (password, credentials) must be readable by their owner only: anything looser is a warning. */
import { statSync } from 'node:fs';

/** A warning text when `file` is readable or writable by group or others, else null (also null if it is missing). */
export function looseSecretFileWarning(file: string, what: string): string | null {
  let mode: number;
  try { mode = statSync(file).mode; } catch { return null; }
  if ((mode & 0o077) === 0) return null;
  return `${what} ${file} is accessible by group or others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); run: chmod 600 ${file}`;
}
