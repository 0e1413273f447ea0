import { Command, CommanderError } from 'commander';
import { ExitCode, exitCodeOf, isPgvaultError } from '../errors.js';
import { redact } from '../redact.js';
import { configureCommandTree } from './global-options.js';
import { installInterruptHandler } from './interrupt.js';
import { selectedCommand } from './commands/index.js';

/** Parse and run; map errors to the documented exit codes and a one-line, secret-free message. */
export async function runCli(program: Command, argv: string[]): Promise<void> {
  configureCommandTree(program, (str) => { process.stderr.write(redact(str)); });
  const command = selectedCommand(program, argv.slice(2));
  const removeHandler = installInterruptHandler({ command: () => command });
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) {
        process.exitCode = ExitCode.OK;
      } else {
        // Usage errors, and `pgvault` without a command (help on stderr): exit 2.
        process.exitCode = ExitCode.USAGE;
      }
      return;
    }
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`pgvault: ${isPgvaultError(e) ? '' : 'internal error: '}${redact(msg)}\n`);
    if (!isPgvaultError(e) && e instanceof Error && process.env.PGVAULT_DEBUG) process.stderr.write(redact(e.stack ?? '') + '\n');
    process.exitCode = exitCodeOf(e);
  } finally {
    removeHandler();
  }
}
