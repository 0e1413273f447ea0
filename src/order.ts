/**
 * Order of strings by UTF-16 code units, the order of `<` (and of a sort without a comparator): the same everywhere,
 * whatever the host's locale. For the names and times pgvault sorts (hex IDs, RFC 3339 times, object names) it is
 * the order wanted. `localeCompare` would load ICU's collator on first use, ~3 MiB of resident memory in every command
 * that sorts (issue 14), for an order that depends on ICU's data.
 */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
