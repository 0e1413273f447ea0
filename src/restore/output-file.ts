/**
 * Writing restored files without destroying anything: the target directory is created when missing
 * and checked before the repository is opened; names are planned for the whole restore first (distinct,
 * an existing file is never replaced unless `force` allows replacing a regular file); each file is
 * written to a uniquely named `<name>.<random>.partial` (created with O_EXCL) and published with
 * link-then-unlink, which fails instead of replacing a file that appeared meanwhile.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, createWriteStream, type WriteStream } from 'node:fs';
import { access, link, lstat, mkdir, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { LocalIoError, UsageError } from '../errors.js';
import type { Logger } from '../log.js';
import { collisionKey, restoreFileName, type RestoreNameSource } from './names.js';

export interface PreparedDir {
  dir: string;
  /** The topmost directory this call created (undefined when `dir` existed): removed again by `discardIfEmpty`. */
  created: string | undefined;
}

/** Create `dir` (and its parents, mode 0700) when missing; check that it is a writable directory. */
export async function prepareTargetDir(dir: string): Promise<PreparedDir> {
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new UsageError(`restore target ${dir} is not a directory (a file is in the way)`, { cause: e });
    throw new UsageError(`cannot create the restore target directory ${dir} (${code ?? (e as Error).message}); create it or choose another --target`, { cause: e });
  }
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new UsageError(`restore target ${dir} is not a directory`);
    await access(dir, fsConstants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`restore target directory ${dir} is not writable (${(e as NodeJS.ErrnoException).code}); choose another --target`, { cause: e });
  }
  return { dir, created };
}

/** After a restore that wrote nothing: remove the directories `prepareTargetDir` created (only while they are empty). */
export async function discardIfEmpty(p: PreparedDir): Promise<void> {
  if (!p.created) return;
  const top = resolve(p.created);
  for (let d = resolve(p.dir); ; d = dirname(d)) {
    try { await rmdir(d); } catch { return; }
    if (d === top || dirname(d) === d) return;
  }
}

export interface PlanOptions {
  /** `.sql.gz` (default) or `.tables.sql.gz`. */
  suffix?: string;
  /** Replace existing regular files of the planned name instead of choosing another name or refusing. */
  force?: boolean;
  /** Files written beside each one (e.g. `<name>.globals.sql`): a name whose companion exists counts as taken too. */
  companions?: (name: string) => string[];
}

export interface PlannedFile {
  name: string;
  /** A regular file of that name exists and `force` allows replacing it. */
  overwrite: boolean;
}

type Existing = 'absent' | 'file' | 'other';

async function existing(path: string): Promise<Existing> {
  try {
    return (await lstat(path)).isFile() ? 'file' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw e;
  }
}

/** The state of `name` in `dir`, where an existing companion file makes an absent name 'file' (or 'other'). */
async function existingWith(dir: string, name: string, companions: PlanOptions['companions']): Promise<Existing> {
  let state = await existing(join(dir, name));
  for (const c of companions?.(name) ?? []) {
    const cs = await existing(join(dir, c));
    if (cs === 'other') return 'other';
    if (cs === 'file' && state === 'absent') state = 'file';
  }
  return state;
}

/**
 * Choose each snapshot's file name in `dir`, before anything is written: `<db>_<stamp>.sql.gz`; the
 * snapshot's short id is appended when two snapshots of this restore would get the same name or when
 * the name is taken in `dir`. Refuses (naming the files) when even that name exists, unless `force`
 * allows replacing a regular file of the plain name. Keyed by snapshot id.
 */
export async function planRestoreFiles(dir: string, snaps: readonly (RestoreNameSource & { id: string })[], opts: PlanOptions = {}): Promise<Map<string, PlannedFile>> {
  const suffix = opts.suffix ?? '.sql.gz';
  const counts = new Map<string, number>();
  for (const s of snaps) {
    const k = collisionKey(restoreFileName(s, { suffix }));
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  const taken = new Set<string>();
  const out = new Map<string, PlannedFile>();
  const conflicts: string[] = [];
  for (const s of snaps) {
    const base = restoreFileName(s, { suffix });
    const shared = (counts.get(collisionKey(base)) ?? 0) > 1;
    const candidates = [...(shared ? [] : [base]), restoreFileName(s, { suffix, idLength: 8 }), restoreFileName(s, { suffix, idLength: 64 })];
    let chosen: PlannedFile | undefined;
    for (const name of candidates) {
      if (taken.has(collisionKey(name))) continue;
      const state = await existingWith(dir, name, opts.companions);
      if (state === 'absent') { chosen = { name, overwrite: false }; break; }
      if (opts.force && state === 'file') { chosen = { name, overwrite: true }; break; }
      if (name === base && !opts.force) continue; // taken by another file: disambiguate with the id
      conflicts.push(join(dir, name) + (state === 'other' ? ' (not a regular file)' : ''));
      break;
    }
    if (!chosen) continue;
    taken.add(collisionKey(chosen.name));
    out.set(s.id, chosen);
  }
  if (conflicts.length > 0) {
    throw new UsageError(`refusing to overwrite ${conflicts.join(', ')} (already restored here?); nothing was written. ` +
      'Move or delete the file, choose another --target directory, or add --force to replace regular files.');
  }
  return out;
}

function ioError(e: unknown, what: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new LocalIoError(`${what}: the disk is full (ENOSPC); free space and run the restore again`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new LocalIoError(`${what}: permission denied (${code})`, { cause: e });
  if (code === 'EIO' || code === 'EDQUOT' || code === 'EFBIG' || code === 'ENAMETOOLONG') return new LocalIoError(`${what}: ${(e as Error).message}`, { cause: e });
  return e;
}

/** File systems without hard links: publish with a rename after checking the name is still free. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK', 'EXDEV']);

async function publish(partial: string, final: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    if (await existing(final) === 'other') throw new UsageError(`refusing to replace ${final}: it is no longer a regular file`);
    await rename(partial, final);
    return;
  }
  try {
    await link(partial, final);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new UsageError(`refusing to overwrite ${final}: it appeared while the restore ran; nothing was replaced. Run the restore again.`, { cause: e });
    }
    if (!code || !NO_HARD_LINKS.has(code)) throw e;
    if (await existing(final) !== 'absent') throw new UsageError(`refusing to overwrite ${final}: it appeared while the restore ran; run the restore again`);
    await rename(partial, final);
    return;
  }
  await unlink(partial);
}

export interface WriteFileOptions {
  /** From planRestoreFiles: replace an existing regular file. */
  overwrite?: boolean;
  logger?: Logger;
}

/**
 * Write `<dir>/<name>` through `fill` (which writes to the stream and resolves when done; the stream is
 * ended and closed here), publishing it only when `fill` succeeded; on failure nothing is left.
 */
export async function writeNewFile(dir: string, name: string, fill: (out: WriteStream) => Promise<void>, opts: WriteFileOptions = {}): Promise<string> {
  const final = join(dir, name);
  await warnStalePartials(dir, name, opts.logger);
  const partial = `${final}.${randomBytes(4).toString('hex')}.partial`;
  let out: WriteStream | undefined;
  try {
    out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    await once(out, 'open');
    await fill(out);
    if (!out.writableEnded) out.end();
    if (!out.writableFinished) await once(out, 'finish');
    await new Promise<void>((res, rej) => out!.close((e) => (e ? rej(e) : res())));
    await publish(partial, final, opts.overwrite ?? false);
    return final;
  } catch (e) {
    // Writes still in flight fail once the stream is destroyed; the error to report is e.
    out?.on('error', () => {});
    out?.destroy();
    await rm(partial, { force: true });
    throw ioError(e, `writing ${final}`);
  }
}

/** Partial files of `name` left by a killed restore are ignored (new ones have unique names); say they can go. */
async function warnStalePartials(dir: string, name: string, logger: Logger | undefined): Promise<void> {
  if (!logger) return;
  let entries: string[];
  try { entries = await readdir(dir); } catch { return; }
  const stale = entries.filter((e) => e.startsWith(`${name}.`) && e.endsWith('.partial'));
  for (const s of stale) {
    logger.warn(`${join(dir, s)} is an unfinished file of an interrupted (or still running) restore; it is ignored, delete it when no restore is running`);
  }
}
