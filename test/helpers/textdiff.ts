/**
 * A small line diff for test failure messages: unified-diff-like hunks with context, truncated so a
 * failing assertion stays readable. Common prefix/suffix are trimmed first; the differing middle is
 * aligned with a longest-common-subsequence table when small enough, otherwise shown as a block
 * replacement (still exact, just not aligned).
 */

export interface DiffOptions {
  /** Label of the left side (lines prefixed with `-`). */
  labelA?: string;
  /** Label of the right side (lines prefixed with `+`). */
  labelB?: string;
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
  /** Maximum output lines (default 120); the rest is summarised. */
  maxLines?: number;
  /** Maximum characters per shown line (default 400). */
  maxLineChars?: number;
}

type Op = { kind: ' ' | '-' | '+'; line: string; a: number; b: number };

/** `''` when both sides are equal, otherwise a unified-diff-like excerpt. */
export function unifiedDiff(a: readonly string[], b: readonly string[], opts: DiffOptions = {}): string {
  const context = opts.context ?? 3;
  const maxLines = opts.maxLines ?? 120;
  const maxLineChars = opts.maxLineChars ?? 400;
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  if (start === a.length && start === b.length) return '';
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }

  const ops: Op[] = [];
  for (let i = Math.max(0, start - context); i < start; i++) ops.push({ kind: ' ', line: a[i]!, a: i, b: i });
  ops.push(...alignMiddle(a, b, start, endA, start, endB));
  const shift = endB - endA;
  for (let i = endA; i < Math.min(a.length, endA + context); i++) ops.push({ kind: ' ', line: a[i]!, a: i, b: i + shift });

  // Keep only context lines near changes inside the middle as well.
  const near = new Array<boolean>(ops.length).fill(false);
  ops.forEach((op, i) => {
    if (op.kind === ' ') return;
    for (let j = Math.max(0, i - context); j <= Math.min(ops.length - 1, i + context); j++) near[j] = true;
  });
  const out: string[] = [`--- ${opts.labelA ?? 'a'}`, `+++ ${opts.labelB ?? 'b'}`];
  let removed = 0;
  let added = 0;
  let lastShown = -2;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.kind === '-') removed++;
    if (op.kind === '+') added++;
    if (!near[i]) continue;
    if (i !== lastShown + 1) out.push(`@@ -${op.a + 1} +${op.b + 1} @@`);
    lastShown = i;
    const text = op.line.length > maxLineChars ? `${op.line.slice(0, maxLineChars)}… (${op.line.length} chars)` : op.line;
    out.push(`${op.kind}${text}`);
  }
  const summary = `(${removed} line(s) only in ${opts.labelA ?? 'a'}, ${added} only in ${opts.labelB ?? 'b'})`;
  if (out.length > maxLines) return [...out.slice(0, maxLines), `… ${out.length - maxLines} more diff line(s) ${summary}`].join('\n');
  return [...out, summary].join('\n');
}

/** LCS alignment of a[sa..ea) against b[sb..eb); block replacement when the table would be too big. */
function alignMiddle(a: readonly string[], b: readonly string[], sa: number, ea: number, sb: number, eb: number): Op[] {
  const n = ea - sa;
  const m = eb - sb;
  const ops: Op[] = [];
  if (n * m > 4_000_000) {
    for (let i = sa; i < ea; i++) ops.push({ kind: '-', line: a[i]!, a: i, b: sb });
    for (let j = sb; j < eb; j++) ops.push({ kind: '+', line: b[j]!, a: ea, b: j });
    return ops;
  }
  // lcs[i][j] = LCS length of a[sa+i..ea) and b[sb+j..eb)
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[sa + i] === b[sb + j] ? lcs[(i + 1) * w + j + 1]! + 1 : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[sa + i] === b[sb + j]) { ops.push({ kind: ' ', line: a[sa + i]!, a: sa + i, b: sb + j }); i++; j++; }
    else if (i < n && (j === m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) { ops.push({ kind: '-', line: a[sa + i]!, a: sa + i, b: sb + j }); i++; }
    else { ops.push({ kind: '+', line: b[sb + j]!, a: sa + i, b: sb + j }); j++; }
  }
  return ops;
}
