/** The pgvault CLI with the forget and snapshots commands (the real entry wires forget into commands/index.ts). */
import { Command } from 'commander';
import { addGlobalOptions } from '../../src/cli/globals.js';
import { runCli } from '../../src/cli/run.js';
import { register as forget } from '../../src/cli/commands/forget.js';
import { register as snapshots } from '../../src/cli/commands/snapshots.js';

const program = new Command().name('pgvault');
addGlobalOptions(program);
forget(program);
snapshots(program);
await runCli(program, process.argv);
