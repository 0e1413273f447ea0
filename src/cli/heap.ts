/**
 * Imported first by the CLI: V8 lets the old generation grow up to 4× past the live heap between full collections,
 * so the peak RSS of a dump of many objects (whose catalog rows and object graph are live at once) was 2.5–3× its
 * live heap. Capped at 1.5× (`--heap-growing-percent=50`, a V8 flag of Node 20–24): a dump of 5 000 tables peaks at
 * ~175 instead of ~240 MiB for the same CPU (more frequent full collections cost little while the heap is small;
 * 25 % already cost ~10 % more CPU). docs/benchmarks.md, "Many objects".
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--heap-growing-percent=50');
