/**
 * Ordering as pg_dump_sort.c: presort by (type priority, namespace, name, tie-breakers), then a
 * stable topological sort (Knuth's algorithm filling the output from the end with a max-heap of
 * presort positions), repairing dependency loops with `repair` until the sort succeeds.
 */
import { PRIORITY, type DumpObject, type Tie } from './model.js';

/**
 * `a` against `b` in the order of their UTF-8 bytes (pg_dump's strcmp), without encoding them: the presort compares
 * ~3 million pairs of names at 20 000 tables, and two buffers per comparison were most of its time. Code units
 * compare as UTF-8 bytes until the first difference unless a surrogate is involved (a character beyond U+FFFF
 * encodes above U+E000–U+FFFF, and a lone surrogate as U+FFFD); those rare pairs are compared as bytes.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = a.length < b.length ? a.length : b.length;
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i < n) {
    // The units before are the same in both (a high surrogate among them is paired, or lone, in both alike).
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (!isSurrogate(x) && !isSurrogate(y)) return x - y;
  } else if (n === 0 || !isHighSurrogate(a.charCodeAt(n - 1))) {
    // One is a prefix of the other, and no surrogate pair spans the end of the shorter: its bytes are a prefix too.
    return a.length - b.length;
  }
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function isSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdfff;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

export function compareObjects(a: DumpObject, b: DumpObject): number {
  const p = PRIORITY[a.type] - PRIORITY[b.type];
  if (p !== 0) return p;
  if (a.schema !== null && b.schema !== null) {
    const c = compareUtf8(a.schema, b.schema);
    if (c !== 0) return c;
  } else if (a.schema !== null) return -1;
  else if (b.schema !== null) return 1;
  const n = compareUtf8(a.name, b.name);
  if (n !== 0) return n;
  const la = tieLength(a.tie);
  const lb = tieLength(b.tie);
  const len = Math.min(la, lb);
  for (let i = 0; i < len; i++) {
    const x = tieAt(a.tie, i);
    const y = tieAt(b.tie, i);
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : compareUtf8(String(x), String(y));
    if (c !== 0) return c;
  }
  if (la !== lb) return la - lb;
  return a.oid - b.oid;
}

function tieLength(t: Tie): number {
  return typeof t === 'object' ? t.length : 1;
}

function tieAt(t: Tie, i: number): string | number {
  return typeof t === 'object' ? t[i]! : t;
}

class MaxHeap {
  private readonly a: number[] = [];
  get size(): number { return this.a.length; }
  push(v: number): void {
    const a = this.a;
    a.push(v);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! >= v) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= a.length) break;
        if (c + 1 < a.length && a[c + 1]! > a[c]!) c++;
        if (last >= a[c]!) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}

/**
 * The dependency graph by presort position, in compressed rows: one array of offsets and one of dependency positions
 * for the whole graph (an array per object cost ~200 bytes each: 30 MiB at 20 000 tables), plus the rows that loop
 * repairs rewrote. Row i is `array(i)[from(i) .. to(i))`.
 */
class Adjacency {
  private readonly start: Int32Array;
  private readonly edges: Int32Array;
  private readonly patched = new Map<number, Int32Array>();

  constructor(objs: DumpObject[], private readonly pos: Int32Array) {
    const n = objs.length;
    this.start = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) {
      let k = 0;
      for (const d of objs[i]!.deps) if (d < pos.length && pos[d]! >= 0) k++;
      this.start[i + 1] = this.start[i]! + k;
    }
    this.edges = new Int32Array(this.start[n]!);
    for (let i = 0, e = 0; i < n; i++) {
      for (const d of objs[i]!.deps) if (d < pos.length && pos[d]! >= 0) this.edges[e++] = pos[d]!;
    }
  }

  array(i: number): Int32Array { return this.patched.get(i) ?? this.edges; }
  from(i: number): number { return this.patched.has(i) ? 0 : this.start[i]!; }
  to(i: number): number { const p = this.patched.get(i); return p ? p.length : this.start[i + 1]!; }

  /** Row i again from the object's dependencies (after a repair changed them). */
  reread(i: number, o: DumpObject): void {
    const out: number[] = [];
    for (const d of o.deps) if (d < this.pos.length && this.pos[d]! >= 0) out.push(this.pos[d]!);
    this.patched.set(i, Int32Array.from(out));
  }
}

/** pg_dump's TopoSort; returns the order, or null and the positions that could not be placed. */
function topoSort(n: number, g: Adjacency): { order: Int32Array | null; stuck: Uint8Array } {
  const before = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = g.array(i);
    for (let e = g.from(i), end = g.to(i); e < end; e++) before[a[e]!]!++;
  }
  const heap = new MaxHeap();
  for (let i = 0; i < n; i++) if (before[i] === 0) heap.push(i);
  const out = new Int32Array(n);
  let k = n;
  while (heap.size > 0) {
    const j = heap.pop();
    out[--k] = j;
    const a = g.array(j);
    for (let e = g.from(j), end = g.to(j); e < end; e++) {
      const x = a[e]!;
      if (--before[x]! === 0) heap.push(x);
    }
  }
  const stuck = new Uint8Array(n);
  if (k === 0) return { order: out, stuck };
  for (let i = 0; i < n; i++) if (before[i]! > 0) stuck[i] = 1;
  return { order: null, stuck };
}

/** Shortest cycle through `s` inside the component `comp` (marked in `inComp`), as positions [s, dep, …]. */
function findLoop(s: number, inComp: Uint8Array, g: Adjacency, prev: Int32Array, seen: Uint8Array, touched: number[]): number[] | null {
  const queue = [s];
  seen[s] = 1; touched.push(s);
  let found = -1;
  for (let head = 0; head < queue.length && found < 0; head++) {
    const cur = queue[head]!;
    const a = g.array(cur);
    for (let e = g.from(cur), end = g.to(cur); e < end; e++) {
      const d = a[e]!;
      if (!inComp[d]) continue;
      if (d === s) { found = cur; break; }
      if (seen[d]) continue;
      seen[d] = 1; touched.push(d);
      prev[d] = cur;
      queue.push(d);
    }
  }
  for (const t of touched) seen[t] = 0;
  touched.length = 0;
  if (found < 0) return null;
  const path: number[] = [];
  for (let x = found; x !== s; x = prev[x]!) path.push(x);
  path.push(s);
  return path.reverse();
}

/** Strongly connected components (iterative Tarjan) among the stuck positions, in discovery order. */
function components(n: number, stuck: Uint8Array, g: Adjacency): number[][] {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const edge = new Int32Array(n);
  const stack: number[] = [];
  const work: number[] = [];
  const out: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (!stuck[root] || index[root] !== -1) continue;
    index[root] = low[root] = counter++; stack.push(root); onStack[root] = 1; edge[root] = g.from(root); work.push(root);
    while (work.length > 0) {
      const v = work[work.length - 1]!;
      if (edge[v]! < g.to(v)) {
        const d = g.array(v)[edge[v]!]!;
        edge[v]!++;
        if (!stuck[d]) continue;
        if (index[d] === -1) {
          index[d] = low[d] = counter++; stack.push(d); onStack[d] = 1; edge[d] = g.from(d); work.push(d);
        } else if (onStack[d]) low[v] = Math.min(low[v]!, index[d]!);
        continue;
      }
      work.pop();
      if (work.length > 0) { const p = work[work.length - 1]!; low[p] = Math.min(low[p]!, low[v]!); }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let x: number;
        do { x = stack.pop()!; onStack[x] = 0; comp.push(x); } while (x !== v);
        out.push(comp);
      }
    }
  }
  return out;
}

/**
 * Sort `objs`; `repair(loop)` must remove at least one edge of the loop (returning a description
 * when it had to break it arbitrarily, for the warnings). Each round repairs one loop per strongly
 * connected component of the objects that could not be placed, starting from the component's
 * first object in presort order.
 */
export function sortDumpObjects(objs: DumpObject[], repair: (loop: DumpObject[]) => string | null, warnings: string[]): DumpObject[] {
  const presorted = [...objs].sort(compareObjects);
  const n = presorted.length;
  // Presort position by object id (ids are small sequential numbers), -1 for none.
  let maxId = 0;
  for (const o of presorted) if (o.id > maxId) maxId = o.id;
  const pos = new Int32Array(maxId + 1).fill(-1);
  presorted.forEach((o, i) => { pos[o.id] = i; });
  const prev = new Int32Array(n);
  const seen = new Uint8Array(n);
  const inComp = new Uint8Array(n);
  const touched: number[] = [];
  const g = new Adjacency(presorted, pos);
  for (let round = 0; round < 100000; round++) {
    const { order, stuck } = topoSort(n, g);
    if (order) return Array.from(order, (i) => presorted[i]!);
    let repaired = 0;
    for (const comp of components(n, stuck, g)) {
      let first = comp[0]!;
      for (const c of comp) if (c < first) first = c;
      const start = presorted[first]!;
      if (comp.length === 1) {
        if (start.deps.has(start.id)) { start.deps.delete(start.id); g.reread(first, start); repaired++; }
        continue;
      }
      for (const c of comp) inComp[c] = 1;
      const loop = findLoop(first, inComp, g, prev, seen, touched);
      for (const c of comp) inComp[c] = 0;
      if (!loop) continue;
      const note = repair(loop.map((i) => presorted[i]!));
      if (note) warnings.push(note);
      // Repairs only edit the dependencies of the loop's members.
      for (const i of loop) g.reread(i, presorted[i]!);
      repaired++;
    }
    if (repaired === 0) throw new Error('dependency sort made no progress (internal error)');
  }
  throw new Error('dependency sort did not converge (internal error)');
}
