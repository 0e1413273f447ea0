/**
 * Restore a snapshot's script as a `.sql.gz` file (the original ticket's `<db>_<YYYYmmdd_HHMMSS>.sql.gz`)
 * or to a writable stream (plain SQL or gzip).
 *
 * `.sql.gz` needs no recompression: every chunk is stored as an independent gzip member, and
 * concatenated members are one valid gzip file. The plaintext is still checked against the
 * snapshot's whole-dump SHA-256: a gunzip of the written bytes runs alongside (on libuv's thread pool).
 * A failed or mismatching restore removes its partial file.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, createWriteStream, type WriteStream } from 'node:fs';
import { access, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { createGzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { IntegrityError, LocalIoError, UsageError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import type { Snapshot } from '../snapshot/manifest.js';
import { fileStamp } from '../snapshot/time.js';
import { inContext } from './locate.js';

const gunzipAsync = promisify(gunzip);

export function restoreFileName(s: Pick<Snapshot, 'database' | 'time'>): string {
  const safe = s.database.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${safe}_${fileStamp(s.time)}.sql.gz`;
}

/** Write with backpressure; rejects if the stream errors or closes while we wait for it to drain. */
function write(out: Writable, bytes: Uint8Array): Promise<void> {
  if (out.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (e?: Error): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (e) reject(e); else resolve();
    };
    const onDrain = (): void => done();
    const onError = (e: Error): void => done(e);
    const onClose = (): void => done(new Error('the output was closed before the restore finished'));
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

function ioError(e: unknown, what: string): LocalIoError | unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new LocalIoError(`${what}: the disk is full (ENOSPC); free space and run the restore again`, { cause: e });
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return new LocalIoError(`${what}: permission denied (${code})`, { cause: e });
  if (code === 'EIO' || code === 'EDQUOT' || code === 'EFBIG') return new LocalIoError(`${what}: ${(e as Error).message}`, { cause: e });
  return e;
}

/**
 * SHA-256 of the plaintext of a sequence of complete gzip members (one per chunk). The members are
 * independent, so they are decompressed in parallel on libuv's thread pool (up to WINDOW at once)
 * and hashed in order.
 */
class GunzipHasher {
  static readonly WINDOW = 4;
  readonly #hash = createHash('sha256');
  readonly #pending: Promise<Buffer>[] = [];
  #size = 0;

  async write(member: Uint8Array): Promise<void> {
    const p = gunzipAsync(member);
    p.catch(() => { /* observed when awaited in order */ });
    this.#pending.push(p);
    if (this.#pending.length >= GunzipHasher.WINDOW) this.#take(await this.#pending.shift()!);
  }

  #take(plain: Buffer): void {
    this.#hash.update(plain);
    this.#size += plain.length;
  }

  async digest(): Promise<{ sha256: string; size: number }> {
    while (this.#pending.length) this.#take(await this.#pending.shift()!);
    return { sha256: this.#hash.digest('hex'), size: this.#size };
  }
}

function checkHash(s: Snapshot, got: { sha256: string; size: number }): void {
  if (got.sha256 !== s.dump.sha256 || got.size !== s.dump.size) {
    throw new IntegrityError(`the restored script of snapshot ${s.id.slice(0, 8)} (${s.database}) does not match the checksum recorded at backup time ` +
      `(${got.size} bytes, sha256 ${got.sha256.slice(0, 16)}… instead of ${s.dump.size} bytes, ${s.dump.sha256.slice(0, 16)}…)`, `snapshots/${s.id}`);
  }
}

/** Restore `s` as `<dir>/<db>_<stamp>.sql.gz`; returns the path. */
async function checkTargetDir(dir: string): Promise<void> {
  try {
    const st = await stat(dir);
    if (!st.isDirectory()) throw new UsageError(`restore target ${dir} is not a directory`);
    await access(dir, fsConstants.W_OK);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `restore target directory ${dir} does not exist; create it first` : `restore target directory ${dir} is not writable (${code})`);
  }
}

export async function restoreToDirectory(repo: Repository, s: Snapshot, dir: string): Promise<string> {
  await checkTargetDir(dir);
  const final = join(dir, restoreFileName(s));
  const partial = `${final}.partial`;
  let out: WriteStream | undefined;
  try {
    out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    await once(out, 'open');
    const hasher = new GunzipHasher();
    for await (const member of repo.readGzip(s.dump.list)) {
      await write(out, member);
      await hasher.write(member);
    }
    out.end();
    await once(out, 'finish');
    await new Promise<void>((resolve, reject) => out!.close((e) => (e ? reject(e) : resolve())));
    checkHash(s, await hasher.digest());
    await rename(partial, final);
    return final;
  } catch (e) {
    out?.destroy();
    await rm(partial, { force: true });
    throw await inContext(repo, s, ioError(e, `writing ${final}`));
  }
}

/** Write the script of `s` to `out`, plain or gzip. The checksum is verified at the end (non-zero exit on mismatch). */
export async function restoreToStream(repo: Repository, s: Snapshot, out: Writable, opts: { gzip?: boolean } = {}): Promise<void> {
  try {
    await streamTo(repo, s, out, opts.gzip ?? false);
  } catch (e) {
    throw await inContext(repo, s, e);
  }
}

async function streamTo(repo: Repository, s: Snapshot, out: Writable, gzip: boolean): Promise<void> {
  if (gzip) {
    const hasher = new GunzipHasher();
    for await (const member of repo.readGzip(s.dump.list)) {
      await write(out, member);
      await hasher.write(member);
    }
    checkHash(s, await hasher.digest());
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  for await (const bytes of repo.readStream(s.dump.list)) {
    hash.update(bytes);
    size += bytes.length;
    await write(out, bytes);
  }
  checkHash(s, { sha256: hash.digest('hex'), size });
}

/** Write `source` gzip-compressed to `<dir>/<name>` atomically (a `.partial` file renamed at the end, removed on failure). */
export async function writeGzipFile(dir: string, name: string, source: AsyncIterable<Uint8Array>): Promise<string> {
  await checkTargetDir(dir);
  const final = join(dir, name);
  const partial = `${final}.partial`;
  try {
    await pipeline(Readable.from(source, { objectMode: false }), createGzip({ level: 6 }), createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
    await rename(partial, final);
    return final;
  } catch (e) {
    await rm(partial, { force: true });
    throw ioError(e, `writing ${final}`);
  }
}

/** Write `source` to `out`, optionally gzip-compressed, with backpressure; `out` is not ended. */
export async function writeStream(out: Writable, source: AsyncIterable<Uint8Array>, gzip: boolean): Promise<void> {
  if (!gzip) {
    for await (const b of source) await write(out, b);
    return;
  }
  const z = createGzip({ level: 6 });
  const pumped = (async () => { for await (const b of z as AsyncIterable<Uint8Array>) await write(out, b); })();
  await pipeline(Readable.from(source, { objectMode: false }), z);
  await pumped;
}
