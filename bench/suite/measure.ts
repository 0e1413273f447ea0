/**
 * Run a command (or a shell pipeline) as a child under GNU time: wall seconds, user and system CPU
 * seconds of the child and everything it waited for, and peak RSS (the largest single process).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TIME_BIN = '/usr/bin/time';

export interface Measured {
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** Peak resident set size of the largest process, MiB. */
  peakRssMiB: number;
  stdout: string;
  stderr: string;
}

export interface RunSpec {
  /** Executable and arguments (no shell), or `shell` for a pipeline run by bash -o pipefail. */
  cmd?: string;
  args?: string[];
  shell?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep stdout (default: discarded to /dev/null unless the pipeline redirects it). */
  captureStdout?: boolean;
}

export class CommandFailed extends Error {}

export function haveGnuTime(): boolean {
  return existsSync(TIME_BIN);
}

/** Environment without libpq variables (each tool gets its connection explicitly). */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG') && !k.startsWith('RESTIC_') && !k.startsWith('AWS_')));
  return { ...base, ...extra };
}

export async function measure(spec: RunSpec): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-bench-time-'));
  const timeFile = join(dir, 'time');
  const argv = spec.shell !== undefined ? ['bash', '-o', 'pipefail', '-c', spec.shell] : [spec.cmd!, ...(spec.args ?? [])];
  try {
    const t0 = process.hrtime.bigint();
    const child = spawn(TIME_BIN, ['-f', '%e %U %S %M', '-o', timeFile, ...argv], {
      stdio: ['ignore', spec.captureStdout ? 'pipe' : 'ignore', 'pipe'], env: spec.env ?? cleanEnv(), cwd: spec.cwd,
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => { stdout += b.toString(); });
    child.stderr?.on('data', (b: Buffer) => { if (stderr.length < 1 << 20) stderr += b.toString(); });
    const code = await new Promise<number | null>((resolve, reject) => { child.on('error', reject); child.on('close', resolve); });
    const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (code !== 0) {
      throw new CommandFailed(`${argv.join(' ').slice(0, 300)} failed with exit code ${code}: ${stderr.slice(-2000)}`);
    }
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [, user, sys, rss] = last.split(/\s+/).map(Number);
    return { wallSeconds, userSeconds: user ?? NaN, sysSeconds: sys ?? NaN, peakRssMiB: (rss ?? NaN) / 1024, stdout, stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Bytes of every regular file under `path` (0 if it does not exist). */
export function duBytes(path: string): number {
  if (!existsSync(path)) return 0;
  let total = 0;
  const walk = (p: string): void => {
    for (const e of readdirSyncSafe(p)) {
      const full = join(p, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) total += statSize(full);
    }
  };
  walk(path);
  return total;
}

/** Number of regular files under `path`. */
export function fileCount(path: string): number {
  if (!existsSync(path)) return 0;
  let n = 0;
  const walk = (p: string): void => {
    for (const e of readdirSyncSafe(p)) {
      if (e.isDirectory()) walk(join(p, e.name));
      else if (e.isFile()) n++;
    }
  };
  walk(path);
  return n;
}

function readdirSyncSafe(p: string): Dirent[] {
  try { return readdirSync(p, { withFileTypes: true }); } catch { return []; }
}
function statSize(p: string): number {
  try { return statSync(p).size; } catch { return 0; }
}
