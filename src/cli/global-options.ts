/**
 * The options every command understands. Kept apart from ./globals.ts (which turns them into a logger, a store
 * and an open repository) so that `pgvault --help` loads nothing else (start-up cost, docs/benchmarks.md).
 */
import type { Command } from 'commander';

export interface GlobalOptions {
  repo?: string;
  passwordFile?: string;
  passwordCommand?: string;
  cacheDir?: string;
  cache?: boolean;
  concurrency?: string;
  quiet?: boolean;
  verbose?: boolean;
  logFile?: string;
  json?: boolean;
  config?: string;
  allowExpensiveKdf?: boolean;
}

/**
 * The global options as data: `addGlobalOptions` gives them to commander, and ./help.ts renders `pgvault --help`
 * from the same table without loading commander (start-up cost; test/cli/help.test.ts compares the two).
 */
export const GLOBAL_OPTIONS: readonly { flags: string; description: string }[] = [
  { flags: '-r, --repo <location>', description: 'repository: /path, s3:https://endpoint/bucket/prefix (env PGVAULT_REPOSITORY)' },
  { flags: '--password-file <file>', description: 'read the repository password from the first line of FILE, at most 4 KiB; a FIFO works (env PGVAULT_PASSWORD_FILE)' },
  { flags: '--password-command <cmd>', description: 'run CMD through /bin/sh -c and use the first line of its output as the password; stopped after 60 s (env PGVAULT_PASSWORD_COMMAND)' },
  { flags: '--cache-dir <dir>', description: 'local cache directory (default $XDG_CACHE_HOME/pgvault)' },
  { flags: '--no-cache', description: 'do not use or write the local cache' },
  { flags: '--concurrency <n>', description: 'uploads/downloads in flight (default 8)' },
  { flags: '-q, --quiet', description: 'only warnings and errors on stderr' },
  { flags: '-v, --verbose', description: 'debug messages on stderr' },
  { flags: '--log-file <file>', description: 'also append log lines to FILE' },
  { flags: '--json', description: 'machine-readable output on stdout' },
  { flags: '--config <file>', description: 'configuration file (env PGVAULT_CONFIG); flags and environment variables override it' },
  { flags: '--allow-expensive-kdf', description: 'also try key files whose Argon2id cost exceeds the most pgvault has ever written (3 passes, 64 MiB); only for key files you made so (env PGVAULT_ALLOW_EXPENSIVE_KDF=1)' },
];

export function addGlobalOptions(program: Command): void {
  for (const o of GLOBAL_OPTIONS) program.option(o.flags, o.description);
}

export function globalsOf(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals<GlobalOptions>();
}

/**
 * Settings every command shares, applied to the whole command tree once the commands are registered:
 * - every command's `--help` lists the global options too (`--repo`, `--json`, `--config`, ...);
 * - usage errors of subcommands (a missing argument, an unknown option) throw instead of calling
 *   process.exit(1), so runCli maps them to exit code 2 like every other usage error;
 * - commander's own error text passes through `writeErr` (runCli redacts it).
 */
export function configureCommandTree(program: Command, writeErr: (str: string) => void): void {
  const visit = (c: Command): void => {
    c.configureHelp({ ...c.configureHelp(), showGlobalOptions: true });
    c.exitOverride();
    c.configureOutput({ outputError: (str) => writeErr(str) });
    for (const sub of c.commands) visit(sub);
  };
  visit(program);
}
