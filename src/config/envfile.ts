/**
 * KEY=VALUE files for credentials (`credentials_file`), the format of the ticket's `.backup_env` and of
 * `sops exec-env` inputs: blank lines and `#` comments ignored, an optional `export ` prefix, values
 * optionally in single or double quotes. No variable expansion and no command substitution: this is
 * read as data, never run.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${file} line ${i + 1}: expected KEY=VALUE`);
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") ) {
      const end = value.indexOf(q, 1);
      if (end === -1) throw new Error(`${file} line ${i + 1}: unterminated ${q} quote in the value of ${m[1]}`);
      value = value.slice(1, end);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]!] = value;
  });
  return out;
}
