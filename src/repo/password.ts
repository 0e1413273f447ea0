/**
 * Where the repository password comes from, in order: an explicit value (tests, library users),
 * `--password-file`, `--password-command` (SOPS, pass, vault, any secret manager), `PGVAULT_PASSWORD`.
 * The password is registered for redaction so it can never leak into a log line.
 */
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ConfigError } from '../errors.js';
import { redact, redactToken, registerSecret } from '../redact.js';
import { firstLine, readSecretFile } from '../secret-file.js';

export interface PasswordSource {
  password?: string;
  passwordFile?: string;
  /** Run through `/bin/sh -c`; its first line of output is the password. */
  passwordCommand?: string;
  env?: NodeJS.ProcessEnv;
  /** Stop the password command after this long (default PASSWORD_COMMAND_TIMEOUT_MS; tests shorten it). */
  commandTimeoutMs?: number;
  /** Give up on a password FIFO nobody writes to after this long (default 10 s; tests shorten it). */
  fifoWaitMs?: number;
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
    try {
      const st = await stat(src.passwordFile);
      if (st.isFile() && (st.mode & 0o077) !== 0) {
        warnings.push(`password file ${src.passwordFile} is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); run: chmod 600 ${src.passwordFile}`);
      }
    } catch { /* readSecretFile says why */ }
    password = await readSecretFile(src.passwordFile, 'password file', src.fifoWaitMs !== undefined ? { fifoWaitMs: src.fifoWaitMs } : {});
  } else if (src.passwordCommand) {
    password = firstLine(await runPasswordCommand(src.passwordCommand, src.commandTimeoutMs ?? PASSWORD_COMMAND_TIMEOUT_MS));
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

/** A password command that has not finished after this long is stopped (SIGTERM) and reported as a timeout. */
export const PASSWORD_COMMAND_TIMEOUT_MS = 60_000;
const MAX_COMMAND_OUTPUT = 1 << 20;

/**
 * What a failed command wrote on stderr, safe to show: its last 3 lines, without shell trace lines
 * (`+ ...` from `set -x`, which show variable values) and with every line the command printed on
 * stdout (the password it may have printed before failing) masked, whatever its length (the global
 * redaction skips secrets shorter than 8 characters, src/redact.ts).
 */
export function safeCommandStderr(stderr: string, stdout: string): string {
  let detail = stderr.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '' && !/^\++ /.test(l)).slice(-3).join(' ');
  const printed = stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  // Longest first; values of 4 characters or more wherever they occur, shorter ones as whole tokens.
  for (const value of printed.sort((a, b) => b.length - a.length)) {
    detail = value.length >= 4 ? detail.split(value).join('***') : redactToken(detail, value);
  }
  return redact(detail);
}

/** Run the command through `/bin/sh -c`; stdout is the password (first line). */
function runPasswordCommand(command: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['inherit', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const finish = (f: () => void): void => { if (!settled) { settled = true; clearTimeout(timer); f(); } };
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      // A grandchild may still hold the pipes open: stop waiting for them.
      child.stdout.destroy();
      child.stderr.destroy();
      finish(() => reject(new ConfigError(`the password command did not finish within ${timeoutMs / 1000} s and was stopped (SIGTERM): ` +
        'check that it does not wait for input (a passphrase prompt, an unreachable secret store)' +
        (stderr.trim() ? `; it said: ${safeCommandStderr(stderr, stdout)}` : ''))));
    }, timeoutMs);
    const cap = (): void => {
      if (stdout.length + stderr.length > MAX_COMMAND_OUTPUT) {
        child.kill('SIGTERM');
        finish(() => reject(new ConfigError(`the password command wrote more than ${MAX_COMMAND_OUTPUT} bytes; it should print the password on its first line`)));
      }
    };
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString('utf8'); cap(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString('utf8'); cap(); });
    child.on('error', (e) => finish(() => reject(new ConfigError(`cannot run the password command through /bin/sh: ${e.message}`, { cause: e }))));
    child.on('close', (code, signal) => {
      if (timedOut) return;
      if (code === 0) { finish(() => resolve(stdout)); return; }
      const detail = safeCommandStderr(stderr, stdout);
      finish(() => reject(new ConfigError(`the password command failed (${code !== null ? `exit ${code}` : `killed by ${String(signal)}`})${detail ? `: ${detail}` : ''}`)));
    });
  });
}
