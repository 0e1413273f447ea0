/** Small pieces of pg_dump-compatible script text the engine writes itself (data-section entries). */

/** pg_dump's sanitize_line: names in `--` comments never start a new line (a table may be called "x\n\\! rm -rf"). */
export function sanitizeLine(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '-';
  return s.replace(/[\r\n]/g, ' ');
}

/** The comment block pg_dump prints before each entry (`_printTocEntry`). */
export function tocComment(label: 'Name' | 'Data for Name', name: string, type: string, schema: string | null | undefined,
  owner: string | null | undefined): string {
  return `--\n-- ${label}: ${sanitizeLine(name)}; Type: ${type}; Schema: ${sanitizeLine(schema)}; Owner: ${sanitizeLine(owner)}\n--\n\n`;
}

/** A string literal for a script that runs with standard_conforming_strings = on (the header pins it). */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** `SELECT pg_catalog.setval('public."Order_id_seq"', 42, true);` — the sequence name is the quoted qualified name as a literal. */
export function setvalStatement(qualified: string, lastValue: string, isCalled: boolean): string {
  if (!/^-?\d+$/.test(lastValue)) throw new Error(`unexpected last_value ${JSON.stringify(lastValue)} for sequence ${qualified}`);
  return `SELECT pg_catalog.setval(${quoteLiteral(qualified)}, ${lastValue}, ${isCalled ? 'true' : 'false'});\n`;
}

/** The end of every COPY block in a pg_dump script. */
export const COPY_TRAILER = '\\.\n\n\n';
