/**
 * Loading the configuration file: read, parse (JSON with comments, ./jsonc.ts), validate (./validate.ts).
 * Fatal problems become one ConfigError (exit code 2) listing every error with its key and line;
 * unknown keys and loose permissions on secret files come back as warnings.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { JsoncSyntaxError, parseJsonc } from './jsonc.js';
import { policyFor } from './policy.js';
import { looseSecretFileWarning } from './secrets.js';
import type { LoadedConfig } from './types.js';
import { validateConfig } from './validate.js';

const MAX_CONFIG_BYTES = 1 << 20;

/** Messages in file order ("... (line 12): ..."); messages without a line keep their place at the end. */
function byLine(messages: string[]): string[] {
  const line = (m: string): number => Number(/ \(line (\d+)\): /.exec(m)?.[1] ?? Infinity);
  return messages.map((m, i) => ({ m, i })).sort((a, b) => line(a.m) - line(b.m) || a.i - b.i).map((x) => x.m);
}

/** `--keep-within-daily` → `keep_within_daily`, `--keep-tag` → `keep_tags`: config errors speak in the file's names. */
export function configKeyNames(message: string): string {
  return message.replace(/--keep-tag\b/g, 'keep_tags').replace(/--keep-([a-z-]+)/g, (_, k: string) => `keep_${k.replace(/-/g, '_')}`);
}

export function parseConfigText(text: string, file: string): LoadedConfig {
  let parsed;
  try {
    parsed = parseJsonc(text);
  } catch (e) {
    if (e instanceof JsoncSyntaxError) throw new ConfigError(`configuration file ${file} is not valid JSON: ${e.message}`, { cause: e });
    throw e;
  }
  const v = validateConfig(parsed.value, parsed.lines, file);
  // The retention engine's own checks, only when the section itself was valid, in the file's key names.
  if (v.config.retention && !v.errors.some((m) => m.startsWith('retention'))) {
    try { policyFor(v.config.retention); } catch (e) { v.error('retention', configKeyNames((e as Error).message)); }
  }
  if (v.errors.length > 0) {
    const n = v.errors.length;
    throw new ConfigError(`configuration file ${file} has ${n} error${n === 1 ? '' : 's'}:\n  ${byLine(v.errors).join('\n  ')}` +
      (v.warnings.length ? `\n  (warnings: ${byLine(v.warnings).join('; ')})` : ''));
  }
  const warnings = byLine(v.warnings);
  const c = v.config;
  const secretFiles: [string | undefined, string][] = [
    [c.passwordFile, 'repository password file'],
    [c.credentialsFile, 'credentials file'],
    ...c.databases.map((d): [string | undefined, string] => [d.passwordFile, `password file of database ${d.name}`]),
  ];
  for (const [f, what] of secretFiles) {
    if (!f) continue;
    const w = looseSecretFileWarning(f, what);
    if (w) warnings.push(w);
  }
  return { config: c, warnings };
}

export function loadConfigFile(path: string): LoadedConfig {
  const file = resolve(path);
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw new ConfigError(`configuration file ${file} is not a regular file`);
    if (st.size > MAX_CONFIG_BYTES) throw new ConfigError(`configuration file ${file} is larger than 1 MiB; is it the right file?`);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission denied (check the owner and mode)' : (e as Error).message;
    throw new ConfigError(`cannot read the configuration file ${file}: ${why}`, { cause: e });
  }
  return parseConfigText(text, file);
}
