import type { Command } from 'commander';
import type { ChunkCompression } from '../../crypto/compress.js';
import { isChunkIdScheme } from '../../crypto/chunk-id.js';
import { UsageError } from '../../errors.js';
import { Repository } from '../../repo/repository.js';
import { globalsOf, loggerFor, passwordFor, storeFor, openOptionsFor } from '../globals.js';
import { printJson, printLine } from '../output.js';

export function register(program: Command): void {
  program
    .command('init')
    .description('create a new encrypted repository at --repo (refuses to overwrite an existing one)')
    .option('--compression <method>', 'how data chunks are compressed: gzip (default; fastest .sql.gz restores) or zstd ' +
      '(about 25 % smaller and faster backups; needs Node.js 22.15+ for every backup and restore)', 'gzip')
    .option('--chunk-id <hash>', 'the keyed hash naming chunks, fixed for the repository\'s life: auto (default: hmac-sha256 ' +
      'unless blake2b is clearly faster on this CPU), hmac-sha256 (fastest where the CPU has SHA-256 instructions) or blake2b', 'auto')
    .action(async (opts: { compression: string; chunkId: string }, cmd: Command) => {
      if (opts.compression !== 'gzip' && opts.compression !== 'zstd') {
        throw new UsageError(`--compression must be gzip or zstd, not "${opts.compression}"`);
      }
      const chunkId = opts.chunkId === 'blake2b' ? 'blake2b-256-keyed' : opts.chunkId;
      if (chunkId !== 'auto' && !isChunkIdScheme(chunkId)) {
        throw new UsageError(`--chunk-id must be auto, hmac-sha256 or blake2b, not "${opts.chunkId}"`);
      }
      const compression: ChunkCompression = opts.compression;
      const g = globalsOf(cmd);
      const logger = loggerFor(g);
      const store = await storeFor(g);
      const password = await passwordFor(g, logger);
      const repo = await Repository.init(store, password, { ...openOptionsFor(g, logger), compression, chunkId });
      if (g.json) {
        printJson({
          id: repo.id, location: store.location, key: repo.keyName, chunker: repo.settings.chunker, compression, chunkId: repo.chunkIdScheme,
        });
      } else {
        printLine(`created pgvault repository ${repo.id} at ${store.location}`);
        printLine(`Objects are named by ${repo.chunkIdScheme}${chunkId === 'auto' ? ' (the faster keyed hash on this CPU)' : ''}, for the repository's life.`);
        printLine('Keep the password safe: without it the backups cannot be read, by anyone.');
      }
      await repo.close();
    });
}
