/**
 * Redaction of secrets in anything we print or log (docs/operations.md "Secrets in logs").
 * - `postgres://user:secret@host/db` → `postgres://user:***@host/db` (any URL with a password);
 * - `password=secret`, `PGPASSWORD=secret` (libpq keyword/value strings, environment dumps) → `password=***`;
 * - secrets registered with `registerSecret()` (passwords, access keys), by length:
 *   - 16 characters or more (generated keys and tokens): every occurrence;
 *   - 8 to 15 characters: where they stand as a whole token (not inside a longer run of letters, digits
 *     or `_`), so the password `wrongpass` does not turn `secrets/wrongpassword` into `secrets/***word`;
 *   - shorter than 8: not searched for in free text (a short password such as `wrong` would mask
 *     ordinary words like "wrong password"); the structural rules above still apply, and a failing
 *     password command's output is cleaned of the exact value it printed (src/repo/password.ts).
 */

/** Secrets shorter than this are only redacted structurally. */
export const MIN_SECRET_LENGTH = 8;
/** Secrets at least this long are redacted wherever they occur, also inside longer tokens. */
export const ANYWHERE_SECRET_LENGTH = 16;

const secrets = new Set<string>();
const WORD = /[\p{L}\p{N}_]/u;

/** Remember a secret value (a password, an access key) so `redact()` masks it everywhere it can be told apart from ordinary text. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= MIN_SECRET_LENGTH) secrets.add(value);
}

/** Replace each whole-token occurrence of `value` (not preceded or followed by a letter, digit or `_`) with `***`. */
export function redactToken(text: string, value: string): string {
  if (!value) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(value); at !== -1; at = text.indexOf(value, at + 1)) {
    if (at < from) continue;
    const before = at > 0 ? text[at - 1]! : '';
    const after = text[at + value.length] ?? '';
    if ((before && WORD.test(before)) || (after && WORD.test(after))) continue;
    out += text.slice(from, at) + '***';
    from = at + value.length;
  }
  return out + text.slice(from);
}

export function redact(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:)([^@\s/]*)@/gi, '$1***@');
  out = out.replace(/(\b(?:pg)?password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/gi, '$1***');
  // Longest first, so a secret that contains another is masked whole.
  for (const s of [...secrets].sort((a, b) => b.length - a.length)) {
    if (!out.includes(s)) continue;
    out = s.length >= ANYWHERE_SECRET_LENGTH ? out.split(s).join('***') : redactToken(out, s);
  }
  return out;
}
