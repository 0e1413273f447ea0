/**
 * FaultyStore: a Store wrapper for tests of the layers above (repository, backup, prune).
 * - counts calls, failures and bytes per method (bytes that reached the inner store on put, bytes returned
 *   by get, items yielded by list), so tests can assert "this backup uploaded N bytes";
 * - fails chosen calls: the Nth matching call, a run of calls, or every call a predicate picks;
 * - simulates dropped connections: the inner call succeeds, then the caller gets an error anyway
 *   (a lost response), which is what makes idempotent retries necessary;
 * - corrupts bodies in transit: a get returns the object with one byte flipped (`corruptReads`);
 * - adds latency per call (fixed or computed), to make concurrency visible.
 * Used only by tests and benchmarks; the library never wraps a real store in it.
 */
import { StoreUnavailableError } from '../errors.js';
import type { ObjectInfo, ObjectKind, Store } from './types.js';

export type StoreMethod = 'put' | 'get' | 'stat' | 'list' | 'delete';

export const STORE_METHODS: readonly StoreMethod[] = ['put', 'get', 'stat', 'list', 'delete'];

export interface StoreCall {
  method: StoreMethod;
  kind: ObjectKind;
  /** Undefined for list. */
  name: string | undefined;
  /** 1-based position among all calls made through this wrapper. */
  seq: number;
}

export interface FaultRule {
  /** Methods the rule applies to (default: all). */
  methods?: StoreMethod | readonly StoreMethod[];
  /** Kinds the rule applies to (default: all). */
  kinds?: ObjectKind | readonly ObjectKind[];
  /** Further filter. */
  match?: (call: StoreCall) => boolean;
  /** Fail from the nth matching call on (1-based, default 1). */
  nth?: number;
  /** How many matching calls to fail from the nth (default 1; Infinity = all later ones). */
  times?: number;
  /**
   * 'before' (default): the call fails without reaching the inner store.
   * 'after': the inner call completes (the object is written or deleted), then the caller gets the error.
   * 'corrupt' (get only): the call succeeds but one byte of the body returned is flipped, as a body
   * damaged in transit with a 200 status; the stored object is intact.
   */
  when?: 'before' | 'after' | 'corrupt';
  /** The error to throw (default: a StoreUnavailableError saying the fault was injected). */
  error?: (call: StoreCall) => Error;
}

export interface FaultHandle {
  /** How many calls this rule has failed so far. */
  readonly hits: number;
  remove(): void;
}

export interface MethodStats {
  calls: number;
  failures: number;
  /** put: body bytes that reached the inner store; get: bytes returned; others 0. */
  bytes: number;
  /** list: objects yielded; others 0. */
  items: number;
}

export interface FaultyStoreOptions {
  /** Delay before each call reaches the inner store, in ms. */
  latencyMs?: number | ((call: StoreCall) => number);
  /** Keep a log of every call in `calls` (default true). */
  recordCalls?: boolean;
}

interface ActiveRule {
  rule: FaultRule;
  seen: number;
  hits: number;
  removed: boolean;
}

function asList<T>(v: T | readonly T[] | undefined): readonly T[] | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function describeCall(c: StoreCall): string {
  return c.name === undefined ? `${c.method} ${c.kind}` : `${c.method} ${c.kind}/${c.name}`;
}

export class FaultyStore implements Store {
  readonly inner: Store;
  readonly stats: Record<StoreMethod, MethodStats>;
  readonly calls: StoreCall[] = [];
  #rules: ActiveRule[] = [];
  #seq = 0;
  #latency: number | ((call: StoreCall) => number);
  readonly #record: boolean;

  constructor(inner: Store, options: FaultyStoreOptions = {}) {
    this.inner = inner;
    this.#latency = options.latencyMs ?? 0;
    this.#record = options.recordCalls ?? true;
    this.stats = FaultyStore.#emptyStats();
  }

  static #emptyStats(): Record<StoreMethod, MethodStats> {
    const s = {} as Record<StoreMethod, MethodStats>;
    for (const m of STORE_METHODS) s[m] = { calls: 0, failures: 0, bytes: 0, items: 0 };
    return s;
  }

  get location(): string {
    return this.inner.location;
  }

  /** Fail the calls `rule` selects. */
  fail(rule: FaultRule): FaultHandle {
    const active: ActiveRule = { rule, seen: 0, hits: 0, removed: false };
    this.#rules.push(active);
    return {
      get hits() { return active.hits; },
      remove: () => { active.removed = true; },
    };
  }

  /** Let the selected calls succeed on the inner store, then fail them as if the response was lost. */
  dropConnection(rule: Omit<FaultRule, 'when'> = {}): FaultHandle {
    return this.fail({
      error: (c) => new StoreUnavailableError(`connection dropped after ${describeCall(c)} reached ${this.location} (injected fault)`),
      ...rule,
      when: 'after',
    });
  }

  /** Let the selected gets succeed but return the body with one byte flipped (damaged in transit). */
  corruptReads(rule: Omit<FaultRule, 'when' | 'error' | 'methods'> = {}): FaultHandle {
    return this.fail({ ...rule, methods: 'get', when: 'corrupt' });
  }

  setLatency(latencyMs: number | ((call: StoreCall) => number)): void {
    this.#latency = latencyMs;
  }

  clearFaults(): void {
    this.#rules = [];
  }

  resetStats(): void {
    Object.assign(this.stats, FaultyStore.#emptyStats());
    this.calls.length = 0;
  }

  /** Sum of a field over all methods, e.g. total requests. */
  total(field: keyof MethodStats): number {
    return STORE_METHODS.reduce((n, m) => n + this.stats[m][field], 0);
  }

  #begin(method: StoreMethod, kind: ObjectKind, name: string | undefined): { call: StoreCall; fault: { when: 'before' | 'after' | 'corrupt'; error: Error } | undefined } {
    const call: StoreCall = { method, kind, name, seq: ++this.#seq };
    if (this.#record) this.calls.push(call);
    this.stats[method].calls++;
    let fault: { when: 'before' | 'after' | 'corrupt'; error: Error } | undefined;
    for (const r of this.#rules) {
      if (r.removed) continue;
      const methods = asList(r.rule.methods);
      const kinds = asList(r.rule.kinds);
      if (methods && !methods.includes(method)) continue;
      if (kinds && !kinds.includes(kind)) continue;
      if (r.rule.match && !r.rule.match(call)) continue;
      r.seen++;
      const nth = r.rule.nth ?? 1;
      const times = r.rule.times ?? 1;
      if (fault === undefined && r.seen >= nth && r.seen < nth + times) {
        r.hits++;
        const error = r.rule.error?.(call) ?? new StoreUnavailableError(`injected fault on ${describeCall(call)} (call ${call.seq}) at ${this.location}`);
        fault = { when: r.rule.when ?? 'before', error };
      }
    }
    return { call, fault };
  }

  async #delay(call: StoreCall): Promise<void> {
    const ms = typeof this.#latency === 'function' ? this.#latency(call) : this.#latency;
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  async #run<T>(method: StoreMethod, kind: ObjectKind, name: string, op: () => Promise<T>, onDone?: (v: T) => void): Promise<T> {
    const { call, fault } = this.#begin(method, kind, name);
    await this.#delay(call);
    if (fault?.when === 'before') {
      this.stats[method].failures++;
      throw fault.error;
    }
    let v: T;
    try {
      v = await op();
    } catch (e) {
      this.stats[method].failures++;
      throw e;
    }
    if (fault?.when === 'corrupt' && v instanceof Uint8Array && v.length > 0) {
      const copy = new Uint8Array(v);
      copy[copy.length >> 1]! ^= 0x40;
      v = copy as T;
    }
    onDone?.(v);
    if (fault && fault.when !== 'corrupt') {
      this.stats[method].failures++;
      throw fault.error;
    }
    return v;
  }

  put(kind: ObjectKind, name: string, body: Uint8Array): Promise<void> {
    return this.#run('put', kind, name, () => this.inner.put(kind, name, body), () => { this.stats.put.bytes += body.byteLength; });
  }

  get(kind: ObjectKind, name: string): Promise<Uint8Array> {
    return this.#run('get', kind, name, () => this.inner.get(kind, name), (b) => { this.stats.get.bytes += b.byteLength; });
  }

  stat(kind: ObjectKind, name: string): Promise<ObjectInfo | null> {
    return this.#run('stat', kind, name, () => this.inner.stat(kind, name));
  }

  delete(kind: ObjectKind, name: string): Promise<void> {
    return this.#run('delete', kind, name, () => this.inner.delete(kind, name));
  }

  async *list(kind: ObjectKind): AsyncIterable<ObjectInfo> {
    const { call, fault } = this.#begin('list', kind, undefined);
    await this.#delay(call);
    if (fault?.when === 'before') {
      this.stats.list.failures++;
      throw fault.error;
    }
    try {
      for await (const item of this.inner.list(kind)) {
        this.stats.list.items++;
        yield item;
      }
    } catch (e) {
      this.stats.list.failures++;
      throw e;
    }
    if (fault) {
      this.stats.list.failures++;
      throw fault.error;
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
