/** Results of `pgvault bench` (see bench.ts). */

export interface StageResult {
  /** Stable identifier, e.g. `copy`, `chunk`, `upload`. */
  stage: string;
  /** What was measured, for people. */
  label: string;
  /** Plaintext (SQL) megabytes (10^6 bytes) per second through this stage; null where not meaningful. */
  mbPerSec: number | null;
  /** Seconds the measurement took. */
  seconds: number;
  /** Plaintext bytes that went through. */
  bytes: number;
  /** Extra facts: latency percentiles, compression ratio, objects, requests. */
  detail?: Record<string, number | string>;
  /** Part of the backup path (counts for the bottleneck) or of the restore path. */
  path: 'backup' | 'restore' | 'info';
}

export interface TableRate {
  table: string;
  bytes: number;
  rows: number;
  seconds: number;
  mbPerSec: number;
}

/** The estimated backup rate on a host with `cores` cores, and the stage that limits it there. */
export interface CoreEstimate {
  cores: number;
  mbPerSec: number;
  limit: string;
}

export interface BenchReport {
  database: string;
  serverVersion: string;
  /** Where the repository is (the throwaway prefix was a sibling of it). */
  repository: string;
  /** The throwaway location used for uploads (removed afterwards). */
  scratchLocation: string;
  /** True when every object written under the throwaway location was removed. */
  cleanedUp: boolean;
  sampleBytes: number;
  stages: StageResult[];
  tables: TableRate[];
  /** The slowest backup stage and what it means. */
  bottleneck: { stage: string; mbPerSec: number; advice: string };
  /** Estimated end-to-end backup rate from the stage rates (pipelined: the slowest stage sets the pace). */
  estimatedBackupMbPerSec: number;
  /** The model's estimate for hosts of 1, 2, 4 and 8 cores at this host's speed per core (see modelByCores). */
  byCores: CoreEstimate[];
  /** Peak RSS of this process during the bench, MiB. */
  peakRssMiB: number;
  /** Concurrency used for uploads/downloads. */
  concurrency: number;
  startedAt: string;
  durationMs: number;
}
