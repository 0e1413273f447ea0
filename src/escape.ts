/**
 * One line stays one line: control characters in text that came from outside (database, table and
 * file names, server messages) are shown escaped in log lines and tables, so a database named
 * "x\n2026-12-03T06:00:00Z INFO backup ok" cannot forge a log line or break a table row.
 */

// C0 controls, DEL, C1 controls, and the Unicode line and paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `a\nb` → `a\\nb`; other control characters as `\xHH` or `\uHHHH`. Printable text (any script) is unchanged. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
