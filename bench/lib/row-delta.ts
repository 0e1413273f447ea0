/**
 * A model of the row-level layer designed in docs/incremental.md, run on real dumps to size it before it
 * is built: given a table's COPY rows at the base backup and now (both in key order, as backups read
 * them), how many rows does a delta carry as literals, how many copy-from-base runs does it need, and
 * how many bytes would it store? Matching is by 128-bit row hash inside a bounded window of upcoming base
 * rows (memory O(window), no key comparisons in JavaScript); see the design for why that is exact.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface RowDeltaStats {
  baseRows: number;
  rows: number;
  /** Rows found in the base (copied by reference). */
  matched: number;
  /** Base rows not found (deleted, changed, or beyond the window). */
  dropped: number;
  literalRows: number;
  literalBytes: number;
  /** gzip -1 of the literal rows: what the delta's data chunks would store. */
  literalStoredBytes: number;
  /** Copy-from-base runs plus literal runs: the delta's op list. */
  ops: number;
  /** Bytes of the op list, varint-encoded (two varints per op). */
  opBytes: number;
  /** Bytes of the base's row list (16-byte hash + u32 length per row), stored once per base. */
  rowListBytes: number;
}

function lines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    out.push(buf.subarray(at, nl + 1));
    at = nl + 1;
  }
  return out;
}

const h128 = (row: Buffer): string => createHash('sha256').update(row).digest().subarray(0, 16).toString('latin1');

function varintLen(n: number): number {
  let len = 1;
  while (n >= 0x80) { n = Math.floor(n / 0x80); len++; }
  return len;
}

const keyOf = (row: Buffer): string => {
  const tab = row.indexOf(0x09);
  return 'k' + h128(tab < 0 ? row : row.subarray(0, tab));
};

export function rowDelta(base: Buffer, next: Buffer, window = 8192): RowDeltaStats {
  const baseRows = lines(base);
  const b = baseRows.map(h128);
  const bk = baseRows.map(keyOf);
  const rows = lines(next);
  const pos = new Map<string, number[]>();
  let i = 0;      // first base row not yet matched or dropped
  let filled = 0; // base rows [i, filled) are in the window
  const fill = (): void => {
    for (; filled < Math.min(b.length, i + window); filled++) {
      for (const h of [b[filled]!, bk[filled]!]) {
        const l = pos.get(h);
        if (l) l.push(filled); else pos.set(h, [filled]);
      }
    }
  };
  const forget = (upTo: number): void => {
    for (let k = i; k < upTo; k++) {
      for (const h of [b[k]!, bk[k]!]) {
        const l = pos.get(h)!;
        l.shift();
        if (l.length === 0) pos.delete(h);
      }
    }
  };
  fill();
  let matched = 0; let dropped = 0; let literalRows = 0; let ops = 0; let opBytes = 0;
  const literal: Buffer[] = [];
  let run: 'base' | 'lit' | null = null;
  let runStart = 0; let runLen = 0; let lastBase = -2;
  const closeRun = (): void => { if (run) { ops++; opBytes += varintLen(runStart) + varintLen(runLen); } };
  for (const row of rows) {
    const p = pos.get(h128(row))?.[0];
    if (p !== undefined) {
      dropped += p - i;
      forget(p + 1);
      i = p + 1;
      fill();
      matched++;
      if (run === 'base' && p === lastBase + 1) runLen++;
      else { closeRun(); run = 'base'; runStart = p; runLen = 1; }
      lastBase = p;
    } else {
      const u = pos.get(keyOf(row))?.[0];
      if (u !== undefined) { // an update: the old version and anything before it are gone
        dropped += u + 1 - i;
        forget(u + 1);
        i = u + 1;
        fill();
      }
      literal.push(row);
      literalRows++;
      if (run === 'lit') runLen++;
      else { closeRun(); run = 'lit'; runStart = literal.length - 1; runLen = 1; }
    }
  }
  closeRun();
  dropped += b.length - i;
  const lit = Buffer.concat(literal);
  return {
    baseRows: b.length, rows: rows.length, matched, dropped, literalRows, literalBytes: lit.length,
    literalStoredBytes: lit.length ? gzipSync(lit, { level: 1 }).length : 0, ops, opBytes, rowListBytes: b.length * 20,
  };
}
