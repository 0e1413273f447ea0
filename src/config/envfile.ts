/**
 * KEY=VALUE files for credentials (`credentials_file`), the format of the ticket's `.backup_env` and of
 * `sops exec-env` inputs: blank lines and `#` comments ignored, an optional `export ` prefix, values
 * optionally in single or double quotes. No variable expansion and no command substitution: this is
 * read as data, never run.
 *
 * The values are parsed by Node's own dotenv parser (`util.parseEnv`); this file only refuses what that
 * parser would silently skip or read differently between Node versions (a line that is not KEY=VALUE, a
 * quote not closed on its line), so a typo in a credentials file is an error naming the line.
 */
import { parseEnv } from 'node:util';

export function parseEnvFile(text: string, file: string): Record<string, string> {
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${file} line ${i + 1}: expected KEY=VALUE`);
    const q = m[2]![0];
    if ((q === '"' || q === "'" || q === '`') && m[2]!.indexOf(q, 1) === -1) {
      throw new Error(`${file} line ${i + 1}: unterminated ${q} quote in the value of ${m[1]}`);
    }
  });
  return { ...parseEnv(text) } as Record<string, string>;
}
