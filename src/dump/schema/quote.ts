/**
 * Identifier and literal quoting exactly as pg_dump's fmtId / appendStringLiteralAH (with
 * standard_conforming_strings on, which the engine pins): identifiers stay bare only when they are
 * `[a-z_][a-z0-9_]*` and not a keyword needing quotes (catcode <> 'U' in pg_get_keywords()).
 */
export class Quoter {
  private readonly reserved: Set<string>;

  constructor(reservedWords: Iterable<string>) {
    this.reserved = new Set(reservedWords);
  }

  id(name: string): string {
    if (/^[a-z_][a-z0-9_]*$/.test(name) && !this.reserved.has(name)) return name;
    return `"${name.replace(/"/g, '""')}"`;
  }

  /** `schema.name`, each part quoted as needed. */
  qual(schema: string, name: string): string {
    return `${this.id(schema)}.${this.id(name)}`;
  }
}

/** A string literal for a script whose session has standard_conforming_strings = on. */
export function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Dollar-quote a body like pg_dump's appendStringLiteralDQ: the delimiter starts as `$` and gets
 * the next character of "_XXXXXXX" (cyclically) appended while it occurs in the body, then a
 * closing `$` (so `$$`, `$_$`, `$_X$`, …).
 */
export function dollarQuote(body: string): string {
  const suffixes = '_XXXXXXX';
  let tag = '$';
  let next = 0;
  while (body.includes(tag)) {
    tag += suffixes[next]!;
    next = (next + 1) % suffixes.length;
  }
  tag += '$';
  return `${tag}${body}${tag}`;
}

/** `DO <body>;` with a dollar-quote tag that does not occur in the body (names may contain `$`). */
export function doBlock(body: string): string {
  let tag = 'pgvault';
  while (body.includes(`$${tag}$`)) tag += '_';
  return `DO $${tag}$${body}$${tag}$;\n`;
}
