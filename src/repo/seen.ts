/**
 * Making a rollback visible (issue 10 item 11). Someone with write access to the bucket but no password
 * cannot forge snapshots, but can delete the newest manifests (or put back an old state), and
 * `restore latest` would then silently restore something older. So each host remembers, in its local
 * cache folder (`<cache>/<repo id>/seen-snapshots.json`, not in the repository), which snapshots it
 * has seen and the newest snapshot time; `check` and `run` compare the repository with it and warn when
 *
 * - the repository's newest snapshot is older than the newest this host saw, or
 * - snapshots this host saw are gone and this host did not forget them (forget records what it removes).
 *
 * A forget or prune run from another host also makes snapshots vanish: the warning says so, and is
 * given once (the state then records the repository as it is). Writing the state never fails a command.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { parseTime } from '../snapshot/time.js';

export interface SeenEntry {
  id: string;
  time: string;
  host: string;
}

interface SeenFile {
  version: 1;
  snapshots: SeenEntry[];
  /** Newest snapshot this host has seen, per scope ("" = every host, else the host name). */
  newest: Record<string, SeenEntry>;
}

function ms(time: string): number {
  try {
    return parseTime(time).date.getTime();
  } catch {
    return Number.NaN;
  }
}

export class SeenSnapshots {
  readonly #dir: string;
  readonly #file: string;

  constructor(root: string, repoId: string) {
    this.#dir = join(root, repoId);
    this.#file = join(this.#dir, 'seen-snapshots.json');
  }

  async #load(): Promise<SeenFile> {
    try {
      const v = JSON.parse(await readFile(this.#file, 'utf8')) as Partial<SeenFile>;
      if (v.version === 1 && Array.isArray(v.snapshots) && typeof v.newest === 'object' && v.newest !== null) return v as SeenFile;
    } catch {
      // absent or damaged: start afresh (the first comparison then has nothing to compare with)
    }
    return { version: 1, snapshots: [], newest: {} };
  }

  async #save(f: SeenFile): Promise<void> {
    await mkdir(this.#dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.#file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(f), { mode: 0o600 });
    await rename(tmp, this.#file);
  }

  /** This host removed these snapshots (forget): their absence is expected. */
  async forgotten(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    const f = await this.#load();
    const gone = new Set(ids);
    f.snapshots = f.snapshots.filter((s) => !gone.has(s.id));
    for (const [scope, n] of Object.entries(f.newest)) if (gone.has(n.id)) delete f.newest[scope];
    await this.#save(f);
  }

  /**
   * Compare the repository's snapshots (all of them, or those of `host`) with what this host saw last,
   * return the warnings, and record the current state.
   */
  async compare(current: readonly SeenEntry[], host?: string): Promise<string[]> {
    const f = await this.#load();
    const scope = host ?? '';
    const inScope = (s: SeenEntry): boolean => host === undefined || s.host === host;
    const now = new Set(current.map((s) => s.id));
    const warnings: string[] = [];
    const vanished = f.snapshots.filter((s) => inScope(s) && !now.has(s.id));
    let newest: SeenEntry | undefined;
    for (const s of current) if (inScope(s) && (!newest || ms(s.time) > ms(newest.time))) newest = s;
    const before = f.newest[scope];
    if (before && (!newest || ms(newest.time) < ms(before.time))) {
      warnings.push(`the newest snapshot${host ? ` of host ${host}` : ''} in the repository (${newest ? `${newest.time}, ${newest.id.slice(0, 12)}` : 'none'}) is older ` +
        `than the newest this host saw before (${before.time}, ${before.id.slice(0, 12)}): "restore latest" would restore an older state. ` +
        'If nobody forgot it on purpose, someone with write access to the bucket may have deleted or rolled back snapshots; run "pgvault check" and look at the bucket\'s object versions.');
    }
    if (vanished.length > 0) {
      warnings.push(`${vanished.length} snapshot(s) this host saw before are gone from the repository and were not forgotten by this host ` +
        `(first: ${vanished[0]!.id.slice(0, 12)} of ${vanished[0]!.time}). If another host ran forget, all is well; otherwise someone with ` +
        'write access to the bucket may have deleted them: run "pgvault check".');
    }
    f.snapshots = [...f.snapshots.filter((s) => !inScope(s)), ...current.filter(inScope).map((s) => ({ id: s.id, time: s.time, host: s.host }))];
    if (newest) f.newest[scope] = { id: newest.id, time: newest.time, host: newest.host };
    else delete f.newest[scope];
    await this.#save(f);
    return warnings;
  }
}

/** Compare (see SeenSnapshots.compare) and log each warning; a failure to read or write the state only warns. */
export async function compareSeen(seen: SeenSnapshots | null, list: readonly SeenEntry[], logger: Logger, host?: string): Promise<string[]> {
  if (!seen) return [];
  try {
    const warnings = await seen.compare(list, host);
    for (const w of warnings) logger.warn(w);
    return warnings;
  } catch (e) {
    logger.warn(`could not compare with the snapshots this host saw before (${(e as Error).message})`);
    return [];
  }
}
