/** Row-level layers of keyed tables (docs/incremental.md, docs/format.md "Layered tables"). */
export { RowSplitter, RowCursor, SpanCursor, splitRows, spansOf, bytesOf, type Span } from './rows.js';
export { RowHasher, keyColumnsOf, ROW_HASH_BYTES, KEY_HASH_BYTES } from './hash.js';
export { RowListEncoder, readRowList, ROW_ENTRY_BYTES, ROW_LIST_BATCH, type RowEntry } from './row-list.js';
export { WindowMatcher, DEFAULT_WINDOW } from './matcher.js';
export { OpEncoder, decodeOps, decodeOpBatches, OP_BATCH, type Op } from './ops.js';
export { DeltaBuilder, type DeltaStats } from './delta.js';
export { rebuildRows, rebuildSpans, rebuildSpanBatches, REBUILD_BATCH, type RebuildSources } from './rebuild.js';
