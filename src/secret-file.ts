/**
 * Reading a password from a file without surprises (docs/operations.md "Password files"):
 * - at most MAX_SECRET_FILE_BYTES: a regular file larger than that is refused before it is read, and
 *   a device or pipe is read only until its first line ends (`/dev/zero` is refused after 4 KiB,
 *   instead of reading it into memory);
 * - FIFOs and pipes work (`--password-file <(pass show pgvault)`); a named FIFO that no process opens
 *   for writing is given up after `fifoWaitMs` (default 10 s) with a message saying so, and one whose
 *   writer never sends a line after `silentWriterMs` (default 60 s), like a hanging password command;
 * - directories are refused.
 */
import { constants, openSync, closeSync, fstatSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { ConfigError } from './errors.js';

export const MAX_SECRET_FILE_BYTES = 4096;

export interface SecretFileOptions {
  /** Give up on a FIFO nobody writes to after this long (ms). */
  fifoWaitMs?: number;
  /** Give up on a pipe whose writer sends nothing after this long (ms). */
  silentWriterMs?: number;
}

const tooLarge = (what: string, file: string): ConfigError =>
  new ConfigError(`${what} ${file} is larger than ${MAX_SECRET_FILE_BYTES} bytes (or has no line break within them): ` +
    'it should hold the password on its first line; is it the right file?');

/** The first line (without `\r\n`) of a password file, a FIFO or a device. */
export async function readSecretFile(file: string, what: string, opts: SecretFileOptions = {}): Promise<string> {
  let fh;
  try {
    // Non-blocking: opening a FIFO without a writer would otherwise block a thread for good.
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ConfigError(`cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new ConfigError(`the ${what} ${file} is a directory, not a file`);
    if (st.isFile() && st.size > MAX_SECRET_FILE_BYTES) throw tooLarge(`the ${what}`, file);
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let n = 0;
    const started = Date.now();
    const noWriterMs = opts.fifoWaitMs ?? 10_000;
    const silentMs = opts.silentWriterMs ?? 60_000;
    for (;;) {
      let got: number;
      try {
        got = (await fh.read(buf, n, buf.length - n, null)).bytesRead;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw new ConfigError(`cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
        // A writer is there but has not written yet (a secret manager asking for a passphrase).
        if (Date.now() - started > silentMs) {
          throw new ConfigError(`the ${what} ${file} is a pipe whose writer sent no line within ${silentMs / 1000} s; gave up`);
        }
        await delay(25);
        continue;
      }
      if (got === 0) {
        // End of file; or, for a FIFO nobody has opened for writing yet, nothing so far.
        if (n > 0 || !st.isFIFO()) break;
        if (Date.now() - started > noWriterMs) {
          throw new ConfigError(`the ${what} ${file} is a FIFO that no process wrote to within ${noWriterMs / 1000} s; ` +
            'start the writer first, or use a regular file with mode 600');
        }
        await delay(25);
        continue;
      }
      n += got;
      if (buf.subarray(0, n).includes(0x0a)) break;
      if (n > MAX_SECRET_FILE_BYTES) throw tooLarge(`the ${what}`, file);
    }
    return firstLine(buf.subarray(0, n).toString('utf8'));
  } finally {
    await fh.close();
  }
}

/** The same for configuration files read synchronously: regular files only (a database's `password_file`). */
export function readSecretFileSync(file: string, what: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new ConfigError(`cannot read the ${what} ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new ConfigError(`the ${what} ${file} is not a regular file: give a file holding the password on its first line`);
    if (st.size > MAX_SECRET_FILE_BYTES) throw tooLarge(`the ${what}`, file);
    const buf = Buffer.alloc(MAX_SECRET_FILE_BYTES + 1);
    let n = 0;
    for (let got = 1; got > 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_SECRET_FILE_BYTES) throw tooLarge(`the ${what}`, file);
    return firstLine(buf.subarray(0, n).toString('utf8'));
  } finally {
    closeSync(fd);
  }
}

export function firstLine(text: string): string {
  const nl = text.indexOf('\n');
  return (nl === -1 ? text : text.slice(0, nl)).replace(/\r$/, '');
}
