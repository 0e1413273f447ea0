/**
 * The V8 flags this process sets at run time (heap growth, young-generation ceiling), remembered so that they can be
 * set again: starting a worker thread puts V8's flags back to their start-up values, in the worker's set-up, before it
 * runs (measured on Node.js 22: after the key-derivation worker of a backup, the young generation grew from 8 to 16 MiB
 * at the next scavenge, before a collection observer could set the ceiling again; docs/benchmarks.md, "Many objects",
 * fifth round). {@link keepV8Flags} sets them again when a worker is online and when it has exited.
 */
import { setFlagsFromString } from 'node:v8';
import type { Worker } from 'node:worker_threads';

/** The flags set through {@link setV8Flag}, by name, as the text given to V8. */
const flags = new Map<string, string>();

/** Set `--name=value` now and remember it; false where the runtime has no V8 flags. */
export function setV8Flag(name: string, value: number): boolean {
  const text = `--${name}=${value}`;
  try {
    setFlagsFromString(text);
  } catch {
    return false;
  }
  flags.set(name, text);
  return true;
}

/** Set every remembered flag again. */
export function reapplyV8Flags(): void {
  for (const text of flags.values()) {
    try {
      setFlagsFromString(text);
    } catch {
      // A runtime without V8 flags: nothing was set in the first place.
    }
  }
}

/** Set this process's run-time flags again once `worker` is online and once it has exited; returns the worker. */
export function keepV8Flags<W extends Worker>(worker: W): W {
  worker.once('online', reapplyV8Flags);
  worker.once('exit', reapplyV8Flags);
  return worker;
}
