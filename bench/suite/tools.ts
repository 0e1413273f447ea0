/**
 * The contenders, each with its own repository: pg_dump alone (the ceiling), the original ticket's
 * pipeline (`pg_dump | gzip > dir/f`, `restic backup dir`, `restic forget --prune`), `pg_dump | restic
 * backup --stdin`, and pgvault through its CLI. Every run is measured under GNU time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from './dataset.js';
import { PG_BIN } from './dataset.js';
import { cleanEnv, duBytes, fileCount, measure, type Measured } from './measure.js';
import { ROOT, type CliRunner } from './pgvault-cli.js';

export const RESTIC_PASSWORD = 'bench-password-not-secret';
export const PGVAULT_PASSWORD = 'bench-password-not-secret';

/** Shell-quote one argument. */
export function q(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A measured run plus what it did to its repository. */
export interface RunResult extends Measured {
  /** Bytes the repository grew by (can be negative after forget/prune). */
  addedBytes: number;
  /** Repository size after the run. */
  storedBytes: number;
  /** Objects (files) in the repository after the run. */
  objects: number;
}

/** restic's --time format (local time; the runs set TZ=UTC): 2006-01-02 15:04:05. */
function resticTime(rfc3339: string): string {
  return new Date(rfc3339).toISOString().slice(0, 19).replace('T', ' ');
}

/** Locate restic binaries: 0.18 fetched by scripts/fetch-restic.sh, and Debian's /usr/bin/restic (0.14) if installed. */
export function findRestic(): { path: string; version: string }[] {
  const out: { path: string; version: string }[] = [];
  for (const p of [join(ROOT, '.cache', 'restic', 'restic'), '/usr/bin/restic']) {
    if (!existsSync(p)) continue;
    const r = resticVersion(p);
    if (r) out.push({ path: p, version: r });
  }
  return out;
}

function resticVersion(p: string): string | null {
  const r = spawnSync(p, ['version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(' ').slice(0, 2).join(' ') : null;
}

function pgDumpCmd(db: Db, extra: string): string {
  return `${q(join(PG_BIN, 'pg_dump'))} ${db.conn.map(q).join(' ')} ${extra} ${q(db.database)}`;
}

/** `pg_dump -Fp > /dev/null`: the ceiling (no compression, no upload). */
export async function pgDumpCeiling(db: Db): Promise<Measured> {
  return measure({ cmd: join(PG_BIN, 'pg_dump'), args: [...db.conn, '-Fp', db.database] });
}

interface Repo { dir: string }

function afterRun(m: Measured, repo: Repo, before: number): RunResult {
  const storedBytes = duBytes(repo.dir);
  return { ...m, addedBytes: storedBytes - before, storedBytes, objects: fileCount(repo.dir) };
}

/** The original ticket's script: dump to a gzip file in a directory, back the directory up with restic, forget --prune. */
export class SeedPipeline {
  readonly name: string;
  readonly repo: Repo;
  readonly #restic: string;
  readonly #dumps: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(work: string, restic: string, label: string) {
    this.name = label;
    this.repo = { dir: join(work, 'restic-seed-repo') };
    this.#dumps = join(work, 'seed-dumps');
    this.#restic = restic;
    this.#env = cleanEnv({ RESTIC_PASSWORD, RESTIC_REPOSITORY: this.repo.dir, RESTIC_CACHE_DIR: join(work, 'restic-cache'), RESTIC_PROGRESS_FPS: '0.0001', TZ: 'UTC' });
  }

  async init(): Promise<void> {
    await measure({ cmd: this.#restic, args: ['init'], env: this.#env });
  }

  /** One cron run: dump | gzip > file, restic backup dir (with --time), optionally forget --prune, rm dir. */
  async backup(db: Db, stamp: string, time: string, opts: { forget?: boolean } = {}): Promise<RunResult> {
    const before = duBytes(this.repo.dir);
    rmSync(this.#dumps, { recursive: true, force: true });
    mkdirSync(this.#dumps, { recursive: true });
    const file = join(this.#dumps, `${db.database}_${stamp}.sql.gz`);
    const forget = opts.forget ? ` && ${q(this.#restic)} forget -q --keep-daily 7 --keep-weekly 4 --keep-monthly 3 --prune` : '';
    const m = await measure({
      shell: `${pgDumpCmd(db, '--clean --if-exists')} | gzip > ${q(file)} && ${q(this.#restic)} backup -q ${q(this.#dumps)} --tag db-backup --tag ${q(stamp)} --time ${q(resticTime(time))}${forget} && rm -rf ${q(this.#dumps)}`,
      env: this.#env,
    });
    return afterRun(m, this.repo, before);
  }

  /** `restic restore latest --target dir`: gets the .sql.gz back. */
  async restoreGz(target: string): Promise<Measured & { bytes: number }> {
    rmSync(target, { recursive: true, force: true });
    const m = await measure({ cmd: this.#restic, args: ['restore', '-q', 'latest', '--target', target], env: this.#env });
    return { ...m, bytes: duBytes(target) };
  }

  /** The restored .sql.gz files under `target`. */
  gzFiles(target: string): string[] {
    const out: string[] = [];
    const walk = (p: string): void => {
      for (const e of readdirSync(p, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(p, e.name)); else if (e.name.endsWith('.sql.gz')) out.push(join(p, e.name));
      }
    };
    walk(target);
    return out;
  }
}

/** `pg_dump --clean --if-exists | restic backup --stdin`. */
export class ResticStdin {
  readonly name: string;
  readonly repo: Repo;
  readonly #restic: string;
  readonly #env: NodeJS.ProcessEnv;

  constructor(work: string, restic: string, label: string) {
    this.name = label;
    this.repo = { dir: join(work, 'restic-stdin-repo') };
    this.#restic = restic;
    this.#env = cleanEnv({ RESTIC_PASSWORD, RESTIC_REPOSITORY: this.repo.dir, RESTIC_CACHE_DIR: join(work, 'restic-cache'), RESTIC_PROGRESS_FPS: '0.0001', TZ: 'UTC' });
  }

  async init(): Promise<void> {
    await measure({ cmd: this.#restic, args: ['init'], env: this.#env });
  }

  async backup(db: Db, time: string): Promise<RunResult> {
    const before = duBytes(this.repo.dir);
    const m = await measure({
      shell: `${pgDumpCmd(db, '--clean --if-exists')} | ${q(this.#restic)} backup -q --stdin --stdin-filename ${q(db.database + '.sql')} --time ${q(resticTime(time))}`,
      env: this.#env,
    });
    return afterRun(m, this.repo, before);
  }
}

export interface PgvaultBackupJson { database: string; ok: boolean; snapshot: string; size: number; durationMs: number; newChunks: number; newBytes: number; storedBytes: number }

/** pgvault through its CLI, with its own repository (a local directory or an S3 location) and cache. */
export class Pgvault {
  readonly name: string;
  readonly location: string;
  /** Local directory of the repository (null for S3: sizes come from `sizeOf`). */
  readonly dir: string | null;
  readonly flags: string[];
  readonly #cli: CliRunner;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cache: string;
  readonly #sizeOf: () => Promise<{ bytes: number; objects: number }>;

  constructor(o: { name: string; work: string; cli: CliRunner; location?: string; flags?: string[]; env?: NodeJS.ProcessEnv;
    sizeOf?: () => Promise<{ bytes: number; objects: number }> }) {
    this.name = o.name;
    const slug = o.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    this.dir = o.location ? null : join(o.work, `${slug}-repo`);
    this.location = o.location ?? this.dir!;
    this.flags = o.flags ?? [];
    this.#cli = o.cli;
    this.#cache = join(o.work, `${slug}-cache`);
    this.#env = cleanEnv({ PGVAULT_PASSWORD, PGVAULT_REPOSITORY: this.location, ...o.env });
    const dir = this.dir;
    this.#sizeOf = o.sizeOf ?? (async () => ({ bytes: dir ? duBytes(dir) : 0, objects: dir ? fileCount(dir) : 0 }));
  }

  /** Run a pgvault command (global options first; `node`: options for Node.js itself, e.g. --cpu-prof). */
  async cli(args: string[], opts: { globals?: string[]; captureStdout?: boolean; node?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<Measured> {
    return measure({
      cmd: process.execPath,
      args: [...(opts.node ?? []), ...this.#cli.nodeArgs, '-q', '--cache-dir', this.#cache, ...(opts.globals ?? []), ...args],
      env: { ...this.#env, ...opts.env }, captureStdout: opts.captureStdout ?? false,
    });
  }

  /**
   * Create the repository: through the CLI (the real Argon2id key derivation, paid again by every later
   * command when it unlocks), or, with `cheapKdf` (smoke runs only), in-process with a cheap KDF so a
   * tiny run takes seconds.
   */
  async init(opts: { cheapKdf?: boolean; compression?: 'gzip' | 'zstd' } = {}): Promise<void> {
    if (!opts.cheapKdf) { await this.cli(['init', ...(opts.compression ? ['--compression', opts.compression] : [])]); return; }
    const { openStore } = await import('../../src/store/open.js');
    const { Repository } = await import('../../src/repo/repository.js');
    const env: Record<string, string | undefined> = { ...this.#env };
    const store = await openStore(this.location, { env });
    const repo = await Repository.init(store, PGVAULT_PASSWORD, {
      cacheDir: null, kdf: { opslimit: 1, memlimit: 8 * 1024 * 1024 }, ...(opts.compression ? { compression: opts.compression } : {}),
    });
    await repo.close();
  }

  async size(): Promise<{ bytes: number; objects: number }> {
    return this.#sizeOf();
  }

  async backup(db: Db, time: string, opts: { globals?: string[] } = {}): Promise<RunResult & { backup: PgvaultBackupJson }> {
    const before = (await this.#sizeOf()).bytes;
    const m = await this.cli(['--json', 'backup', ...this.flags, '--time', time, db.url], { globals: opts.globals ?? [], captureStdout: true });
    const after = await this.#sizeOf();
    const parsed = (JSON.parse(m.stdout) as PgvaultBackupJson[])[0]!;
    return { ...m, addedBytes: after.bytes - before, storedBytes: after.bytes, objects: after.objects, backup: parsed };
  }

  async forgetPrune(): Promise<Measured> {
    return measure({ cmd: process.execPath, args: [...this.#cli.forgetArgs, '--cache-dir', this.#cache], env: this.#env, captureStdout: true, cwd: ROOT });
  }

  async restoreGz(target: string): Promise<Measured & { bytes: number }> {
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    const m = await this.cli(['restore', 'latest', '--target', target]);
    return { ...m, bytes: duBytes(target) };
  }

  async restoreInto(db: Db): Promise<Measured> {
    return this.cli(['restore', 'latest', '--into', db.url]);
  }

  async verify(scratch: Db): Promise<Measured> {
    return this.cli(['verify', 'latest', '--scratch', scratch.url]);
  }
}

/** `gunzip -c f | psql`: how the ticket's operator would load a restored dump. */
export async function psqlLoadGz(file: string, db: Db): Promise<Measured> {
  return measure({ shell: `gunzip -c ${q(file)} | ${q(join(PG_BIN, 'psql'))} -X -q -v ON_ERROR_STOP=1 ${db.conn.map(q).join(' ')} -d ${q(db.database)} > /dev/null` });
}
