/**
 * Precedence between the three sources of a setting: command-line flags > environment > configuration file.
 * These helpers take the already-parsed pieces and return the winning value; they never read files.
 */
import type { PasswordSource } from '../repo/password.js';
import type { PgvaultConfig } from './types.js';

export interface PasswordFlags {
  passwordFile?: string | undefined;
  passwordCommand?: string | undefined;
}

/** Where the repository password comes from (see resolvePassword in src/repo/password.ts). */
export function passwordSourceFor(flags: PasswordFlags, env: NodeJS.ProcessEnv, config: PgvaultConfig | undefined): PasswordSource {
  if (flags.passwordFile) return { passwordFile: flags.passwordFile, env };
  if (flags.passwordCommand) return { passwordCommand: flags.passwordCommand, env };
  if (env.PGVAULT_PASSWORD_FILE) return { passwordFile: env.PGVAULT_PASSWORD_FILE, env };
  if (env.PGVAULT_PASSWORD_COMMAND) return { passwordCommand: env.PGVAULT_PASSWORD_COMMAND, env };
  if (env.PGVAULT_PASSWORD !== undefined) return { env };
  if (config?.passwordFile) return { passwordFile: config.passwordFile, env };
  if (config?.passwordCommand) return { passwordCommand: config.passwordCommand, env };
  return { env };
}

/** The configuration file to read: --config, then PGVAULT_CONFIG. */
export function configPathFor(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  return flag ?? (env.PGVAULT_CONFIG || undefined);
}

export function logFileFor(flag: string | undefined, env: NodeJS.ProcessEnv, config: PgvaultConfig | undefined): string | undefined {
  return flag ?? (env.PGVAULT_LOG_FILE || undefined) ?? config?.logFile;
}
