/** Run the pgvault CLI (TypeScript sources through tsx) as a child process, as an operator or cron would. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI_MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * `env` is merged over the test process's environment (a value of undefined removes the variable).
 * `killAfterMs` sends SIGKILL after that many milliseconds.
 */
export function runCli(args: string[], env: Record<string, string | undefined> = {}, opts: { killAfterMs?: number } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = opts.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
    // 'close', not 'exit': 'exit' may come before the last output has been read from the pipes (under load, a
    // process that printed its help was seen with empty stdout).
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
