/**
 * Deterministic crash points for crash-safety tests: when PGVAULT_CRASH_POINT names a point, the
 * process kills itself there with SIGKILL (no cleanup runs, exactly like `kill -9`). Points:
 * `during-dump` (after the first table's first bytes were written), `during-upload` (after the third
 * new chunk was stored), `before-manifest` (everything uploaded and indexed, manifest not written).
 * Unset in normal operation; costs one string comparison per call site.
 */
const armed = process.env.PGVAULT_CRASH_POINT;

export function crashPoint(name: 'during-dump' | 'during-upload' | 'before-manifest'): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}
