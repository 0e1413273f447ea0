/**
 * Redaction of secrets in anything we print or log.
 * - `postgres://user:secret@host/db` → `postgres://user:***@host/db`
 * - `password=secret` (libpq keyword/value strings) → `password=***`
 * - explicit secrets registered with `registerSecret()` are replaced wherever they appear.
 */

const secrets = new Set<string>();

/** Remember a secret value (a password, an access key) so `redact()` masks it everywhere. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 4) secrets.add(value);
}

export function redact(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]*)@/gi, '$1***@');
  out = out.replace(/(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('***');
  }
  return out;
}
