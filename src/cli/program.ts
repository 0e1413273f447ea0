/** The commander program: name, description and version (shared with ./help.ts), global options and the command table. */
import { Command } from 'commander';
import { PGVAULT_VERSION } from '../version.js';
import { registerCommands } from './commands/index.js';
import { PROGRAM_DESCRIPTION, PROGRAM_NAME } from './help.js';

/** The program for `args` (process.argv without node and script): the selected command fully, the others as placeholders. */
export async function buildProgram(args: string[]): Promise<Command> {
  const program = new Command();
  program.name(PROGRAM_NAME).description(PROGRAM_DESCRIPTION).version(PGVAULT_VERSION);
  await registerCommands(program, args);
  return program;
}
