/** The validated configuration (what src/config/validate.ts produces from the file). Durations are in ms. */
import type { DeleteMode } from '../store/s3.js';

export type RepositoryConfig =
  | { kind: 'path'; path: string }
  | { kind: 's3'; endpoint: string; bucket: string; prefix: string; region?: string; deleteMode?: DeleteMode }
  /** A location string as for --repo (`/path` or `s3:https://endpoint/bucket/prefix`). */
  | { kind: 'location'; location: string; deleteMode?: DeleteMode };

export interface DatabaseConfig {
  /** Name used in logs, pings and metrics (and the default database name). */
  name: string;
  url?: string;
  host?: string;
  port?: number;
  user?: string;
  dbname?: string;
  /** File holding the database password (first line). */
  passwordFile?: string;
  sslmode?: string;
  jobs?: number;
  stableOrder?: boolean;
  schemas?: string[];
  excludeSchemas?: string[];
  tables?: string[];
  excludeTables?: string[];
  excludeTableData?: string[];
  noOwner?: boolean;
  noPrivileges?: boolean;
  /** Record role password hashes in the snapshot's globals (the role must be able to read pg_authid). */
  rolePasswords?: boolean;
  /** Take the backup even if the completeness guard finds objects pgvault cannot write (listed in the snapshot). */
  allowUnsupported?: boolean;
  /** Row-level layers for keyed tables (docs/incremental.md); off unless set. */
  layers?: boolean;
  tags: string[];
}

/** restic's policy names (`keep_daily` = `--keep-daily`; -1 = unlimited). */
export interface RetentionConfig {
  keepLast?: number;
  keepHourly?: number;
  keepDaily?: number;
  keepWeekly?: number;
  keepMonthly?: number;
  keepYearly?: number;
  /** restic durations such as "2y5m7d3h"; kept as written for forget. */
  keepWithin?: string;
  keepWithinHourly?: string;
  keepWithinDaily?: string;
  keepWithinWeekly?: string;
  keepWithinMonthly?: string;
  keepWithinYearly?: string;
  /** Each entry a comma-separated tag list (restic's --keep-tag). */
  keepTags?: string[];
}

export interface PruneConfig {
  /** Prune when the last prune is older than this (ms); 0 = every run. */
  everyMs: number;
  /** Passed to prune: unreferenced data younger than this is kept (ms). */
  graceMs?: number;
}

export interface PingsConfig {
  /** healthchecks.io-style check URL: GET /start, POST success, POST /fail with the log tail. */
  healthchecks?: string;
  /** POST a JSON summary here after every run. */
  webhook?: string;
  timeoutMs: number;
  /** Attempts after the first one. */
  retries: number;
}

/** Restore drills run by `pgvault run` when due (and the default scratch server of `pgvault drill`). */
export interface DrillConfig {
  /** Scratch server connection (URL); never production. */
  scratch: string;
  /** Drill when the last drill is older than this (ms); default 7 days. */
  everyMs: number;
  jobs?: number;
}

export interface PgvaultConfig {
  /** Absolute path of the file this came from. */
  file: string;
  repository?: RepositoryConfig;
  passwordFile?: string;
  passwordCommand?: string;
  /** KEY=VALUE file with B2/AWS credentials (environment variables win). */
  credentialsFile?: string;
  cacheDir?: string;
  concurrency?: number;
  host?: string;
  tags: string[];
  databases: DatabaseConfig[];
  retention?: RetentionConfig;
  prune?: PruneConfig;
  drill?: DrillConfig;
  pings?: PingsConfig;
  metricsFile?: string;
  logFile?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  lockFile?: string;
  lockWaitMs: number;
  stateDir?: string;
}

export interface LoadedConfig {
  config: PgvaultConfig;
  /** Unknown keys, loose permissions: printed as warnings, never fatal. */
  warnings: string[];
}
