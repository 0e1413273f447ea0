/**
 * `pgvault bench`: where the time of a backup goes on this host, against the real database and the
 * real bucket, safely: the database is only read (the dump's REPEATABLE READ READ ONLY transaction,
 * stopped after a sample), nothing is written to the repository (uploads go to a throwaway sibling
 * location that is emptied afterwards), and no snapshot is created.
 *
 * Stages measured separately: catalog read, COPY per table, chunking, hashing, compression, encryption,
 * upload (rate and latency), download, decrypt, decompress; and end to end: dump → chunk → pack →
 * upload into a throwaway repository, then restore of that stream to .sql.gz and to SQL.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { DEFAULT_CHUNKER_PARAMS, type ChunkerParams } from '../chunker/index.js';
import { connect } from '../db/connect.js';
import type { ConnectionOptions } from '../db/connection.js';
import { dumpDatabase, type DumpOptions } from '../dump/index.js';
import { silentLogger, type Logger } from '../log.js';
import { Repository } from '../repo/repository.js';
import type { OpenStoreOptions } from '../store/open.js';
import { copyStage, readSample } from './sample.js';
import { openScratchStore } from './scratch-store.js';
import { cpuStages } from './stages.js';
import { transferStages } from './transfer.js';
import type { BenchReport, CoreEstimate, StageResult } from './types.js';

export type { BenchReport, CoreEstimate, StageResult, TableRate } from './types.js';

export interface BenchOptions {
  connection: ConnectionOptions;
  dump?: DumpOptions;
  /** The repository's location: the throwaway location is derived from it (never inside its keys). */
  repoLocation: string;
  storeOptions?: OpenStoreOptions;
  /** Chunker parameters (default: pgvault's defaults; pass the repository's own when known). */
  chunker?: ChunkerParams;
  /** Uploads/downloads in flight (default 8). */
  concurrency?: number;
  /** Stop reading the database after this many bytes of script (default 256 MB). */
  sampleBytes?: number;
  /** Bytes kept in memory for the CPU stages and uploaded to the throwaway location (default 32 MB). */
  keepBytes?: number;
  logger?: Logger;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

function e2eStage(stageId: string, label: string, path: StageResult['path'], bytes: number, seconds: number, detail?: StageResult['detail']): StageResult {
  const r: StageResult = { stage: stageId, label, path, bytes, seconds, mbPerSec: seconds > 0 ? bytes / 1e6 / seconds : null };
  if (detail) r.detail = detail;
  return r;
}

/** Dump the database straight into `repo` (up to `limit` bytes): the real backup pipeline, without a snapshot. */
async function endToEnd(repo: Repository, conn: ConnectionOptions, dumpOpts: DumpOptions, limit: number): Promise<{ stage: StageResult; list: Awaited<ReturnType<ReturnType<Repository['writer']>['finish']>> }> {
  const t0 = now();
  const dump = dumpDatabase(conn, dumpOpts);
  const writer = repo.writer();
  let bytes = 0;
  try {
    outer: for (;;) {
      const next = await dump.next();
      if (next.done) break;
      for await (const piece of next.value.stream) {
        const take = piece.subarray(0, Math.max(0, limit - bytes));
        await writer.write(take);
        bytes += take.length;
        if (bytes >= limit) break outer;
      }
    }
  } finally {
    await dump.return(undefined as never).catch(() => undefined);
  }
  const saved = await writer.finish();
  const secs = now() - t0;
  return {
    stage: e2eStage('end-to-end', 'backup end to end: dump → chunk → hash → compress → encrypt → upload', 'info', bytes, secs,
      { newChunks: saved.added.newChunks, storedMB: Number((saved.added.storedBytes / 1e6).toFixed(1)) }),
    list: saved,
  };
}

const ADVICE: Record<string, string> = {
  copy: 'reading the database dominates the main thread (COPY, row parsing and the dump\'s own hashing): try --jobs 2 (parallel COPY over a shared snapshot) if the server has idle cores and I/O',
  'main-thread': 'the main thread is the limit (COPY parsing and hashing, chunking, chunk IDs and sealing all run on it): more requests in flight will not help; moving packing to worker threads would',
  cpu: 'the CPU is the limit: all stages together need more core-seconds per MB than this host has cores; a lower compression cost or more cores would help',
  compress: 'compression on the thread pool is the limit: more cores (UV_THREADPOOL_SIZE) or a cheaper method would help',
  upload: 'uploads are the limit: raise --concurrency (more requests in flight hide the per-request latency) or check the uplink',
};

/**
 * Combine the stage rates into the bottleneck and an estimated pipelined backup rate. The main thread runs
 * the dump's client side (COPY, parsing, hashing), chunking, chunk IDs and sealing one after the other, so
 * their costs add up; compression runs on the thread pool, but every stage shares the host's `cores`.
 */
export function findBottleneck(stages: readonly StageResult[], cores = availableParallelism()): { bottleneck: BenchReport['bottleneck']; estimate: number } {
  const rate = (id: string): number | null => {
    const r = stages.find((s) => s.stage === id)?.mbPerSec ?? null;
    return r !== null && r > 0 ? r : null;
  };
  const cost = (ids: string[]): number => ids.map(rate).reduce<number>((n, r) => n + (r === null ? 0 : 1 / r), 0);
  const mainIds = ['copy', 'chunk', 'hash', 'encrypt'];
  const mainCost = cost(mainIds);
  const candidates: [string, number][] = [];
  if (mainCost > 0) {
    const copyShare = rate('copy') === null ? 0 : (1 / rate('copy')!) / mainCost;
    candidates.push([copyShare > 0.5 ? 'copy' : 'main-thread', 1 / mainCost]);
  }
  const perCore = rate('compress-1') ?? rate('compress');
  const cpuCost = mainCost + (perCore ? 1 / perCore : 0);
  if (cpuCost > 0) candidates.push(['cpu', cores / cpuCost]);
  const pool = rate('compress');
  if (pool) candidates.push(['compress', pool]);
  const up = rate('upload');
  if (up) candidates.push(['upload', up]);
  candidates.sort((a, b) => a[1] - b[1]);
  const [stage, mbPerSec] = candidates[0] ?? ['unknown', 0];
  return { bottleneck: { stage, mbPerSec, advice: ADVICE[stage] ?? '' }, estimate: mbPerSec };
}

/** libuv's thread pool, where compression runs: UV_THREADPOOL_SIZE, 4 by default. */
function threadPoolSize(): number {
  const n = Number(process.env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? n : 4;
}

/**
 * The same model for hosts with other numbers of cores, at this host's speed per core, against the same database and
 * bucket: the main-thread stages and the upload rate stay as measured, the compression pool scales with
 * min(cores, thread pool) from the one-thread rate, and every stage shares the cores.
 */
export function modelByCores(stages: readonly StageResult[], counts: readonly number[] = [1, 2, 4, 8]): CoreEstimate[] {
  const perCore = stages.find((s) => s.stage === 'compress-1')?.mbPerSec ?? null;
  return counts.map((cores) => {
    const scaled = perCore === null || perCore <= 0 ? stages
      : stages.map((s) => (s.stage === 'compress' ? { ...s, mbPerSec: perCore * Math.min(cores, threadPoolSize()) } : s));
    const { bottleneck, estimate } = findBottleneck(scaled, cores);
    return { cores, mbPerSec: estimate, limit: bottleneck.stage };
  });
}

export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const logger = o.logger ?? silentLogger;
  const started = new Date();
  const concurrency = o.concurrency ?? 8;
  const params = o.chunker ?? DEFAULT_CHUNKER_PARAMS;
  const limit = o.sampleBytes ?? 256e6;
  const keep = Math.min(o.keepBytes ?? 32e6, limit);
  const dumpOpts = o.dump ?? {};
  const stages: StageResult[] = [];

  const c = await connect(o.connection);
  const serverVersion = c.serverVersion;
  const database = c.resolved.database;
  await c.close();

  logger.info(`reading ${database} (read-only snapshot, at most ${(limit / 1e6).toFixed(0)} MB) ...`);
  const s = await readSample(o.connection, dumpOpts, limit, keep, (t) => logger.debug(`${t.table}: ${(t.bytes / 1e6).toFixed(1)} MB at ${t.mbPerSec.toFixed(0)} MB/s`));
  stages.push({ stage: 'catalog', label: 'snapshot + catalog read + locks (time to the first byte of the script)', path: 'info', mbPerSec: null, seconds: s.catalogSeconds, bytes: 0 });
  stages.push(copyStage(s));

  logger.info(`CPU stages over ${(s.sampleBytes / 1e6).toFixed(0)} MB ...`);
  const cpu = await cpuStages(s.sample, params, concurrency);
  stages.push(...cpu.stages);
  s.sample.length = 0;

  const scratch = await openScratchStore(o.repoLocation, o.storeOptions);
  logger.info(`throwaway location ${scratch.location} (removed afterwards)`);
  let cleanedUp = false;
  try {
    logger.info('upload and download ...');
    const plain = cpu.chunks.reduce((n, x) => n + x.length, 0);
    stages.push(...await transferStages(scratch.store, cpu.bodies, plain, concurrency));
    cpu.chunks.length = 0;
    cpu.bodies.length = 0;

    logger.info('end to end into a throwaway repository ...');
    const repo = await Repository.init(scratch.store, randomBytes(24).toString('base64'),
      { cacheDir: null, concurrency, chunker: params, kdf: { opslimit: 1, memlimit: 8 * 1024 * 1024 } });
    const e2e = await endToEnd(repo, o.connection, dumpOpts, keep);
    stages.push(e2e.stage);
    let t = now();
    let gz = 0;
    for await (const { member } of repo.readGzip(e2e.list.list)) gz += member.length;
    stages.push(e2eStage('restore-gz', 'restore to .sql.gz: download + decrypt + concatenate gzip members', 'restore', e2e.list.size, now() - t, { gzipMB: Number((gz / 1e6).toFixed(1)) }));
    t = now();
    let sql = 0;
    for await (const b of repo.readStream(e2e.list.list)) sql += b.length;
    stages.push(e2eStage('restore-sql', 'restore to SQL: download + decrypt + decompress + verify IDs', 'restore', sql, now() - t));
  } finally {
    cleanedUp = await scratch.remove().catch((e: unknown) => {
      logger.error(`could not remove the throwaway location ${scratch.location}: ${e instanceof Error ? e.message : String(e)}; delete it by hand`);
      return false;
    });
  }
  const { bottleneck, estimate } = findBottleneck(stages);
  return {
    database, serverVersion, repository: o.repoLocation, scratchLocation: scratch.location, cleanedUp, sampleBytes: s.sampleBytes,
    stages, tables: s.tables, bottleneck, estimatedBackupMbPerSec: estimate, byCores: modelByCores(stages), peakRssMiB: process.resourceUsage().maxRSS / 1024,
    concurrency, startedAt: started.toISOString(), durationMs: Date.now() - started.getTime(),
  };
}
