/**
 * pg_dump-style object name patterns (processSQLNamePattern): unquoted letters fold to lower case,
 * `*` and `?` are wildcards, `"…"` quotes literally (with `""` for a quote), an unquoted `.`
 * separates the schema part from the name part. Each part matches the whole name.
 */
import { UsageError } from '../../errors.js';

export interface NamePattern {
  /** Regex for the schema part, or null when the pattern has no schema part. */
  schema: RegExp | null;
  name: RegExp;
  source: string;
}

function partToRegex(part: string): RegExp {
  let re = '';
  let inQuotes = false;
  for (let i = 0; i < part.length; i++) {
    const ch = part[i]!;
    if (ch === '"') {
      if (inQuotes && part[i + 1] === '"') { re += '"'; i++; continue; }
      inQuotes = !inQuotes;
      continue;
    }
    if (!inQuotes && ch === '*') { re += '.*'; continue; }
    if (!inQuotes && ch === '?') { re += '.'; continue; }
    const c = !inQuotes ? ch.toLowerCase() : ch;
    re += /[|*+?()[\]{}.^$\\/]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^(?:${re})$`, 'su');
}

/** Split on unquoted dots. */
function splitParts(pattern: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let inQuotes = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '"') {
      if (inQuotes && pattern[i + 1] === '"') { cur += '""'; i++; continue; }
      inQuotes = !inQuotes;
      cur += ch;
      continue;
    }
    if (ch === '.' && !inQuotes) { parts.push(cur); cur = ''; continue; }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

export function parseSchemaPattern(p: string): RegExp {
  const parts = splitParts(p);
  if (parts.length > 1) throw new UsageError(`improper qualified name (too many dotted names) in schema pattern "${p}"`);
  return partToRegex(parts[0]!);
}

export function parseTablePattern(p: string): NamePattern {
  const parts = splitParts(p);
  if (parts.length > 2) throw new UsageError(`improper qualified name (too many dotted names) in table pattern "${p}": use schema.table`);
  if (parts.length === 2) return { schema: partToRegex(parts[0]!), name: partToRegex(parts[1]!), source: p };
  return { schema: null, name: partToRegex(parts[0]!), source: p };
}
