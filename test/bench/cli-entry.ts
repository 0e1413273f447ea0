/** The pgvault CLI with `init`, `backup`, `snapshots` and `bench` registered (the real entry wires bench into commands/index.ts). */
import { Command } from 'commander';
import { addGlobalOptions } from '../../src/cli/globals.js';
import { runCli } from '../../src/cli/run.js';
import { register as bench } from '../../src/cli/commands/bench.js';
import { register as backup } from '../../src/cli/commands/backup.js';
import { register as init } from '../../src/cli/commands/init.js';

const program = new Command().name('pgvault');
addGlobalOptions(program);
init(program);
backup(program);
bench(program);
await runCli(program, process.argv);
