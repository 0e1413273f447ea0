/**
 * Clean-ups that must happen if the process is stopped (SIGINT, SIGTERM) while an operation is in flight:
 * releasing repository locks, dropping a temporary database, releasing the host's run lock. The library
 * registers them while it holds such a resource and unregisters them when it lets go; the CLI's signal
 * handler (src/cli/interrupt.ts) runs what is registered, then exits. The library installs no signal handlers.
 */
export interface InterruptCleanup {
  /** What it undoes, for the operator: "release the shared repository lock". */
  what: string;
  run: () => Promise<void> | void;
}

const registered = new Set<InterruptCleanup>();

/** Register a clean-up; call the returned function once the resource is released normally. */
export function onInterrupt(what: string, run: () => Promise<void> | void): () => void {
  const c: InterruptCleanup = { what, run };
  registered.add(c);
  return () => { registered.delete(c); };
}

/** What is registered now, newest first. */
export function pendingCleanups(): InterruptCleanup[] {
  return [...registered].reverse();
}

/**
 * Run every registered clean-up (newest first, each at most once), each bounded by `timeoutMs`. Returns what was
 * done and what failed or timed out, with the reason.
 */
export async function runInterruptCleanups(timeoutMs: number): Promise<{ done: string[]; failed: { what: string; reason: string }[] }> {
  const done: string[] = [];
  const failed: { what: string; reason: string }[] = [];
  for (const c of pendingCleanups()) {
    registered.delete(c);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(c.run),
        new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs); }),
      ]);
      done.push(c.what);
    } catch (e) {
      failed.push({ what: c.what, reason: e instanceof Error ? e.message : String(e) });
    } finally {
      clearTimeout(timer);
    }
  }
  return { done, failed };
}
