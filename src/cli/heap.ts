/**
 * Imported first by the CLI, for every command:
 * - V8's heap growth is a fixed room above the live heap, between 30 % (a catalog of many objects: peak RSS near the
 *   live heap) and 150 % (streaming with a small live heap: few full collections), recomputed after each full
 *   collection (src/memory/heap-growth.ts has the measurements);
 * - the young generation stops growing at 4 MiB per semi-space (src/memory/young-generation.ts): a long stream
 *   otherwise grows it to 16 MiB (Node.js 22) or 32 MiB (Node.js 24) for no CPU gained.
 * Both are set again whenever one of pgvault's worker threads starts or exits (which resets V8's flags: src/memory/v8-flags.ts).
 */
import { adaptHeapGrowth } from '../memory/heap-growth.js';
import { capYoungGeneration } from '../memory/young-generation.js';

adaptHeapGrowth();
capYoungGeneration();
