import type { DrillResult } from '../drill/drill.js';

/** What one `pgvault run` did: printed with --json, sent to the webhook, turned into metrics. */
export interface DatabaseOutcome {
  /** The configured name. */
  database: string;
  ok: boolean;
  snapshot?: string;
  /** Logical bytes of the dump (what a restore produces). */
  bytes?: number;
  /** Plaintext bytes new to the repository. */
  newBytes?: number;
  /** Bytes uploaded for them (compressed + encrypted). */
  storedBytes?: number;
  newChunks?: number;
  durationMs: number;
  error?: string;
  exitCode?: number;
}

export interface ForgetOutcome {
  ran: boolean;
  policy?: string;
  removed?: number;
  kept?: number;
  error?: string;
}

export interface PruneOutcome {
  ran: boolean;
  /** Why it did not run (not due, forget failed, ...). */
  reason?: string;
  deletedObjects?: number;
  deletedBytes?: number;
  durationMs?: number;
  error?: string;
}

/** The restore drill of a run (when the configuration has a "drill" section). */
export interface DrillOutcome {
  ran: boolean;
  reason?: string;
  results?: DrillResult[];
  error?: string;
}

export interface RunReport {
  ok: boolean;
  exitCode: number;
  host: string;
  repository: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  databases: DatabaseOutcome[];
  forget: ForgetOutcome;
  prune: PruneOutcome;
  drill?: DrillOutcome;
  /** A failure that stopped the whole run (repository unreachable, wrong password, ...). */
  error?: string;
  /** Other parts that failed (log file, metrics file): each makes the exit code 1. */
  problems: string[];
}

/** One line for logs and the healthchecks success body. */
export function summaryLine(r: RunReport): string {
  const ok = r.databases.filter((d) => d.ok).length;
  const parts = [`${ok}/${r.databases.length} databases backed up`];
  if (r.forget.ran) parts.push(`forget removed ${r.forget.removed ?? 0} snapshot(s)`);
  if (r.prune.ran) parts.push(`prune deleted ${r.prune.deletedObjects ?? 0} object(s)`);
  if (r.drill?.ran) parts.push(`restore drill ${r.drill.results?.every((x) => x.ok) && !r.drill.error ? 'passed' : 'FAILED'}`);
  if (r.error) parts.push(`failed: ${r.error}`);
  return `${r.ok ? 'OK' : 'FAILED'} (exit ${r.exitCode}): ${parts.join(', ')} in ${(r.durationMs / 1000).toFixed(1)} s`;
}
