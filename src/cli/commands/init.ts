import type { Command } from 'commander';
import { Repository } from '../../repo/repository.js';
import { globalsOf, loggerFor, passwordFor, storeFor, openOptionsFor } from '../globals.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('create a new encrypted repository at --repo (refuses to overwrite an existing one)')
    .action(async (_opts: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const logger = loggerFor(g);
      const store = await storeFor(g);
      const password = await passwordFor(g, logger);
      const repo = await Repository.init(store, password, openOptionsFor(g, logger));
      if (g.json) printJson({ id: repo.id, location: store.location, key: repo.keyName, chunker: repo.settings.chunker });
      else {
        printLine(`created pgvault repository ${repo.id} at ${store.location}`);
        printLine('Keep the password safe: without it the backups cannot be read, by anyone.');
      }
      await repo.close();
    });
}
