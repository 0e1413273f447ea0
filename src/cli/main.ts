/**
 * pgvault command line: a thin shell over the library API. Each command lives in its own file under
 * ./commands and is loaded only when it runs (see ./commands/index.ts); the library never prints, this layer does.
 * `pgvault --help` and `--version` are answered by ./help.ts without loading commander (start-up cost).
 */
import './warnings.js';
import './heap.js';
import { quickAnswer } from './help.js';

const quick = quickAnswer(process.argv.slice(2));
if (quick !== undefined) {
  process.exitCode = quick;
} else {
  const { buildProgram } = await import('./program.js');
  const { runCli } = await import('./run.js');
  await runCli(await buildProgram(process.argv.slice(2)), process.argv);
}
