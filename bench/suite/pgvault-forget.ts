/**
 * Child process for the week scenario: `forget --keep-daily 7 --keep-weekly 4 --keep-monthly 3` then
 * prune with no grace period (every run is a separate process, as cron would run it). pgvault's CLI
 * does not wire a `forget` command yet, so this calls the library (src/retention, src/maintenance).
 *
 *   PGVAULT_REPOSITORY=... PGVAULT_PASSWORD=... tsx bench/suite/pgvault-forget.ts [--cache-dir DIR]
 */
import { forget } from '../../src/retention/forget.js';
import { prune } from '../../src/maintenance/prune.js';
import { Repository } from '../../src/repo/repository.js';
import { openStore } from '../../src/store/open.js';

const i = process.argv.indexOf('--cache-dir');
const cacheDir = i >= 0 ? process.argv[i + 1] : undefined;
const store = await openStore(process.env.PGVAULT_REPOSITORY ?? '');
const repo = await Repository.open(store, process.env.PGVAULT_PASSWORD ?? '', cacheDir ? { cacheDir } : { cacheDir: null });
try {
  const f = await forget(repo, { daily: 7, weekly: 4, monthly: 3 });
  const p = await prune(repo, { graceMs: 0 });
  process.stdout.write(JSON.stringify({ removed: f.removed.length, deleted: p.result?.deletedData ?? 0, deletedBytes: p.result?.deletedBytes ?? 0 }) + '\n');
} finally {
  await repo.close();
}
