/** The pgvault CLI with only the maintenance commands registered (the real entry wires them into commands/index.ts). */
import { Command } from 'commander';
import { addGlobalOptions } from '../../src/cli/globals.js';
import { runCli } from '../../src/cli/run.js';
import { register as check } from '../../src/cli/commands/check.js';
import { register as prune } from '../../src/cli/commands/prune.js';
import { register as unlock } from '../../src/cli/commands/unlock.js';
import { register as repair } from '../../src/cli/commands/repair.js';

const program = new Command().name('pgvault');
addGlobalOptions(program);
check(program);
prune(program);
unlock(program);
repair(program);
await runCli(program, process.argv);
