/**
 * A ceiling on V8's young generation, applied at run time.
 *
 * V8 grows the young generation (two semi-spaces) by doubling whenever the bytes that survived scavenges since the
 * last growth exceed its capacity. A long stream keeps a few percent of what it allocates alive across one
 * scavenge (buffers in flight, promises), so the cumulative survivors pass every threshold in turn: on the 933 MiB
 * dump a `restore --stdout` grew to 16 MiB per semi-space on Node.js 22 (32 on Node.js 24), ~40 MiB more RSS than
 * at 4 MiB for the same CPU (docs/benchmarks.md, "Reads at every size"). `--max-semi-space-size` is read only at
 * start-up, but the growth factor is read at every growth: once the young generation reaches the ceiling this
 * module sets `--semi-space-growth-factor=1`, after which a growth leaves the capacity as it is. Starting a worker
 * thread puts V8's flags back to their start-up values (measured on Node.js 22: the young generation then grew to
 * 16 MiB again), so the flag is set again after every collection from then on (3.5 µs each), and when a worker thread
 * of pgvault's is online and when it has exited (src/memory/v8-flags.ts): a growth at the first scavenge after the
 * reset comes before any collection observer runs.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { setV8Flag } from './v8-flags.js';

/** The per-semi-space ceiling (measured: 4 MiB gave the lowest peak RSS at the same CPU as V8's 16 MiB). */
export const MAX_SEMI_SPACE_BYTES = 4 * 1024 * 1024;

/** Bytes V8 reserves for the young generation now (both semi-spaces), or 0 where it does not say. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

let observer: PerformanceObserver | undefined;
let capped = false;

/** Whether the ceiling has been reached and growth stopped. */
export function youngGenerationCapped(): boolean {
  return capped;
}

function stopGrowth(): void {
  capped = true;
  // A runtime without V8 flags: its own heuristics apply.
  setV8Flag('semi-space-growth-factor', 1);
}

/**
 * Stop the young generation's growth once it reaches `maxSemiSpaceBytes` per semi-space: checked after each
 * collection until then, and the flag set again after each collection from then on (idempotent; the observer
 * does not keep the process alive). A growth step may pass the check before its callback runs, so the bound is
 * one doubling past the ceiling at worst, and only if callbacks are delayed that long.
 */
export function capYoungGeneration(maxSemiSpaceBytes = MAX_SEMI_SPACE_BYTES): void {
  if (observer) return;
  const limit = 2 * maxSemiSpaceBytes;
  if (youngGenerationBytes() >= limit) stopGrowth();
  observer = new PerformanceObserver(() => {
    if (capped || youngGenerationBytes() >= limit) stopGrowth();
  });
  observer.observe({ entryTypes: ['gc'] });
}
