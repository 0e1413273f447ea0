/**
 * Deterministic generator of pg_dump-like plain SQL (COPY text format) for benchmarks and dedup
 * experiments. The same options always produce the same bytes.
 *
 * Tables (shares of version 0 rows):
 * - `public.accounts` (40%): narrow rows (numbers, status, timestamp, e-mail); rows are UPDATEd
 *   between versions at scattered positions (`updateFraction` of the table per version).
 * - `public.events` (50%): append-only log rows with a UUID, a timestamp and a JSON payload; each
 *   version appends `appendFraction` more rows.
 * - `public.items` (10%): static catalogue rows.
 * Rows come out in primary-key order (what pgvault's dump does with ORDER BY pk), so an updated row
 * changes in place and appended rows land at the end of their table.
 *
 * Usage: `for await (const buf of generateDump({ bytes: 256 << 20, seed: 1, version: 0 })) ...`
 */

export interface DumpOptions {
  /** Approximate size of version 0 in bytes (rows are derived from it). Default 64 MiB. */
  bytes?: number;
  /** Total rows of version 0, overriding `bytes`. */
  rows?: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** 0 = the base data; version n applies n rounds of appends and updates. Default 0. */
  version?: number;
  /** Rows appended to `events` and `accounts` per version, as a fraction of their base rows. Default 0.01. */
  appendFraction?: number;
  /** Rows of `accounts` updated per version (scattered), as a fraction. Default 0.001. */
  updateFraction?: number;
  /** Approximate size of each yielded buffer. Default 1 MiB. */
  bufferSize?: number;
}

/** Mean bytes per row of the mix, measured on the generator's output; converts `bytes` to rows. */
const MEAN_ROW_BYTES = 133;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo',
  'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor',
  'whiskey', 'xray', 'yankee', 'zulu', 'login', 'logout', 'purchase', 'refund', 'view', 'click'];
const STATUS = ['active', 'active', 'active', 'suspended', 'closed'];
const KINDS = ['page_view', 'login', 'purchase', 'refund', 'signup', 'api_call'];

/** A 32-bit mixing hash of four integers (for per-row determinism without sequential state). */
function mix(a: number, b: number, c: number, d: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) ^ Math.imul(c + 0x165667b1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) ^ Math.imul(d + 0x1b873593, 0xcc9e2d51);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Small sequential PRNG (xorshift32) seeded per row. */
class Rng {
  #s: number;
  constructor(seed: number) { this.#s = seed || 0x2545f491; }
  next(): number {
    let s = this.#s;
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    this.#s = s >>> 0;
    return this.#s;
  }
  int(n: number): number { return this.next() % n; }
  pick<T>(a: readonly T[]): T { return a[this.next() % a.length]!; }
  hex8(): string { const x = this.next(); return HEX[x >>> 24]! + HEX[(x >>> 16) & 255]! + HEX[(x >>> 8) & 255]! + HEX[x & 255]!; }
  hex4(): string { const x = this.next(); return HEX[x >>> 24]! + HEX[(x >>> 16) & 255]!; }
}

const T0 = Date.UTC(2024, 0, 1);
const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const dayCache: string[] = [];
/** `YYYY-MM-DD hh:mm:ss+00` for `seconds` after 2024-01-01 (fast: days are cached). */
function ts(seconds: number): string {
  const day = Math.floor(seconds / 86400);
  let d = dayCache[day];
  if (d === undefined) {
    d = new Date(T0 + day * 86400000).toISOString().slice(0, 10) + ' ';
    dayCache[day] = d;
  }
  const s = seconds - day * 86400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return d + PAD2[h] + ':' + PAD2[m] + ':' + PAD2[s - h * 3600 - m * 60] + '+00';
}

export interface DumpShape {
  accounts: number;
  events: number;
  items: number;
}

/** Row counts per table for the given options (exported for experiments that need them). */
export function dumpShape(opts: DumpOptions = {}): DumpShape {
  const base = opts.rows ?? Math.max(1, Math.round((opts.bytes ?? 64 * 1024 * 1024) / MEAN_ROW_BYTES));
  const v = opts.version ?? 0;
  const app = opts.appendFraction ?? 0.01;
  const a0 = Math.round(base * 0.4);
  const e0 = Math.round(base * 0.5);
  return {
    accounts: a0 + Math.round(a0 * app * 0.2) * v,
    events: e0 + Math.round(e0 * app) * v,
    items: Math.max(1, base - a0 - e0),
  };
}

function accountRow(seed: number, id: number, version: number, updateFraction: number): string {
  // The row's content version: the last version (≤ `version`) in which it was updated.
  let rv = 0;
  const threshold = updateFraction * 4294967296;
  for (let u = version; u >= 1; u--) {
    if (mix(seed, 1, id, u) < threshold) { rv = u; break; }
  }
  const r = new Rng(mix(seed, 2, id, rv));
  const balance = `${r.int(100000)}.${String(r.int(100)).padStart(2, '0')}`;
  return `${id}\t${1 + r.int(50)}\t${balance}\t${r.pick(STATUS)}\t${ts(id * 7 + rv * 86400 + r.int(3600))}\t` +
    `user${id}@example${r.int(40)}.com\n`;
}

function eventRow(seed: number, id: number): string {
  const r = new Rng(mix(seed, 3, id, 0));
  const uuid = r.hex8() + '-' + r.hex4() + '-4' + r.hex4().slice(1) + '-a' + r.hex4().slice(1) + '-' + r.hex8() + r.hex4();
  const payload = `{"user_id": ${1 + r.int(200000)}, "action": "${r.pick(WORDS)}", "amount": ${r.int(100000) / 100}, ` +
    `"tags": ["${r.pick(WORDS)}", "${r.pick(WORDS)}"], "ip": "10.${r.int(256)}.${r.int(256)}.${r.int(256)}", ` +
    `"ok": ${r.int(10) !== 0}}`;
  return `${id}\t${uuid}\t${ts(id * 3 + r.int(3))}\t${r.pick(KINDS)}\t${payload}\n`;
}

function itemRow(seed: number, id: number): string {
  const r = new Rng(mix(seed, 4, id, 0));
  return `${id}\tSKU-${String(id).padStart(8, '0')}\t${r.pick(WORDS)} ${r.pick(WORDS)} ${r.pick(WORDS)}\t` +
    `${r.int(50000) / 100}\t{${r.pick(WORDS)},${r.pick(WORDS)}}\n`;
}

const HEADER = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;
SET lock_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);

CREATE TABLE public.accounts (id bigint PRIMARY KEY, branch_id integer, balance numeric(12,2), status text, updated_at timestamptz, email text);
CREATE TABLE public.events (id bigint PRIMARY KEY, uuid uuid, created_at timestamptz, kind text, payload jsonb);
CREATE TABLE public.items (id integer PRIMARY KEY, sku text, name text, price numeric(10,2), tags text[]);

`;

/** Generate the dump as an async iterable of Buffers of about `bufferSize` bytes. */
export async function* generateDump(opts: DumpOptions = {}): AsyncGenerator<Buffer> {
  yield* generateDumpSync(opts);
}

/** Same bytes as {@link generateDump}, synchronously. */
export function* generateDumpSync(opts: DumpOptions = {}): Generator<Buffer> {
  const seed = opts.seed ?? 1;
  const version = opts.version ?? 0;
  const updateFraction = opts.updateFraction ?? 0.001;
  const bufferSize = opts.bufferSize ?? 1024 * 1024;
  const shape = dumpShape(opts);
  // Rows are written straight into the output buffer (joining many small strings is GC-bound).
  const MAX_ROW = 64 * 1024;
  let buf = Buffer.allocUnsafe(bufferSize + MAX_ROW);
  let off = 0;
  const flush = (): Buffer => {
    const out = buf.subarray(0, off);
    buf = Buffer.allocUnsafe(bufferSize + MAX_ROW);
    off = 0;
    return out;
  };
  const add = (s: string): boolean => {
    off += buf.write(s, off, 'latin1');
    return off >= bufferSize;
  };
  add(HEADER);
  const tables: Array<[string, number, (id: number) => string]> = [
    ['COPY public.accounts (id, branch_id, balance, status, updated_at, email) FROM stdin;\n', shape.accounts,
      (id) => accountRow(seed, id, version, updateFraction)],
    ['COPY public.events (id, uuid, created_at, kind, payload) FROM stdin;\n', shape.events, (id) => eventRow(seed, id)],
    ['COPY public.items (id, sku, name, price, tags) FROM stdin;\n', shape.items, (id) => itemRow(seed, id)],
  ];
  for (const [copy, n, row] of tables) {
    if (add(copy)) yield flush();
    for (let id = 1; id <= n; id++) {
      if (add(row(id))) yield flush();
    }
    if (add('\\.\n\n')) yield flush();
  }
  add('--\n-- PostgreSQL database dump complete\n--\n');
  yield flush();
}
