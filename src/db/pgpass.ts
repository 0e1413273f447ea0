/**
 * libpq's password file (`~/.pgpass` or `$PGPASSFILE`): lines `host:port:database:user:password`, `*` matches
 * anything, `\:` and `\\` escape, `#` starts a comment line. Like libpq, a file readable by group or others is
 * ignored (libpq warns; we return a warning for the caller to log), and the first matching line wins.
 * Read here instead of through node-postgres, whose built-in pgpass support prints a deprecation warning.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface PgpassLookup {
  host: string;
  port: number;
  database: string;
  user: string;
}

export interface PgpassResult {
  password?: string;
  /** Set when a password file exists but was ignored (e.g. wrong permissions). */
  warning?: string;
}

export function pgpassPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PGPASSFILE) return env.PGPASSFILE;
  const home = env.HOME || homedir();
  return join(home, '.pgpass');
}

/** Split one line on unescaped colons, unescaping `\:` and `\\`. */
export function parsePgpassLine(line: string): string[] | null {
  if (line.length === 0 || line.startsWith('#')) return null;
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i]!;
    } else if (ch === ':' && fields.length < 4) {
      fields.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  fields.push(cur);
  return fields.length === 5 ? fields : null;
}

/** libpq matches a Unix-socket connection against the host field `localhost`. */
function hostMatches(field: string, host: string): boolean {
  if (field === '*') return true;
  if (host.startsWith('/')) return field === 'localhost' || field === host;
  return field === host;
}

export function lookupPgpass(q: PgpassLookup, env: NodeJS.ProcessEnv = process.env): PgpassResult {
  const file = pgpassPath(env);
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) return { warning: `password file "${file}" is not a plain file; ignoring it` };
    if ((st.mode & 0o077) !== 0) {
      return { warning: `password file "${file}" has group or world access; permissions should be u=rw (0600) or less; ignoring it` };
    }
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  for (const raw of text.split(/\r?\n/)) {
    const f = parsePgpassLine(raw);
    if (!f) continue;
    const [h, p, d, u, pw] = f as [string, string, string, string, string];
    if (!hostMatches(h, q.host)) continue;
    if (p !== '*' && p !== String(q.port)) continue;
    if (d !== '*' && d !== q.database) continue;
    if (u !== '*' && u !== q.user) continue;
    return { password: pw };
  }
  return {};
}
