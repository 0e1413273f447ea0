/**
 * Health pings (healthchecks.io protocol: `<url>/start`, `<url>` on success, `<url>/fail` with the log
 * tail as body) and a generic webhook receiving the run report as JSON. Failures are logged as warnings
 * and never change the outcome of the backup.
 */
import type { Logger } from '../log.js';
import { redact } from '../redact.js';
import type { PingsConfig } from '../config/types.js';
import type { RunReport } from '../run/report.js';
import { summaryLine } from '../run/report.js';
import { PGVAULT_VERSION } from '../version.js';
import { send, urlForLog, type SendResult } from './http.js';

/** healthchecks.io keeps the first 100 kB of a ping body; we send at most this much of the log. */
const MAX_TAIL_BYTES = 10_000;

export interface Notifier {
  start(): Promise<void>;
  finish(report: RunReport, logTail: readonly string[]): Promise<void>;
}

export function logTail(lines: readonly string[], maxBytes = MAX_TAIL_BYTES): string {
  const out: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (size + Buffer.byteLength(l) > maxBytes) break;
    out.unshift(l);
    size += Buffer.byteLength(l);
  }
  return redact(out.join(''));
}

export function webhookPayload(report: RunReport): Record<string, unknown> {
  return {
    event: 'pgvault.run',
    pgvaultVersion: PGVAULT_VERSION,
    summary: summaryLine(report),
    ...report,
  };
}

export function createNotifier(cfg: PingsConfig | undefined, logger: Logger): Notifier {
  const opts = { timeoutMs: cfg?.timeoutMs ?? 5000, retries: cfg?.retries ?? 1, userAgent: `pgvault/${PGVAULT_VERSION}` };
  const report = (what: string, url: string, r: SendResult): void => {
    if (r.ok) logger.debug(`${what} sent to ${urlForLog(url)}`);
    else logger.warn(`${what} to ${urlForLog(url)} failed after ${r.attempts} attempt(s): ${r.error ?? 'unknown error'} (the backup is not affected)`);
  };
  return {
    async start() {
      if (!cfg?.healthchecks) return;
      const url = `${cfg.healthchecks}/start`;
      report('start ping', url, await send(url, { ...opts, method: 'GET' }));
    },
    async finish(r, tail) {
      const jobs: Promise<void>[] = [];
      if (cfg?.healthchecks) {
        const url = r.ok ? cfg.healthchecks : `${cfg.healthchecks}/fail`;
        const body = r.ok ? `${summaryLine(r)}\n` : `${summaryLine(r)}\n\n${logTail(tail)}`;
        jobs.push(send(url, { ...opts, method: 'POST', body }).then((res) => report(r.ok ? 'success ping' : 'failure ping', url, res)));
      }
      if (cfg?.webhook) {
        const url = cfg.webhook;
        const body = redact(JSON.stringify(webhookPayload(r)));
        jobs.push(send(url, { ...opts, method: 'POST', body, contentType: 'application/json' }).then((res) => report('webhook', url, res)));
      }
      await Promise.all(jobs);
    },
  };
}
