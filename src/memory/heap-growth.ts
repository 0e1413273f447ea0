/**
 * How far V8 lets the old generation grow past its live size before the next full collection.
 *
 * Two workloads pull opposite ways. Reading a catalog of many objects keeps them all live: there a low factor keeps
 * the peak RSS near the live heap (V8's own factor let it reach 2.5–3× the live heap; 50 % brought a dump of 5 000
 * tables from ~240 to ~175 MiB: docs/benchmarks.md "Many objects"). Streaming data is the opposite: the live heap is
 * small (~20 MiB) and constant, but V8 starts incremental marking as soon as the room left in the old generation is
 * no larger than the young generation (up to 16 MiB per semi-space), so at 50 % a backup of the 1 GB set ran a full
 * collection every ~150 ms (61 of them; 77 in a `.sql.gz` restore; ~0.5–1 CPU s of marking: `--trace-gc`, perf).
 *
 * So the growth is a fixed room, {@link ROOM_BYTES}, above the live heap, expressed as the percentage V8 takes and
 * kept between {@link MIN_GROWTH_PERCENT} (a large heap: the catalog case) and {@link MAX_GROWTH_PERCENT}, and
 * recomputed after every full collection from the heap then in use ({@link adaptHeapGrowth}): V8 reads the flag
 * when it sets the next limit, at the end of each full collection.
 */
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { setV8Flag } from './v8-flags.js';

/**
 * The lowest growth: what a large live heap (a catalog of many objects, from 80 MiB live) gets. A dump of 20 000
 * tables keeps 120–150 MiB live while it sorts and renders; at 50 % the heap reached 185–198 MiB before the next full
 * collection, at 30 % its peak RSS fell by 25–35 MiB for ~0.5 CPU s more (two runs each; 20 % saved no more):
 * docs/benchmarks.md, "Many objects", fifth round.
 */
export const MIN_GROWTH_PERCENT = 30;
/** Room above the live heap (measured on the 1 GB set: 24 MiB ran 21–24 full collections per backup instead of 61). */
export const ROOM_BYTES = 24 * 1024 * 1024;
/** The highest growth (measured: 200–300 % saved no more CPU than 100–150 % and cost 10–20 MiB of peak RSS). */
export const MAX_GROWTH_PERCENT = 150;

/** The growth percentage for `liveBytes` of live heap. */
export function growthPercent(liveBytes: number): number {
  if (!(liveBytes > 0)) return MAX_GROWTH_PERCENT;
  const percent = Math.ceil((100 * ROOM_BYTES) / liveBytes);
  return Math.min(MAX_GROWTH_PERCENT, Math.max(MIN_GROWTH_PERCENT, percent));
}

let current = 0;

/** The growth percentage last set by this module (0 before any). */
export function heapGrowth(): number {
  return current;
}

/** Set V8's growth factor (a V8 flag of Node.js 20–24, read when the next limit is set). */
export function setHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 1) throw new RangeError(`heap growth must be a positive whole percentage, got ${percent}`);
  if (percent === current) return;
  // Remembered, so that it is set again after a worker thread starts (src/memory/v8-flags.ts); a runtime without V8
  // flags keeps its own heuristics.
  if (setV8Flag('heap-growing-percent', percent)) current = percent;
}

let observer: PerformanceObserver | undefined;
/** Full collections seen by {@link adaptHeapGrowth} (for tests and measurements). */
export let adaptations = 0;

/**
 * Set the growth for the heap in use now and again after every full collection, for the rest of the process
 * (idempotent). The observer does not keep the process alive.
 */
export function adaptHeapGrowth(): void {
  setHeapGrowth(growthPercent(getHeapStatistics().used_heap_size));
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some((e) => (e as { detail?: { kind?: number } }).detail?.kind === perf.NODE_PERFORMANCE_GC_MAJOR)) return;
    adaptations++;
    setHeapGrowth(growthPercent(getHeapStatistics().used_heap_size));
  });
  observer.observe({ entryTypes: ['gc'] });
}
