/**
 * The Store a configuration points at. S3 credentials come from the environment (B2_ACCOUNT_ID/B2_ACCOUNT_KEY,
 * B2_APPLICATION_KEY_ID/B2_APPLICATION_KEY or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), then from
 * `credentials_file`: environment variables win over the file.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { FsStore } from '../store/fs.js';
import { openStore } from '../store/open.js';
import type { S3StoreOptions } from '../store/s3.js';
import type { Store } from '../store/types.js';
import { parseEnvFile } from './envfile.js';
import type { RepositoryConfig } from './types.js';

/** Variables of a credentials file; values of secret-looking names are registered for redaction. */
export function readCredentialsFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`cannot read the credentials file ${file}: ${(e as Error).message}`, { cause: e });
  }
  let vars: Record<string, string>;
  try {
    vars = parseEnvFile(text, file);
  } catch (e) {
    throw new ConfigError(`credentials file: ${(e as Error).message}`, { cause: e });
  }
  for (const [k, v] of Object.entries(vars)) if (/KEY|SECRET|PASSWORD|TOKEN/i.test(k) && !/_ID$/.test(k)) registerSecret(v);
  return vars;
}

export interface StoreEnv {
  env: NodeJS.ProcessEnv;
  credentialsFile?: string;
}

function stripEmpty(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

/** The environment S3 credentials are read from: the credentials file, overridden by the real environment. */
export function credentialEnv(e: StoreEnv): NodeJS.ProcessEnv {
  return e.credentialsFile ? { ...readCredentialsFile(e.credentialsFile), ...stripEmpty(e.env) } : e.env;
}

export async function storeFromConfig(r: RepositoryConfig, e: StoreEnv): Promise<Store> {
  if (r.kind === 'path') return new FsStore(r.path);
  if (r.kind === 'location') {
    const env = r.location.startsWith('/') ? e.env : credentialEnv(e);
    return openStore(r.location, { env, ...(r.deleteMode ? { s3: { deleteMode: r.deleteMode } } : {}) });
  }
  const opts: S3StoreOptions = { endpoint: r.endpoint, bucket: r.bucket, prefix: r.prefix, env: credentialEnv(e) };
  if (r.region) opts.region = r.region;
  if (r.deleteMode) opts.deleteMode = r.deleteMode;
  const { S3Store } = await import('../store/s3.js');
  return new S3Store(opts);
}
