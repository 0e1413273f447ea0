/**
 * Options every command understands, and how a command turns them into an open repository.
 * Precedence: command-line flags > environment > configuration file (see src/config when present).
 */
import { loadConfigFile } from '../config/load.js';
import { configPathFor, logFileFor, passwordSourceFor } from '../config/settings.js';
import { storeFromConfig } from '../config/store.js';
import type { LoadedConfig } from '../config/types.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { OpenOptions, Repository } from '../repo/repository.js';
import { resolvePassword } from '../repo/password.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { cliLogLevels, createCliLogger } from './logger.js';
import type { GlobalOptions } from './global-options.js';

export { addGlobalOptions, globalsOf, type GlobalOptions } from './global-options.js';

const loadedConfigs = new Map<string, LoadedConfig>();
const warnedConfigs = new Set<string>();

/** The configuration file named by --config or PGVAULT_CONFIG (loaded once per process), or undefined. */
export function configFor(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): LoadedConfig | undefined {
  const path = configPathFor(g.config, env);
  if (!path) return undefined;
  let loaded = loadedConfigs.get(path);
  if (!loaded) {
    loaded = loadConfigFile(path);
    loadedConfigs.set(path, loaded);
  }
  return loaded;
}

export function loggerFor(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Logger {
  const loaded = configFor(g, env);
  const logger = createCliLogger({ ...cliLogLevels(g, loaded?.config.logLevel), logFile: logFileFor(g.logFile, env, loaded?.config) });
  if (loaded && !warnedConfigs.has(loaded.config.file)) {
    warnedConfigs.add(loaded.config.file);
    for (const w of loaded.warnings) logger.warn(`config: ${w}`);
  }
  return logger;
}

export function repoLocation(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): string {
  const loc = g.repo ?? env.PGVAULT_REPOSITORY;
  if (!loc) throw new ConfigError('no repository given: pass --repo LOCATION, set PGVAULT_REPOSITORY, or give --config FILE with a "repository"');
  return loc;
}

/** --repo, then PGVAULT_REPOSITORY, then the configuration file's "repository". */
export async function storeFor(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  if (g.repo === undefined && !env.PGVAULT_REPOSITORY) {
    const loaded = configFor(g, env);
    if (loaded?.config.repository) {
      const e: { env: NodeJS.ProcessEnv; credentialsFile?: string } = { env };
      if (loaded.config.credentialsFile) e.credentialsFile = loaded.config.credentialsFile;
      return await storeFromConfig(loaded.config.repository, e);
    }
  }
  return openStore(repoLocation(g, env));
}

/** Flags > PGVAULT_PASSWORD_FILE / PGVAULT_PASSWORD_COMMAND / PGVAULT_PASSWORD > the configuration file. */
export async function passwordFor(g: GlobalOptions, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { password, warnings } = await resolvePassword(passwordSourceFor(g, env, configFor(g, env)?.config));
  for (const w of warnings) logger.warn(w);
  return password;
}

export function openOptionsFor(g: GlobalOptions, logger: Logger, env: NodeJS.ProcessEnv = process.env): OpenOptions {
  const config = configFor(g, env)?.config;
  const concurrency = g.concurrency === undefined ? config?.concurrency : Number(g.concurrency);
  if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
    throw new ConfigError(`--concurrency must be a whole number from 1 to 256, got ${g.concurrency}`);
  }
  const out: OpenOptions = { logger, cacheDir: g.cache === false ? null : g.cacheDir ?? config?.cacheDir, concurrency };
  if (g.allowExpensiveKdf === true || env.PGVAULT_ALLOW_EXPENSIVE_KDF === '1') out.maxKdf = null;
  return out;
}

/** `opts.unlockOffThread`: for long commands whose peak RSS matters (OpenOptions.unlockOffThread). */
export async function openRepository(g: GlobalOptions, logger: Logger, opts: { unlockOffThread?: boolean } = {}): Promise<Repository> {
  const store = await storeFor(g);
  const password = await passwordFor(g, logger);
  const { Repository } = await import('../repo/repository.js'); // libsodium: loaded only by commands that open a repository
  return Repository.open(store, password, { ...openOptionsFor(g, logger), unlockOffThread: opts.unlockOffThread === true });
}
