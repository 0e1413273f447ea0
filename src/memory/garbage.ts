/**
 * Prompt collection of short-lived buffers (issue 14: peak RSS ≤ 150 MiB).
 *
 * A backup streams every byte of the dump through buffers that die young: one per socket read of the COPY stream,
 * and the compressor's and sealer's outputs per chunk. They live outside the JavaScript heap, so allocating them
 * barely fills V8's young generation, and V8 collects them only when that fills or when external memory has grown by
 * its soft limit (64 MiB): until then the dead buffers stay resident. Measured on a backup of an 82 MB database:
 * 140 MiB peak RSS, 107 MiB with a collection every 25 ms; no garbage collection at all ran during the 1.5 s of
 * its dump. A young-generation collection costs about a millisecond (it visits live objects only), so one every
 * few megabytes of data costs ~0.1 CPU s per GB and keeps the dead buffers to those megabytes.
 *
 * Node.js has no public call for a collection; V8's `gc` is reached by enabling `--expose-gc` for the moment it
 * takes to create one context that holds it (the flag is switched off again, so no other code sees a `gc`). Where
 * that fails (another runtime), pacing does nothing.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Gc = (options?: { type: 'minor' | 'major'; execution: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

let collect: Gc | null | undefined;

/** V8's `gc` function (the extension's), or null where it cannot be had. */
function v8Gc(): Gc | null {
  if (collect !== undefined) return collect;
  try {
    const existing = (globalThis as { gc?: unknown }).gc;
    if (typeof existing === 'function') {
      collect = existing as Gc;
    } else {
      setFlagsFromString('--expose-gc');
      try {
        const fn: unknown = runInNewContext('gc');
        collect = typeof fn === 'function' ? (fn as Gc) : null;
      } finally {
        setFlagsFromString('--no-expose-gc');
      }
    }
  } catch {
    collect = null;
  }
  return collect;
}

/** Runs a young-generation collection after every `everyBytes` bytes counted with {@link GarbagePacer.count}. */
export class GarbagePacer {
  readonly everyBytes: number;
  #since = 0;
  /** Collections run (for tests and measurements). */
  collections = 0;

  constructor(everyBytes: number) {
    if (!Number.isSafeInteger(everyBytes) || everyBytes < 1) throw new RangeError(`everyBytes must be a positive integer, got ${everyBytes}`);
    this.everyBytes = everyBytes;
  }

  /** Count `n` bytes that went through short-lived buffers; collects once `everyBytes` have since the last time. */
  count(n: number): void {
    this.#since += n;
    if (this.#since < this.everyBytes) return;
    this.#since = 0;
    const gc = v8Gc();
    if (!gc) return;
    gc({ type: 'minor', execution: 'sync' });
    this.collections++;
  }
}

/**
 * Give the memory of a finished phase back to the system: a memory-reducing full collection (V8's "last resort"
 * collection, `Mark-Compact (reduce)` in `--trace-gc`), run once where a phase that built a large heap has ended
 * (the dump's schema side: catalog rows, object graph, rendering) and before the next one starts.
 *
 * Why it is needed on Node 22+: V8 12 keeps the pages a full collection frees in a pool, still resident, until a
 * memory-reducing collection (which only an idle process, memory pressure or this call triggers); V8 11 (Node 20)
 * released them at once. A busy dump never idles, so after its schema side the ~200 MiB of pages the catalog data
 * had occupied stayed resident under everything the data phase then allocated: a dump of 20 000 tables peaked at
 * 463 MiB on Node 22 against 379 on Node 20 with the same heap (docs/benchmarks.md, "Many objects").
 *
 * Costs one to a few full collections of the live heap (tens of milliseconds for ~100 MiB). Returns whether a
 * collection ran. V8 11 (Node 20) knows neither the option nor the pool: there it is a plain full collection, whose
 * freed pages go back to the system at once.
 *
 * With `ifHeapAbove`, nothing runs unless V8's heap has that many bytes committed: a phase that never built a large
 * heap has no large pool to give back, and the collections would only cost time (two full collections of a 10 MiB
 * heap took 40–90 ms in every backup of a small database, measured with `--trace-gc`).
 */
export function releaseFreedMemory(opts: { ifHeapAbove?: number } = {}): boolean {
  if (opts.ifHeapAbove !== undefined && getHeapStatistics().total_heap_size <= opts.ifHeapAbove) return false;
  const gc = v8Gc();
  if (!gc) return false;
  // V8 11's `gc` reads an options object it does not know as "young generation only"; no argument is a full collection.
  if (Number.parseInt(process.versions.v8 ?? '0', 10) >= 12) gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  else gc();
  return true;
}
