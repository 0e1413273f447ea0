/**
 * Imported first by the CLI: V8's heap growth for every command is a fixed room above the live heap, between 50 %
 * (a catalog of many objects: peak RSS near the live heap) and 150 % (streaming with a small live heap: few full
 * collections), recomputed after each full collection. src/memory/heap-growth.ts has the measurements.
 */
import { adaptHeapGrowth } from '../memory/heap-growth.js';

adaptHeapGrowth();
