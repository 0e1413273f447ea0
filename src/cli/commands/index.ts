/**
 * The command table. Commands load lazily: `pgvault --help` needs only the names and summaries below, and
 * `pgvault snapshots` loads only ./snapshots.ts (and what it imports), not pg, the AWS SDK or the other
 * commands. Each command module exports `register(program)`, which adds its full definition (flags,
 * arguments, action); a command that is not the one being run is registered as a placeholder with its
 * name and summary only, for the help list.
 *
 * To add a command: write ./<name>.ts with `export function register(program: Command)` and add one line
 * to COMMANDS (name, one-line summary for `pgvault --help`, and the import).
 */
import type { Command } from 'commander';
import { addGlobalOptions } from '../global-options.js';

export interface CommandEntry {
  name: string;
  /** One line for the `pgvault --help` list; the command's own --help shows its full description. */
  summary: string;
  load: () => Promise<{ register: (program: Command) => void }>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'init', summary: 'create a new encrypted repository', load: () => import('./init.js') },
  { name: 'key', summary: 'manage the repository\'s keys (one per password)', load: () => import('./key.js') },
  { name: 'backup', summary: 'back up databases into the repository, one snapshot each', load: () => import('./backup.js') },
  { name: 'snapshots', summary: 'list snapshots', load: () => import('./snapshots.js') },
  { name: 'ls', summary: 'list a snapshot\'s tables with rows, bytes and SHA-256', load: () => import('./ls.js') },
  { name: 'restore', summary: 'restore snapshots to .sql.gz files, stdout or a database', load: () => import('./restore.js') },
  { name: 'globals', summary: 'print the roles, tablespaces and database properties a bare server needs, as SQL', load: () => import('./show-globals.js') },
  { name: 'verify', summary: 'prove snapshots restore, in a temporary database', load: () => import('./verify.js') },
  { name: 'drill', summary: 'restore drill: rebuild each database on a scratch server, verify it, report recovery time', load: () => import('./drill.js') },
  { name: 'diff', summary: 'which tables changed between two snapshots', load: () => import('./diff.js') },
  { name: 'stats', summary: 'storage use, deduplication and compression ratios, monthly cost', load: () => import('./stats.js') },
  { name: 'forget', summary: 'remove snapshots by a retention policy (restic\'s --keep-* rules)', load: () => import('./forget.js') },
  { name: 'prune', summary: 'delete data no snapshot references', load: () => import('./prune.js') },
  { name: 'check', summary: 'verify the repository\'s snapshots and chunks', load: () => import('./check.js') },
  { name: 'unlock', summary: 'remove stale locks', load: () => import('./unlock.js') },
  { name: 'repair', summary: 'rebuild the index, or drop damaged chunks so the next backup uploads them again', load: () => import('./repair.js') },
  { name: 'run', summary: 'the cron job: backup, retention, prune, metrics, pings', load: () => import('./run.js') },
  { name: 'doctor', summary: 'check configuration, access, password, clock and databases; print fixes', load: () => import('./doctor.js') },
  { name: 'dump', summary: 'write a plain SQL dump of one database (like pg_dump --clean --if-exists)', load: () => import('./dump.js') },
  { name: 'bench', summary: 'measure each backup/restore stage on this host', load: () => import('./bench.js') },
];

/**
 * The command `args` (process.argv without node and script) asks for: the first operand that is not the value of a
 * global option (`pgvault --repo /r snapshots`), or the one after `help` (`pgvault help backup`).
 */
export function selectedCommand(program: Command, args: string[]): string | undefined {
  const takesValue = new Set<string>();
  for (const o of program.options) {
    if (!o.required && !o.optional) continue;
    if (o.long) takesValue.add(o.long);
    if (o.short) takesValue.add(o.short);
  }
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const a = args[i]!;
    if (a === '--') { operands.push(...args.slice(i + 1, i + 3)); break; }
    if (a.startsWith('--')) { if (!a.includes('=') && takesValue.has(a)) i++; continue; }
    if (a.startsWith('-') && a.length > 1) { if (a.length === 2 && takesValue.has(a)) i++; continue; }
    operands.push(a);
    if (a !== 'help') break;
  }
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/** Add the global options and every command: the selected one (see selectedCommand) fully, the others as placeholders. */
export async function registerCommands(program: Command, args: string[]): Promise<void> {
  addGlobalOptions(program);
  const selected = selectedCommand(program, args);
  for (const c of COMMANDS) {
    if (c.name === selected) {
      (await c.load()).register(program);
      program.commands.at(-1)!.summary(c.summary);
    } else {
      program.command(c.name).summary(c.summary).allowUnknownOption().allowExcessArguments().action(() => {
        throw new Error(`the command "${c.name}" was not loaded (pgvault could not tell which command the arguments ask for)`);
      });
    }
  }
}

/** Every command fully registered (for tests and tools that inspect the whole CLI). */
export async function registerAllCommands(program: Command): Promise<void> {
  addGlobalOptions(program);
  for (const c of COMMANDS) {
    (await c.load()).register(program);
    program.commands.at(-1)!.summary(c.summary);
  }
}
