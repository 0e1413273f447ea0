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

export function addGlobalOptions(program: Command): void {
  program
    .option('-r, --repo <location>', 'repository: /path, s3:https://endpoint/bucket/prefix (env PGVAULT_REPOSITORY)')
    .option('--password-file <file>', 'read the repository password from the first line of FILE, at most 4 KiB; a FIFO works (env PGVAULT_PASSWORD_FILE)')
    .option('--password-command <cmd>', 'run CMD through /bin/sh -c and use the first line of its output as the password; stopped after 60 s (env PGVAULT_PASSWORD_COMMAND)')
    .option('--cache-dir <dir>', 'local cache directory (default $XDG_CACHE_HOME/pgvault)')
    .option('--no-cache', 'do not use or write the local cache')
    .option('--concurrency <n>', 'uploads/downloads in flight (default 8)')
    .option('-q, --quiet', 'only warnings and errors on stderr')
    .option('-v, --verbose', 'debug messages on stderr')
    .option('--log-file <file>', 'also append log lines to FILE')
    .option('--json', 'machine-readable output on stdout')
    .option('--config <file>', 'configuration file (env PGVAULT_CONFIG); flags and environment variables override it')
    .option('--allow-expensive-kdf', 'also try key files whose Argon2id cost exceeds what pgvault writes (3 passes, 64 MiB); only for key files you made so (env PGVAULT_ALLOW_EXPENSIVE_KDF=1)');
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
