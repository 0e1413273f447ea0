/**
 * Host-local state of `pgvault run`: the run lock and when each repository was last pruned.
 * Default folder: /var/lib/pgvault for root, else $XDG_STATE_HOME/pgvault (~/.local/state/pgvault).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { DrillResult } from '../drill/drill.js';
import { LocalIoError } from '../errors.js';

export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  let uid = -1;
  try { uid = userInfo().uid; } catch { /* no passwd entry */ }
  if (uid === 0) return '/var/lib/pgvault';
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'pgvault');
}

export interface RepoState {
  /** ISO time of the last successful prune. */
  lastPrune?: string;
  lastRun?: string;
  /** The last restore drill: when, and its results (kept so every run's metrics carry them). */
  drill?: { at: string; results: DrillResult[] };
}

interface StateFile {
  version: 1;
  repositories: Record<string, RepoState>;
  /** Newest snapshot time per configured database (Unix seconds), for metrics when the repository is unreachable. */
  lastSuccess?: Record<string, number>;
}

export class RunState {
  readonly file: string;
  constructor(readonly dir: string) {
    this.file = join(dir, 'state.json');
  }

  #read(): StateFile {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as StateFile;
      if (v && v.version === 1 && typeof v.repositories === 'object') return v;
    } catch { /* missing or unreadable: start over (worst case one extra prune) */ }
    return { version: 1, repositories: {} };
  }

  get(repoId: string): RepoState {
    return this.#read().repositories[repoId] ?? {};
  }

  update(repoId: string, patch: RepoState): void {
    const s = this.#read();
    s.repositories[repoId] = { ...s.repositories[repoId], ...patch };
    this.#write(s);
  }

  lastSuccess(): Record<string, number> {
    return { ...this.#read().lastSuccess };
  }

  setLastSuccess(values: Record<string, number>): void {
    const s = this.#read();
    s.lastSuccess = { ...s.lastSuccess, ...values };
    this.#write(s);
  }

  #write(s: StateFile): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.tmp-${process.pid}`;
      writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
      renameSync(tmp, this.file);
    } catch (e) {
      throw new LocalIoError(`cannot write the state file ${this.file}: ${(e as Error).message}`, { cause: e });
    }
  }
}
