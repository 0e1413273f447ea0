/**
 * The dump's `\restrict <key>` and `\unrestrict <key>` lines carry a key that is random per dump
 * (docs/dump-objects.md). The backup stores each of them in a chunk of its own, so the bytes around
 * them deduplicate with the previous backup: an unchanged database adds two tiny chunks, not its
 * first and last megabyte.
 */

/** A psql key line at a line start, with the blank line that follows it. */
const KEY_LINE = /(?<=^|\n)\\(?:un)?restrict [A-Za-z0-9]+\n\n?/g;

export interface Segment {
  bytes: Uint8Array;
  /** A key line: to be written between two forced chunk boundaries. */
  keyLine: boolean;
}

/** Split a schema piece (prologue or epilogue text) into runs of ordinary bytes and key lines. */
export function splitKeyLines(piece: Uint8Array): Segment[] {
  // latin1 maps each byte to one UTF-16 unit, so string offsets are byte offsets.
  const text = Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength).toString('latin1');
  const out: Segment[] = [];
  let at = 0;
  for (const m of text.matchAll(KEY_LINE)) {
    const start = m.index;
    if (start > at) out.push({ bytes: piece.subarray(at, start), keyLine: false });
    out.push({ bytes: piece.subarray(start, start + m[0].length), keyLine: true });
    at = start + m[0].length;
  }
  if (at < piece.length) out.push({ bytes: piece.subarray(at), keyLine: false });
  return out;
}
