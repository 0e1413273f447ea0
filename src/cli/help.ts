/**
 * `pgvault --help`, `pgvault help`, `pgvault --version` and `pgvault` alone, answered without loading
 * commander or any command module (start-up cost, issue 12 item 17: Node itself costs ~0.08 s of CPU,
 * commander alone ~0.03 s more). The text is rendered from the same tables the real CLI is built from — the
 * command table (./commands/index.ts) and the global options (./global-options.ts) — in commander's layout,
 * so it cannot drift: test/cli/help.test.ts compares it with commander's own rendering at several widths.
 * Anything else (`pgvault help backup`, `pgvault --repo x --help`, every command) goes through commander.
 */
import { PGVAULT_VERSION } from '../version.js';
import { COMMANDS } from './commands/index.js';
import { GLOBAL_OPTIONS } from './global-options.js';

export const PROGRAM_NAME = 'pgvault';
export const PROGRAM_DESCRIPTION = 'Native, encrypted, deduplicated PostgreSQL backups to Backblaze B2, S3 or a local directory';

/** Commander's built-in entries, in the places commander puts them. */
const VERSION_OPTION = { flags: '-V, --version', description: 'output the version number' };
const HELP_OPTION = { flags: '-h, --help', description: 'display help for command' };
const HELP_COMMAND = { name: 'help [command]', summary: 'display help for command' };

/** Commander's Help.boxWrap: wrap at whitespace to `width`, keeping line breaks; no wrapping below 40 columns. */
function boxWrap(str: string, width: number): string {
  if (width < 40) return str;
  const out: string[] = [];
  for (const line of str.split(/\r\n|\n/)) {
    const chunks = line.match(/\s*\S+/g);
    if (chunks === null) { out.push(''); continue; }
    let current = chunks[0]!;
    for (const chunk of chunks.slice(1)) {
      if (current.length + chunk.length <= width) { current += chunk; continue; }
      out.push(current);
      current = chunk.trimStart();
    }
    out.push(current);
  }
  return out.join('\n');
}

/** Commander's Help.formatItem: the term padded to `termWidth`, the description wrapped beside it. */
function formatItem(term: string, termWidth: number, description: string, helpWidth: number): string {
  const remaining = helpWidth - termWidth - 2 - 2;
  const wrapped = remaining < 40 || /\n[^\S\r\n]/.test(description)
    ? description
    : boxWrap(description, remaining).replace(/\n/g, '\n' + ' '.repeat(termWidth + 2));
  return '  ' + term.padEnd(termWidth) + '  ' + wrapped.replace(/\n/g, '\n  ');
}

/**
 * The top-level help, exactly as commander prints it for the program main.ts builds when no command is
 * selected, for a terminal `width` columns wide (commander uses 80 when the output is not a terminal).
 */
export function programHelp(width = 80): string {
  const options = [VERSION_OPTION, ...GLOBAL_OPTIONS, HELP_OPTION];
  const commands = [...COMMANDS.map((c) => ({ name: c.name, summary: c.summary })), HELP_COMMAND];
  const termWidth = Math.max(...options.map((o) => o.flags.length), ...commands.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM_NAME} [options] [command]`,
    '',
    boxWrap(PROGRAM_DESCRIPTION, width),
    '',
    'Options:',
    ...options.map((o) => formatItem(o.flags, termWidth, o.description, width)),
    '',
    'Commands:',
    ...commands.map((c) => formatItem(c.name, termWidth, c.summary, width)),
    '',
  ].join('\n');
}

interface QuickIo {
  stdout: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * Answer `args` (process.argv without node and script) here if it only asks for the top-level help or the
 * version; returns the exit code, or undefined when the real CLI must handle it. `pgvault` alone is a usage
 * error: the help goes to stderr and the exit code is 2, as commander does through runCli.
 */
export function quickAnswer(args: readonly string[], io: QuickIo = process): number | undefined {
  const width = (s: QuickIo['stdout']): number => (s.isTTY && s.columns ? s.columns : 80);
  if (args.length === 0) {
    io.stderr.write(programHelp(width(io.stderr)));
    return 2;
  }
  if (args.length !== 1) return undefined;
  const a = args[0];
  if (a === '--help' || a === '-h' || a === 'help') {
    io.stdout.write(programHelp(width(io.stdout)));
    return 0;
  }
  if (a === '--version' || a === '-V') {
    io.stdout.write(PGVAULT_VERSION + '\n');
    return 0;
  }
  return undefined;
}
