/**
 * FsStore: a repository in a local directory (or a mounted network file system).
 * Layout as in ./keys.ts; `data/` holds up to 256 two-character folders created on first use.
 *
 * Writes are atomic and durable: the body goes to a temp file `.tmp-<random>` in the target folder,
 * the file is fsynced, renamed over the final name, and the folder is fsynced so the rename survives a
 * crash. A crash leaves at worst a `.tmp-*` file, which `list` ignores (object names never start
 * with ".") and `removeTemporary` (called by prune, past its grace period) deletes. Files are created 0600 and folders 0700: the key files are only as safe as their owner.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { NotFoundError } from '../errors.js';
import { dataFolder, isValidName, objectKey } from './keys.js';
import { ownedBody } from './owned.js';
import { errnoCode, mapFsError } from './fs-errors.js';
import type { ListOptions, ObjectInfo, ObjectKind, Store } from './types.js';

const TEMP_PREFIX = '.tmp-';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export interface FsStoreOptions {
  /** fsync files and folders on put (default true). Only benchmarks and throwaway tests turn it off. */
  fsync?: boolean;
}

export class FsStore implements Store {
  /** `get` reads each object into a new buffer. */
  readonly ownedReads = true;
  readonly location: string;
  readonly #root: string;
  readonly #fsync: boolean;

  constructor(root: string, options: FsStoreOptions = {}) {
    this.#root = resolve(root);
    this.location = this.#root;
    this.#fsync = options.fsync ?? true;
  }

  #path(kind: ObjectKind, name: string): string {
    return join(this.#root, ...objectKey(kind, name).split('/'));
  }

  async put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> {
    const path = this.#path(kind, name);
    const dir = dirname(path);
    let created: string | undefined;
    try {
      created = await mkdir(dir, { recursive: true, mode: DIR_MODE });
    } catch (e) {
      throw mapFsError('creating folder', dir, e);
    }
    if (created !== undefined && this.#fsync) {
      // New folders must reach the disk too, or the renamed file may vanish with its folder after a crash.
      for (const d of ancestorsBetween(dirname(created), dir)) await this.#syncDir(d);
    }
    const tmp = join(dir, TEMP_PREFIX + randomBytes(8).toString('hex'));
    try {
      const fh = await open(tmp, 'wx', FILE_MODE);
      try {
        await fh.writeFile(body);
        if (this.#fsync) await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw mapFsError('writing', path, e);
    }
    if (this.#fsync) await this.#syncDir(dir);
  }

  async get(kind: ObjectKind, name: string): Promise<Uint8Array> {
    const path = this.#path(kind, name);
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') throw new NotFoundError(path, { cause: e });
      throw mapFsError('reading', path, e);
    }
    return ownedBody(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }

  async stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    const path = this.#path(kind, name);
    try {
      const st = await stat(path);
      return st.isFile() ? { name, size: st.size } : null;
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return null;
      throw mapFsError('inspecting', path, e);
    }
  }

  async *list(kind: ObjectKind, opts: ListOptions = {}): AsyncIterable<ObjectInfo> {
    if (kind === 'config') {
      const info = await this.stat('config', 'config');
      if (info) yield info;
      return;
    }
    const withTime = opts.modified === true;
    const top = join(this.#root, kind);
    if (kind !== 'data') {
      yield* this.#listFolder(kind, top, undefined, withTime);
      return;
    }
    for (const sub of await this.#readdir(top)) {
      if (sub.length !== 2 || sub.startsWith('.')) continue;
      yield* this.#listFolder(kind, join(top, sub), sub, withTime);
    }
  }

  async *#listFolder(kind: ObjectKind, folder: string, fanOut: string | undefined, withTime: boolean): AsyncIterable<ObjectInfo> {
    for (const name of await this.#readdir(folder)) {
      if (!isValidName(kind, name)) continue; // temp files, foreign files
      if (fanOut !== undefined && dataFolder(name) !== fanOut) continue;
      const path = join(folder, name);
      try {
        const st = await stat(path);
        if (st.isFile()) yield withTime ? { name, size: st.size, modified: st.mtime } : { name, size: st.size };
      } catch (e) {
        if (errnoCode(e) === 'ENOENT') continue; // deleted while we listed
        throw mapFsError('inspecting', path, e);
      }
    }
  }

  async #readdir(folder: string): Promise<string[]> {
    try {
      return await readdir(folder);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw mapFsError('listing', folder, e);
    }
  }

  async delete(kind: ObjectKind, name: string): Promise<void> {
    const path = this.#path(kind, name);
    try {
      await unlink(path);
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return;
      throw mapFsError('deleting', path, e);
    }
  }

  /** Remove `.tmp-*` files older than `olderThan` from every folder a put writes into (prune calls it). */
  async removeTemporary(olderThan: Date): Promise<number> {
    const folders = [this.#root, ...(['keys', 'snapshots', 'index', 'locks', 'data'] as const).map((k) => join(this.#root, k))];
    for (const sub of await this.#readdir(join(this.#root, 'data'))) {
      if (sub.length === 2 && !sub.startsWith('.')) folders.push(join(this.#root, 'data', sub));
    }
    let removed = 0;
    for (const folder of folders) {
      for (const name of await this.#readdir(folder)) {
        if (!name.startsWith(TEMP_PREFIX)) continue;
        const path = join(folder, name);
        try {
          const st = await stat(path);
          if (!st.isFile() || st.mtimeMs >= olderThan.getTime()) continue;
          await unlink(path);
          removed++;
        } catch (e) {
          if (errnoCode(e) === 'ENOENT') continue; // renamed into place or removed meanwhile
          throw mapFsError('removing temporary file', path, e);
        }
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // Nothing held open between calls.
  }

  async #syncDir(dir: string): Promise<void> {
    try {
      const fh = await open(dir, 'r');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw mapFsError('syncing folder', dir, e);
    }
  }
}

/** Folders from `top` down to (excluding) `dir`, e.g. /r, /r/data for top=/r, dir=/r/data/ab. */
function ancestorsBetween(top: string, dir: string): string[] {
  const out = [top];
  const rest = relative(top, dir).split(sep).filter((p) => p !== '');
  let cur = top;
  for (const part of rest.slice(0, -1)) {
    cur = join(cur, part);
    out.push(cur);
  }
  return out;
}
