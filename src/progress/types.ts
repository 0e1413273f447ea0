/**
 * Progress of a long operation, as the library reports it (it never prints: the CLI draws it, see
 * src/cli/progress.ts). Reported often (per piece of data); consumers throttle.
 */
export interface Progress {
  /** What is running: backup, restore, verify, check, prune. */
  operation: 'backup' | 'restore' | 'verify' | 'check' | 'prune';
  /** The database being processed, when there is one. */
  database?: string;
  /** Bytes done so far (dump bytes for backup/restore/verify, stored bytes read for check, objects for prune: see `unit`). */
  done: number;
  /** The total, when known; `estimated` when it is a guess (a backup's total comes from the catalog's relation sizes). */
  total?: number;
  estimated?: boolean;
  /** 'bytes' (default) or 'objects'. */
  unit?: 'bytes' | 'objects';
  /** The current item, e.g. the table being dumped or restored. */
  item?: string;
}

export type OnProgress = (p: Progress) => void;
