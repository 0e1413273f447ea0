/**
 * Fire-and-forget HTTP for pings and webhooks: a short timeout, one retry, and never an exception:
 * the result says what happened so the caller can log it. A ping must never make a backup fail.
 */
export interface SendResult {
  ok: boolean;
  status?: number;
  error?: string;
  attempts: number;
}

export interface SendOptions {
  method?: 'GET' | 'POST';
  body?: string;
  contentType?: string;
  timeoutMs?: number;
  /** Attempts after the first (default 1). */
  retries?: number;
  userAgent?: string;
}

/** Only scheme and host of a URL, for logs: check UUIDs and webhook tokens are secrets. */
export function urlForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export async function send(url: string, opts: SendOptions = {}): Promise<SendResult> {
  const attempts = 1 + (opts.retries ?? 1);
  let last: SendResult = { ok: false, attempts: 0, error: 'not sent' };
  for (let i = 1; i <= attempts; i++) {
    try {
      const headers: Record<string, string> = { 'user-agent': opts.userAgent ?? 'pgvault' };
      if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'text/plain; charset=utf-8';
      const init: RequestInit = { method: opts.method ?? (opts.body !== undefined ? 'POST' : 'GET'), headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) };
      if (opts.body !== undefined) init.body = opts.body;
      const res = await fetch(url, init);
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return { ok: true, status: res.status, attempts: i };
      last = { ok: false, status: res.status, error: `HTTP ${res.status}`, attempts: i };
      if (res.status >= 400 && res.status < 500 && res.status !== 429) return last; // our request is wrong: retrying will not help
    } catch (e) {
      const err = e as Error & { cause?: { code?: string; message?: string } };
      const why = err.name === 'TimeoutError' ? `no answer within ${opts.timeoutMs ?? 5000} ms` : err.cause?.code ?? err.cause?.message ?? err.message;
      last = { ok: false, error: why, attempts: i };
    }
    if (i < attempts) await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}
