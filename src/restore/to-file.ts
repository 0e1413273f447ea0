/**
 * Restore a snapshot's script as a `.sql.gz` file (the original ticket's `<db>_<YYYYmmdd_HHMMSS>.sql.gz`)
 * or to a writable stream (plain SQL or gzip).
 *
 * `.sql.gz` needs no recompression: every chunk is stored as an independent gzip member, and
 * concatenated members are one valid gzip file. The plaintext is still checked against the
 * snapshot's recorded checksum (its segment digest, or an older snapshot's whole-script SHA-256;
 * ./script-check.ts): a gunzip of the written bytes runs alongside (on libuv's thread pool).
 * A snapshot with layered tables passes the members of the chunks that appear whole in its script and
 * compresses only the rest (rebuilt rows, chunks cut where rows are spliced in): ./gzip-spans.ts.
 * A failed or mismatching restore removes its partial file; files are never replaced (./output-file.ts).
 */
import type { Writable } from 'node:stream';
import { createGzip, gunzip, gzip as gzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LocalIoError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import { hasLayers, type Snapshot } from '../snapshot/manifest.js';
import { readScriptBatches, type ScriptBatch } from './script.js';
import { ScriptCheck } from './script-check.js';
import { GzipMemberWriter, type MemberStats } from './gzip-spans.js';
import { PsqlScriptTracker } from './abort-trailer.js';
import { inContext } from './locate.js';
import { counted, partAt } from '../progress/count.js';
import { freeNow } from '../memory/free-now.js';
import { oneBufferChunkSize } from '../crypto/compress.js';
import type { GzipMember } from '../repo/chunk-store.js';
import { freeWhenReleased, releasesWritten } from './release.js';
import type { OnProgress } from '../progress/types.js';
import { planRestoreFiles, prepareTargetDir, writeNewFile, type PlannedFile, type WriteFileOptions } from './output-file.js';

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzipCb);

export { restoreFileName } from './names.js';

/**
 * Write with backpressure; rejects if the stream errors or closes while we wait for it to drain. `written` is called
 * once the stream has taken the bytes (its write callback, without an error).
 */
function write(out: Writable, bytes: Uint8Array, written?: () => void): Promise<void> {
  if (out.errored) return Promise.reject(out.errored);
  if (out.destroyed || out.writableEnded) return Promise.reject(new Error('the output was closed before the restore finished'));
  const taken = written && ((e: Error | null | undefined): void => { if (!e) written(); });
  if (out.write(bytes, taken)) return Promise.resolve();
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

/**
 * The check of the plaintext of a sequence of complete gzip members (one per chunk). The members are
 * independent, so they are decompressed in parallel on libuv's thread pool (up to WINDOW at once)
 * and checked in order. Each member is inflated into one buffer of its recorded length, freed once checked
 * (./release.ts).
 */
class GunzipHasher {
  static readonly WINDOW = 4;
  readonly #check: ScriptCheck;
  readonly #pending: Promise<Buffer>[] = [];
  readonly #onPlain: ((plain: Buffer) => void) | undefined;

  constructor(s: Snapshot, onPlain?: (plain: Buffer) => void) {
    this.#check = new ScriptCheck(s);
    this.#onPlain = onPlain;
  }

  /** Inflate and check `member`, whose plaintext is `length` bytes; `inflated` is called once zlib is done with it. */
  async write(member: Uint8Array, length: number, inflated?: () => void): Promise<void> {
    const p = gunzipAsync(member, { chunkSize: oneBufferChunkSize(length) });
    p.then(inflated, () => { /* observed when awaited in order; a member that failed is left to the collector */ });
    this.#pending.push(p);
    if (this.#pending.length >= GunzipHasher.WINDOW) this.#take(await this.#pending.shift()!);
  }

  #take(plain: Buffer): void {
    this.#onPlain?.(plain);
    this.#check.update(plain);
    freeNow(plain); // zlib's own output: the tracker and the check copy what they keep
  }

  /** Take every member written so far (through onPlain). */
  async drain(): Promise<void> {
    while (this.#pending.length) this.#take(await this.#pending.shift()!);
  }

  /** Drain, then throw the restore's IntegrityError when the plaintext is not the recorded script. */
  async finish(): Promise<void> {
    await this.drain();
    this.#check.finish();
  }
}

export interface RestoreFileOptions extends WriteFileOptions {
  /** The file name chosen by planRestoreFiles (default: planned for this snapshot alone). */
  name?: string;
  /** Progress: plaintext dump bytes restored of the snapshot's size; current table. */
  onProgress?: OnProgress;
}

/** The stored script of a snapshot without layered tables, reporting progress. */
function plainOf(repo: Repository, s: Snapshot, onProgress: OnProgress | undefined): AsyncIterable<Uint8Array> {
  return counted(repo.readStream(s.dump.list), onProgress, { operation: 'restore', database: s.database, total: s.dump.size }, { parts: s.parts });
}

/** `source`, each piece checked on the way. */
async function* checked(source: AsyncIterable<Uint8Array>, check: ScriptCheck): AsyncGenerator<Uint8Array> {
  for await (const b of source) {
    check.update(b);
    yield b;
  }
}

/** The snapshot's gzip members (one per chunk), reporting progress in plaintext bytes (each member's `length`). */
function membersOf(repo: Repository, s: Snapshot, onProgress: OnProgress | undefined): AsyncIterable<GzipMember> {
  return counted(repo.readGzip(s.dump.list), onProgress, { operation: 'restore', database: s.database, total: s.dump.size }, { parts: s.parts });
}

/**
 * Write the snapshot's gzip members to `out` and check their plaintext; each member is freed once written and
 * inflated when `out` keeps nothing after its write callback (./release.ts).
 */
async function writeMembers(repo: Repository, s: Snapshot, out: Writable, hasher: GunzipHasher, onProgress: OnProgress | undefined): Promise<void> {
  const release = releasesWritten(out);
  for await (const { member, length } of membersOf(repo, s, onProgress)) {
    const done = release ? freeWhenReleased(member, 2) : undefined;
    await write(out, member, done);
    await hasher.write(member, length, done);
  }
}

/**
 * The script as batches of spans (readScriptBatches), each checked by `check` before it is handed out (the rows of a
 * layered table are checked by readScriptBatches and not hashed again), reporting progress. The caller calls
 * `check.finish()` after the last batch.
 */
async function* checkedBatches(repo: Repository, s: Snapshot, check: ScriptCheck, members: boolean, onProgress: OnProgress | undefined): AsyncGenerator<ScriptBatch> {
  let size = 0;
  const base = { operation: 'restore' as const, database: s.database, total: s.dump.size };
  onProgress?.({ ...base, done: 0, ...itemAt(s, 0) });
  for await (const batch of readScriptBatches(repo, s, { members })) {
    const t = batch.rowsOf;
    for (const span of batch.spans) {
      if (t) check.verifiedRows(span.bytes, t);
      else check.update(span.bytes);
      size += span.bytes.length;
    }
    yield batch;
    onProgress?.({ ...base, done: size, ...itemAt(s, Math.max(0, size - 1)) });
  }
}

/** The bytes of checked batches. */
async function* bytesOfBatches(source: AsyncIterable<ScriptBatch>): AsyncGenerator<Uint8Array> {
  for await (const batch of source) for (const span of batch.spans) yield span.bytes;
}

/**
 * A snapshot with layered tables as gzip: the stored members of chunks that appear whole in the script are
 * passed through; rebuilt rows and cut chunks are compressed here (./gzip-spans.ts). The plaintext is
 * checked on the way (checkedBatches). On failure, with `flushOnError`
 * (a stream that gets an abort trailer), what was read is still written before the error is raised, so the
 * trailer follows exactly the bytes the tracker saw; a file is removed anyway.
 */
async function gzipLayered(repo: Repository, s: Snapshot, out: Writable, onPlain: (plain: Uint8Array) => void, onProgress: OnProgress | undefined,
  opts: { flushOnError: boolean }): Promise<MemberStats> {
  const check = new ScriptCheck(s);
  const members = new GzipMemberWriter((b) => write(out, b));
  try {
    for await (const batch of checkedBatches(repo, s, check, true, onProgress)) {
      for (const span of batch.spans) onPlain(span.bytes);
      await members.addAll(batch.spans);
    }
  } catch (e) {
    if (opts.flushOnError && !out.errored && !out.destroyed) await members.finish().catch(() => { /* the output failed too: the error to report is e */ });
    throw e;
  }
  await members.finish();
  check.finish();
  return members.stats;
}

function itemAt(s: Snapshot, offset: number): { item?: string } {
  const item = partAt(s.parts, offset);
  return item ? { item } : {};
}

/** Restore `s` as `<dir>/<db>_<stamp>.sql.gz` (never replacing a file; see ./output-file.ts); returns the path. */
export async function restoreToDirectory(repo: Repository, s: Snapshot, dir: string, opts: RestoreFileOptions = {}): Promise<string> {
  await prepareTargetDir(dir);
  const { name, overwrite } = await chosenName(dir, s, '.sql.gz', opts);
  try {
    return await writeNewFile(dir, name, async (out) => {
      if (hasLayers(s)) { await gzipLayered(repo, s, out, () => {}, opts.onProgress, { flushOnError: false }); return; }
      const hasher = new GunzipHasher(s);
      await writeMembers(repo, s, out, hasher, opts.onProgress);
      await hasher.finish();
    }, { ...opts, overwrite });
  } catch (e) {
    throw await inContext(repo, s, e);
  }
}

async function chosenName(dir: string, s: Snapshot, suffix: string, opts: RestoreFileOptions): Promise<PlannedFile> {
  if (opts.name !== undefined) return { name: opts.name, overwrite: opts.overwrite ?? false };
  return (await planRestoreFiles(dir, [s], { suffix, force: opts.overwrite ?? false })).get(s.id)!;
}

/** Write the script of `s` to `out`, plain or gzip. The checksum is verified at the end (non-zero exit on mismatch). */
export async function restoreToStream(repo: Repository, s: Snapshot, out: Writable, opts: { gzip?: boolean; onProgress?: OnProgress } = {}): Promise<void> {
  try {
    await toOutput(out, () => streamTo(repo, s, out, opts.gzip ?? false, opts.onProgress));
  } catch (e) {
    throw await inContext(repo, s, e);
  }
}

async function streamTo(repo: Repository, s: Snapshot, out: Writable, gzip: boolean, onProgress?: OnProgress): Promise<void> {
  const tracker = new PsqlScriptTracker();
  let hasher: GunzipHasher | undefined;
  try {
    if (gzip && hasLayers(s)) {
      await gzipLayered(repo, s, out, (plain) => tracker.update(plain), onProgress, { flushOnError: true });
      return;
    }
    if (gzip) {
      hasher = new GunzipHasher(s, (plain) => tracker.update(plain));
      await writeMembers(repo, s, out, hasher, onProgress);
      await hasher.finish();
      return;
    }
    const check = new ScriptCheck(s);
    const layered = hasLayers(s);
    const plain = layered ? bytesOfBatches(checkedBatches(repo, s, check, false, onProgress)) : checked(plainOf(repo, s, onProgress), check);
    // The stored chunks' plaintexts are the reader's own (ChunkStore.read); rebuilt tables share theirs.
    const release = !layered && releasesWritten(out);
    for await (const bytes of plain) {
      tracker.update(bytes);
      await write(out, bytes, release ? () => freeNow(bytes) : undefined);
    }
    check.finish();
  } catch (e) {
    await endAborted(out, tracker, hasher, e, gzip);
    throw e;
  }
}

/**
 * The script was cut (or does not match its checksum): end the output with what makes psql fail and
 * stop (./abort-trailer.ts), as a last gzip member with --gzip. Not when the output itself failed.
 */
async function endAborted(out: Writable, tracker: PsqlScriptTracker, hasher: GunzipHasher | undefined, e: unknown, gzipped = hasher !== undefined): Promise<void> {
  if (out.errored || out.destroyed || out.writableEnded || outputError(e) !== e) return;
  try {
    if (hasher) await hasher.drain(); // the members written so far, through the tracker
  } catch { /* a member that does not decompress: the tracker has what came before it */ }
  const reason = e instanceof Error ? e.message : String(e);
  const trailer = Buffer.from(tracker.abortTrailer(reason.length > 300 ? `${reason.slice(0, 300)}…` : reason), 'utf8');
  try {
    await write(out, gzipped ? await gzipAsync(trailer) : trailer);
  } catch { /* the reader went away: nothing more to tell it */ }
}

/**
 * Run `fn` writing to `out`, catching the errors `out` emits meanwhile (a closed pipe emits EPIPE
 * asynchronously); a reader that went away (`restore --stdout | head`) is a local I/O error, as for `dump`.
 */
async function toOutput(out: Writable, fn: () => Promise<void>): Promise<void> {
  let failed: Error | undefined;
  const onError = (e: Error): void => { failed ??= e; };
  out.on('error', onError);
  try {
    await fn();
    if (failed) throw failed;
  } catch (e) {
    throw outputError(failed ?? e);
  } finally {
    out.off('error', onError);
  }
}

function outputError(e: unknown): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED') {
    return new LocalIoError('writing the restored script to the output failed: the reading side of the pipe went away (EPIPE); the output is incomplete', { cause: e });
  }
  if (code === 'ENOSPC') return new LocalIoError('writing the restored script to the output failed: the disk is full (ENOSPC)', { cause: e });
  return e;
}

/** Write `source` gzip-compressed to `<dir>/<name>` (a unique `.partial` file published at the end, removed on failure; never replacing a file unless `overwrite`). */
export async function writeGzipFile(dir: string, name: string, source: AsyncIterable<Uint8Array>, opts: WriteFileOptions = {}): Promise<string> {
  await prepareTargetDir(dir);
  return writeNewFile(dir, name, (out) => pipeline(Readable.from(source, { objectMode: false }), createGzip({ level: 6 }), out, { end: false }), opts);
}

/** Write `source` to `out`, optionally gzip-compressed, with backpressure; `out` is not ended. */
export async function writeStream(out: Writable, source: AsyncIterable<Uint8Array>, gzip: boolean): Promise<void> {
  await toOutput(out, () => pump(out, source, gzip));
}

async function pump(out: Writable, source: AsyncIterable<Uint8Array>, gzip: boolean): Promise<void> {
  if (!gzip) {
    // A cut script (table extracts for psql) ends with the trailer that makes psql fail, as restoreToStream's.
    const tracker = new PsqlScriptTracker();
    try {
      for await (const b of source) {
        tracker.update(b);
        await write(out, b);
      }
    } catch (e) {
      await endAborted(out, tracker, undefined, e);
      throw e;
    }
    return;
  }
  const z = createGzip({ level: 6 });
  const pumped = (async () => { for await (const b of z as AsyncIterable<Uint8Array>) await write(out, b); })();
  await pipeline(Readable.from(source, { objectMode: false }), z);
  await pumped;
}
