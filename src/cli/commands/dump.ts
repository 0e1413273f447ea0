/**
 * `pgvault dump`: the native dumper on its own, like `pg_dump --clean --if-exists -Fp`. Writes the script to stdout
 * or --file, plain or --gzip. A regular file is written atomically (a temporary file renamed on success,
 * removed on failure); devices, FIFOs and symlinks are written directly, never replaced (../dump-target.ts).
 */
import { writeFile } from 'node:fs/promises';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Command } from 'commander';
import { dumpDatabase, type Dump, type DumpOptions, type DumpSummary } from '../../dump/index.js';
import { isPgvaultError, LocalIoError, UsageError } from '../../errors.js';
import { addConnectionFlags, addDumpFlags, connectionOf, dumpOptionsOf, type DumpFlags } from '../dump-flags.js';
import { redact } from '../../redact.js';
import { dumpTarget } from '../dump-target.js';

interface DumpCommandFlags extends DumpFlags {
  dbname?: string;
  file?: string;
  gzip?: boolean;
  compressLevel?: string;
  restrictKey?: string | boolean;
  summary?: string;
}

/** The script as one byte stream, part after part. */
async function* scriptBytes(dump: Dump): AsyncGenerator<Uint8Array> {
  for await (const part of dump) {
    yield* part.stream;
  }
}

function ioError(e: unknown, where: string): unknown {
  if (isPgvaultError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code)) {
    const hint = err.code === 'ENOSPC' ? ' — free disk space or write elsewhere'
      : err.code === 'EACCES' || err.code === 'EPERM' ? ' — check permissions on the target'
      : err.code === 'EPIPE' ? ' — the reading side of the pipe went away' : '';
    return new LocalIoError(`writing the dump to ${where} failed: ${err.message}${hint}`, { cause: e });
  }
  return e;
}

/** Stream the script into `out` with backpressure; `end: false` for stdout, which must not be ended. */
async function writeScript(dump: Dump, out: Writable, gzipLevel: number | undefined, end: boolean): Promise<void> {
  const source = Readable.from(scriptBytes(dump), { objectMode: false, highWaterMark: 1 << 20 });
  if (gzipLevel !== undefined) await pipeline(source, createGzip({ level: gzipLevel }), out, { end });
  else await pipeline(source, out, { end });
}

export function register(program: Command): void {
  const cmd = program
    .command('dump')
    .description('write a plain SQL dump (like pg_dump --clean --if-exists) of one database to stdout or a file')
    .argument('[dbname]', 'database name, postgres:// URL or key=value connection string (env PGDATABASE)')
    .option('-d, --dbname <dbname>', 'database name, postgres:// URL or key=value connection string')
    .option('-f, --file <path>', 'write to this file (a new or regular file is replaced atomically, mode 0600; a device, FIFO or symlink is written directly) instead of stdout')
    .option('--gzip', 'compress the output with gzip')
    .option('--compress-level <0-9>', 'gzip level (default 6)')
    .option('--restrict-key <key>', 'use this key for the \\restrict / \\unrestrict lines (default: random)')
    .option('--no-restrict-key', 'omit \\restrict / \\unrestrict (for psql older than 15.14 / 16.10 / 17.6)')
    .option('--summary <path>', 'write the dump summary (per-table rows, bytes, SHA-256) as JSON to this file');
  addConnectionFlags(cmd);
  addDumpFlags(cmd);
  cmd.action(async (positional: string | undefined, f: DumpCommandFlags, c: Command) => {
    const g = c.optsWithGlobals<{ quiet?: boolean; verbose?: boolean }>();
    const note = (level: 'warning' | 'debug', msg: string): void => {
      if ((level === 'warning' && !g.quiet) || (level === 'debug' && g.verbose)) process.stderr.write(`pgvault: ${level}: ${redact(msg)}\n`);
    };
    if (positional !== undefined && f.dbname !== undefined) throw new UsageError('give the database either as an argument or with -d/--dbname, not both');
    const conn = connectionOf(f.dbname ?? positional, f);
    // The whole script's SHA-256 (what sha256sum of the plain script prints), not the segment digest backups record.
    const opts: DumpOptions = { ...dumpOptionsOf(f), scriptDigest: 'sha256' };
    if (f.restrictKey === false) opts.restrictKey = null;
    else if (typeof f.restrictKey === 'string') {
      if (!/^[A-Za-z0-9]+$/.test(f.restrictKey)) throw new UsageError('--restrict-key must be letters and digits only');
      opts.restrictKey = f.restrictKey;
    }
    let level: number | undefined;
    if (f.gzip || f.compressLevel !== undefined) {
      level = f.compressLevel === undefined ? 6 : Number(f.compressLevel);
      if (!Number.isInteger(level) || level < 0 || level > 9) throw new UsageError(`--compress-level must be 0-9 (got ${String(f.compressLevel)})`);
    }
    const target = f.file ? await dumpTarget(f.file) : undefined;
    const dump = dumpDatabase(conn, opts);
    let summary: DumpSummary;
    if (f.file && target) {
      try {
        await writeScript(dump, target.open(), level, true);
        summary = dump.summary();
        await target.commit();
      } catch (e) {
        if (!(e instanceof UsageError)) await target.abort();
        throw ioError(e, f.file);
      }
    } else {
      try {
        await writeScript(dump, process.stdout, level, false);
      } catch (e) {
        throw ioError(e, 'stdout');
      }
      summary = dump.summary();
    }
    for (const w of summary.warnings) note('warning', w);
    note('debug', `dumped ${summary.tables.length} tables, ${summary.totalBytes} bytes, sha256 ${summary.sha256 ?? '?'}${level !== undefined ? ' (of the uncompressed script)' : ''}`);
    if (f.summary) {
      try {
        await writeFile(f.summary, JSON.stringify(summary, null, 2) + '\n');
      } catch (e) {
        throw ioError(e, f.summary);
      }
    }
  });
}
