/**
 * S3 credentials: explicit, or from the environment. Accepted variable pairs, first complete pair wins:
 *   AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (+ optional AWS_SESSION_TOKEN)
 *   B2_ACCOUNT_ID / B2_ACCOUNT_KEY            (the names restic and the original ticket use)
 *   B2_APPLICATION_KEY_ID / B2_APPLICATION_KEY (the names of Backblaze's own CLI)
 * For B2 these hold an application key ID and application key (the master key is refused by B2's S3 API).
 * The secret is registered with redact() so it can never appear in a message.
 */
import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const PAIRS: readonly (readonly [string, string])[] = [
  ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'],
  ['B2_ACCOUNT_ID', 'B2_ACCOUNT_KEY'],
  ['B2_APPLICATION_KEY_ID', 'B2_APPLICATION_KEY'],
];

export function credentialsFromEnv(env: Env): S3Credentials {
  for (const [idVar, secretVar] of PAIRS) {
    const id = env[idVar];
    const secret = env[secretVar];
    if (id && secret) {
      registerSecret(secret);
      const token = idVar === 'AWS_ACCESS_KEY_ID' ? env.AWS_SESSION_TOKEN : undefined;
      if (token) registerSecret(token);
      return token ? { accessKeyId: id, secretAccessKey: secret, sessionToken: token } : { accessKeyId: id, secretAccessKey: secret };
    }
    if (id && !secret) throw new ConfigError(`${idVar} is set but ${secretVar} is not: set both (the key ID and its secret key)`);
    if (!id && secret) throw new ConfigError(`${secretVar} is set but ${idVar} is not: set both (the key ID and its secret key)`);
  }
  throw new ConfigError(
    'no credentials for the S3/B2 repository: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
    '(for B2: an application key ID and application key; B2_ACCOUNT_ID and B2_ACCOUNT_KEY also work)');
}

export function resolveCredentials(explicit: S3Credentials | undefined, env: Env): S3Credentials {
  if (explicit) {
    registerSecret(explicit.secretAccessKey);
    if (explicit.sessionToken) registerSecret(explicit.sessionToken);
    return explicit;
  }
  return credentialsFromEnv(env);
}
