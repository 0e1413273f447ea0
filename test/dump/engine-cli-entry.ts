/**
 * Test entry point for `pgvault dump` alone: the CLI shell (runCli, -q/-v) with only the dump command,
 * so the command is tested as a real child process independently of how src/cli/commands/index.ts wires commands.
 */
import { Command } from 'commander';
import { runCli } from '../../src/cli/run.js';
import { register } from '../../src/cli/commands/dump.js';

const program = new Command().name('pgvault');
program.option('-q, --quiet').option('-v, --verbose');
register(program);
await runCli(program, process.argv);
