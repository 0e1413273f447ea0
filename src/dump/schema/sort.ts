/**
 * Ordering as pg_dump_sort.c: presort by (type priority, namespace, name, tie-breakers), then a
 * stable topological sort (Knuth's algorithm filling the output from the end with a max-heap of
 * presort positions), repairing dependency loops with `repair` until the sort succeeds.
 */
import { PRIORITY, type DumpObject } from './model.js';

function bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

function cmpStr(a: string, b: string): number {
  return Buffer.compare(bytes(a), bytes(b));
}

export function compareObjects(a: DumpObject, b: DumpObject): number {
  const p = PRIORITY[a.type] - PRIORITY[b.type];
  if (p !== 0) return p;
  if (a.schema !== null && b.schema !== null) {
    const c = cmpStr(a.schema, b.schema);
    if (c !== 0) return c;
  } else if (a.schema !== null) return -1;
  else if (b.schema !== null) return 1;
  const n = cmpStr(a.name, b.name);
  if (n !== 0) return n;
  const len = Math.min(a.tie.length, b.tie.length);
  for (let i = 0; i < len; i++) {
    const x = a.tie[i]!;
    const y = b.tie[i]!;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : cmpStr(String(x), String(y));
    if (c !== 0) return c;
  }
  if (a.tie.length !== b.tie.length) return a.tie.length - b.tie.length;
  return a.oid - b.oid;
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

/** Returns the sorted list, or null plus the ids of the objects that could not be placed. */
function topoSort(objs: DumpObject[], byId: Map<number, DumpObject>): { order: DumpObject[] | null; stuck: Set<number> } {
  const n = objs.length;
  const index = new Map<number, number>();
  objs.forEach((o, i) => index.set(o.id, i));
  const before = new Array<number>(n).fill(0);
  for (const o of objs) {
    for (const d of o.deps) {
      const j = index.get(d);
      if (j === undefined) continue;
      before[j]!++;
    }
  }
  const heap = new MaxHeap();
  for (let i = 0; i < n; i++) if (before[i] === 0) heap.push(i);
  const out = new Array<DumpObject>(n);
  let k = n;
  while (heap.size > 0) {
    const j = heap.pop();
    const o = objs[j]!;
    out[--k] = o;
    for (const d of o.deps) {
      const x = index.get(d);
      if (x === undefined) continue;
      if (--before[x]! === 0) heap.push(x);
    }
  }
  if (k === 0) return { order: out, stuck: new Set() };
  const stuck = new Set<number>();
  for (let i = 0; i < n; i++) if (before[i]! > 0) stuck.add(objs[i]!.id);
  void byId;
  return { order: null, stuck };
}

/** Shortest dependency cycle through `start` within `allowed`, as [start, dep, dep-of-dep, …]. */
function findLoop(start: DumpObject, allowed: Set<number>, byId: Map<number, DumpObject>): DumpObject[] | null {
  const prev = new Map<number, number>();
  const queue: number[] = [start.id];
  const seen = new Set<number>([start.id]);
  while (queue.length > 0) {
    const cur = queue.shift()!;
    const o = byId.get(cur)!;
    for (const d of o.deps) {
      if (!allowed.has(d)) continue;
      if (d === start.id) {
        const path: DumpObject[] = [];
        let x: number | undefined = cur;
        while (x !== undefined) { path.push(byId.get(x)!); x = prev.get(x); }
        return path.reverse();
      }
      if (seen.has(d)) continue;
      seen.add(d);
      prev.set(d, cur);
      queue.push(d);
    }
  }
  return null;
}

/**
 * Sort `objs`; `repair(loop)` must remove at least one edge of the loop (returning a description
 * when it had to break it arbitrarily, for the warnings).
 */
export function sortDumpObjects(objs: DumpObject[], repair: (loop: DumpObject[]) => string | null, warnings: string[]): DumpObject[] {
  const presorted = [...objs].sort(compareObjects);
  const byId = new Map(objs.map((o) => [o.id, o]));
  for (let round = 0; round < 100000; round++) {
    const { order, stuck } = topoSort(presorted, byId);
    if (order) return order;
    const touched = new Set<number>();
    let repaired = 0;
    for (const o of presorted) {
      if (!stuck.has(o.id) || touched.has(o.id)) continue;
      const loop = findLoop(o, stuck, byId);
      if (!loop || loop.some((x) => touched.has(x.id))) continue;
      if (loop.length === 1) { o.deps.delete(o.id); repaired++; continue; }
      const note = repair(loop);
      if (note) warnings.push(note);
      for (const x of loop) touched.add(x.id);
      repaired++;
    }
    if (repaired === 0) throw new Error('dependency sort made no progress (internal error)');
  }
  throw new Error('dependency sort did not converge (internal error)');
}
