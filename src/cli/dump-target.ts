/**
 * Where `pgvault dump -f PATH` writes, without replacing what is at PATH:
 * - absent or a regular file: a temporary file in the same directory (created with O_EXCL, mode 0600),
 *   renamed over PATH only when the dump succeeded, removed when it failed;
 * - a character device (`/dev/null`, a tape), a FIFO or a symlink: opened and written directly, as
 *   pg_dump does (a symlink is followed; a temporary file next to a device or a rename over a symlink
 *   would replace the device node or the link);
 * - a directory, a socket or a block device: refused before the database is contacted.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { lstat, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

export interface DumpTarget {
  /** 'replace': temporary file renamed at the end; 'direct': PATH opened for writing. */
  mode: 'replace' | 'direct';
  open(): WriteStream;
  /** After a successful write (the stream has finished). */
  commit(): Promise<void>;
  /** After a failure: remove the temporary file (a direct target is left as it is). */
  abort(): Promise<void>;
}

export async function dumpTarget(path: string): Promise<DumpTarget> {
  let kind: 'absent' | 'file' | 'direct';
  try {
    const l = await lstat(path);
    if (l.isFile()) kind = 'file';
    else if (l.isCharacterDevice() || l.isFIFO()) kind = 'direct';
    else if (l.isSymbolicLink()) {
      const t = await stat(path).catch(() => null); // dangling: opening it creates the target, as pg_dump does
      if (t && !(t.isFile() || t.isCharacterDevice() || t.isFIFO())) throw new UsageError(`refusing to write the dump to ${path}: the symlink points to ${t.isDirectory() ? 'a directory' : 'neither a file, a character device nor a FIFO'}`);
      kind = 'direct';
    } else if (l.isDirectory()) throw new UsageError(`-f ${path} is a directory; give a file name`);
    else throw new UsageError(`refusing to write the dump to ${path}: it is ${l.isBlockDevice() ? 'a block device' : 'a socket'}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    kind = 'absent';
  }
  if (kind === 'direct') {
    return { mode: 'direct', open: () => createWriteStream(path, { flags: 'w', mode: 0o600 }), commit: async () => {}, abort: async () => {} };
  }
  const tmp = join(dirname(path), `.${basename(path)}.pgvault-partial-${process.pid}-${randomBytes(4).toString('hex')}`);
  return {
    mode: 'replace',
    open: () => createWriteStream(tmp, { flags: 'wx', mode: 0o600 }),
    commit: async () => {
      // PATH may have changed since it was inspected: never rename over anything but a regular file.
      const now = await lstat(path).catch(() => null);
      if (now && !now.isFile()) throw new UsageError(`refusing to replace ${path}: it is no longer a regular file (the dump is left in ${tmp})`);
      await rename(tmp, path);
    },
    abort: () => rm(tmp, { force: true }).catch(() => undefined),
  };
}
