/**
 * Ctrl-C (SIGINT) and SIGTERM for every command: say what was interrupted and what that means, run the
 * library's registered clean-ups (release repository locks and the run lock, drop a scratch database; see
 * src/interrupt.ts), then exit 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once.
 */
import { runInterruptCleanups } from '../interrupt.js';
import { redact } from '../redact.js';

/** What an interruption leaves behind, per command. */
const CONSEQUENCE: Record<string, string> = {
  backup: 'the snapshot being written is not saved; chunks already uploaded are reused by the next backup',
  run: 'the snapshot being written is not saved (chunks already uploaded are reused next time); retention and prune did not finish',
  restore: 'the restore is incomplete: do not use its output',
  verify: 'the snapshot being verified was not proven',
  check: 'the check did not finish; nothing was changed',
  prune: 'prune stopped part-way; every step is safe to stop after: run "pgvault prune" again to finish',
  forget: 'forget stopped part-way: run it again',
};

export interface InterruptHandlerOptions {
  /** The command being run (for the message). */
  command: () => string | undefined;
  write?: (line: string) => void;
  exit?: (code: number) => void;
  /** Bound for each clean-up (default 15 s). */
  timeoutMs?: number;
}

/** Install the handlers; returns a function that removes them. */
export function installInterruptHandler(o: InterruptHandlerOptions): () => void {
  const write = o.write ?? ((l: string) => { process.stderr.write(l); });
  const exit = o.exit ?? ((code: number) => process.exit(code));
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    const code = sig === 'SIGINT' ? 130 : 143;
    if (interrupted) {
      write(`pgvault: ${sig} again: exiting without finishing the clean-up\n`);
      exit(code);
      return;
    }
    interrupted = true;
    const command = o.command();
    const consequence = command ? CONSEQUENCE[command] : undefined;
    write(`pgvault: ${sig === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'terminated (SIGTERM)'}${command ? `: ${command} stopped` : ''}` +
      `${consequence ? `; ${consequence}` : ''}\n`);
    void runInterruptCleanups(o.timeoutMs ?? 15_000).then(({ done, failed }) => {
      for (const d of done) write(`pgvault: cleaned up: ${d}\n`);
      for (const f of failed) write(`pgvault: could not ${f.what}: ${redact(f.reason)}\n`);
      exit(code);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
