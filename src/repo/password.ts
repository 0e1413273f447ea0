/**
 * Where the repository password comes from, in order: an explicit value (tests, library users),
 * `--password-file`, `--password-command` (SOPS, pass, vault, any secret manager), `PGVAULT_PASSWORD`.
 * The password is registered for redaction so it can never leak into a log line.
 */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';

export interface PasswordSource {
  password?: string;
  passwordFile?: string;
  passwordCommand?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ResolvedPassword {
  password: string;
  /** Warnings for the operator (e.g. a password file readable by others). */
  warnings: string[];
}

export async function resolvePassword(src: PasswordSource): Promise<ResolvedPassword> {
  const warnings: string[] = [];
  let password: string | undefined;
  if (src.password !== undefined) {
    password = src.password;
  } else if (src.passwordFile) {
    let text: string;
    try {
      const st = await stat(src.passwordFile);
      if ((st.mode & 0o077) !== 0) {
        warnings.push(`password file ${src.passwordFile} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${src.passwordFile}`);
      }
      text = await readFile(src.passwordFile, 'utf8');
    } catch (cause) {
      throw new ConfigError(`cannot read the password file ${src.passwordFile}: ${(cause as Error).message}`, { cause });
    }
    password = firstLine(text);
  } else if (src.passwordCommand) {
    password = firstLine(await runPasswordCommand(src.passwordCommand));
  } else {
    const fromEnv = (src.env ?? process.env).PGVAULT_PASSWORD;
    if (fromEnv !== undefined) password = fromEnv;
  }
  if (password === undefined) {
    throw new ConfigError('no repository password: set PGVAULT_PASSWORD, or pass --password-file FILE or --password-command CMD');
  }
  if (password.length === 0) throw new ConfigError('the repository password is empty');
  registerSecret(password);
  return { password, warnings };
}

function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
}

function runPasswordCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const detail = String(stderr).trim().split('\n').slice(-3).join(' ');
        reject(new ConfigError(`the password command failed (${err.code !== undefined ? `exit ${String(err.code)}` : err.message})${detail ? `: ${detail}` : ''}`));
        return;
      }
      resolve(String(stdout));
    });
  });
}
