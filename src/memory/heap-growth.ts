/**
 * How far V8 lets the old generation grow past its live size before the next full collection, per phase of a dump.
 *
 * Reading a catalog of many objects keeps them all live: there a low factor keeps the peak RSS near the live heap
 * (`--heap-growing-percent=50`, src/cli/heap.ts; docs/benchmarks.md "Many objects"). Streaming the data is the
 * opposite: the live heap is small (~20 MiB) and constant, but V8 starts incremental marking as soon as the room
 * left in the old generation is no larger than the young generation (up to 16 MiB per semi-space), so at 50 % a
 * backup of the 1 GB set ran a full collection every ~150 ms (61 of them, ~0.5–1 CPU s of marking: `--trace-gc`,
 * perf). Streaming therefore gets a fixed amount of room, {@link STREAMING_ROOM_BYTES}, as a percentage of the live
 * heap between the catalog's 50 % and {@link MAX_STREAMING_PERCENT}: the large live heap of a schema of many objects
 * keeps 50 %.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** The growth while a catalog is read (and the CLI's default, src/cli/heap.ts). */
export const CATALOG_GROWTH_PERCENT = 50;
/** Room above the live heap while data streams (measured: 24 MiB ran 21–24 full collections per GB instead of 61). */
export const STREAMING_ROOM_BYTES = 24 * 1024 * 1024;
/** Upper bound of the streaming growth (measured: 200–300 % saved no more CPU and cost 10–20 MiB of peak RSS). */
export const MAX_STREAMING_PERCENT = 150;

/** The growth percentage for streaming with `liveBytes` of live heap. */
export function streamingGrowthPercent(liveBytes: number): number {
  if (!(liveBytes > 0)) return MAX_STREAMING_PERCENT;
  const percent = Math.ceil((100 * STREAMING_ROOM_BYTES) / liveBytes);
  return Math.min(MAX_STREAMING_PERCENT, Math.max(CATALOG_GROWTH_PERCENT, percent));
}

/** Set V8's growth factor (a V8 flag of Node.js 20–24 that takes effect at the next full collection). */
export function setHeapGrowth(percent: number): void {
  if (!Number.isInteger(percent) || percent < 1) throw new RangeError(`heap growth must be a positive whole percentage, got ${percent}`);
  try {
    setFlagsFromString(`--heap-growing-percent=${percent}`);
  } catch {
    // A runtime without V8 flags: its own heuristics apply.
  }
}

/** Switch to the streaming growth for `liveBytes` (default: the heap in use now); returns the percentage set. */
export function growHeapForStreaming(liveBytes = getHeapStatistics().used_heap_size): number {
  const percent = streamingGrowthPercent(liveBytes);
  setHeapGrowth(percent);
  return percent;
}
