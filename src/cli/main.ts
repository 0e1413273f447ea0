/**
 * pgvault command line: a thin shell over the library API. Each command lives in its own file under
 * ./commands and is loaded only when it runs (see ./commands/index.ts); the library never prints, this layer does.
 */
import './warnings.js';
import { Command } from 'commander';
import { runCli } from './run.js';
import { registerCommands } from './commands/index.js';

const program = new Command();
program
  .name('pgvault')
  .description('Native, encrypted, deduplicated PostgreSQL backups to Backblaze B2, S3 or a local directory')
  .version('0.1.0');
await registerCommands(program, process.argv.slice(2));
await runCli(program, process.argv);
