/** Shared pieces of the `pgvault run` tests: the CLI as a child process and a local ping/webhook receiver. */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `node --import tsx src/cli/main.ts ...args` with exactly `env` (plus PATH/HOME). */
export function runCli(args: string[], env: Record<string, string>, opts: { cwd?: string; command?: string[] } = {}): Promise<CliResult> {
  const cmd = opts.command ?? [process.execPath, '--import', 'tsx', MAIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0]!, cmd.slice(1), {
      cwd: opts.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface Received {
  method: string;
  url: string;
  body: string;
  contentType: string | undefined;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Answer with this status (default 200). */
  status: number;
  /** Answer requests whose path includes this text only after `delayMs`. */
  delay: { match: string; ms: number } | null;
  stop(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const r: Receiver = { url: '', received: [], status: 200, delay: null, stop: async () => {} };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      r.received.push({ method: req.method ?? '', url: req.url ?? '', body, contentType: req.headers['content-type'] });
      const answer = (): void => {
        res.writeHead(r.status, { 'content-type': 'text/plain' });
        res.end('OK');
      };
      if (r.delay && (req.url ?? '').includes(r.delay.match)) setTimeout(answer, r.delay.ms);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.stop = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return r;
}

/** A TCP port on 127.0.0.1 with nothing listening. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
