/**
 * The table of contents of a pgvault (pg_dump-style) script: every object is preceded by
 *
 *   --
 *   -- Name: <name>; Type: <type>; Schema: <schema>; Owner: <owner>
 *   --
 *
 * (`-- Data for Name:` for table data). Splitting the prologue and epilogue at these headers gives
 * entries that can be selected, as pg_restore does with a TOC, to extract chosen tables.
 */

export interface TocEntry {
  name: string;
  type: string;
  schema: string;
  owner: string;
  /** The entry's text, header included. */
  text: string;
}

export interface ParsedScriptPart {
  /** Text before the first entry (header SET lines, DROP pass). */
  preamble: string;
  entries: TocEntry[];
  /** Text after the last entry's body that belongs to no object (the "dump complete" footer). */
  footer: string;
}

const HEADER = /^--\n-- (?:Data for )?Name: (.*?); Type: (.*?); Schema: (.*?); Owner: (.*?)\n--\n/gm;
const FOOTER = /\n--\n-- PostgreSQL database dump complete\n--\n[\s\S]*$/;

export function parseToc(text: string): ParsedScriptPart {
  let body = text;
  let footer = '';
  const f = FOOTER.exec(body);
  if (f) {
    footer = body.slice(f.index + 1);
    body = body.slice(0, f.index + 1);
  }
  const starts: { at: number; name: string; type: string; schema: string; owner: string }[] = [];
  for (const m of body.matchAll(HEADER)) {
    starts.push({ at: m.index, name: m[1]!, type: m[2]!, schema: m[3]!, owner: m[4]! });
  }
  const preamble = body.slice(0, starts[0]?.at ?? body.length);
  const entries = starts.map((s, i) => ({
    name: s.name, type: s.type, schema: s.schema, owner: s.owner,
    text: body.slice(s.at, starts[i + 1]?.at ?? body.length),
  }));
  return { preamble, entries, footer };
}

export interface TableRef {
  schema: string;
  name: string;
  /** Quoted, qualified, as in the script. */
  qualified: string;
}

/** Names of the sequences a table owns (serial `OWNED BY`, or identity columns). */
export function ownedSequences(entries: readonly TocEntry[], t: TableRef): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.schema !== t.schema) continue;
    if (e.type === 'SEQUENCE OWNED BY' && e.text.includes(` OWNED BY ${t.qualified}.`)) out.add(e.name);
    if (e.type === 'SEQUENCE' && (e.text.includes(`ALTER TABLE ${t.qualified} ALTER COLUMN`) || e.text.includes(`ALTER TABLE ONLY ${t.qualified} ALTER COLUMN`))) out.add(e.name);
  }
  return out;
}

const endsWithOn = (name: string, prefix: string, table: string): boolean => name.startsWith(prefix) && name.endsWith(` ON ${table}`);

/**
 * Does `e` belong to table `t`: its definition, defaults, constraints, indexes, triggers, rules,
 * policies, comments, grants, partition attachment, and the sequences it owns (`owned`, from
 * ownedSequences()).
 */
export function belongsToTable(e: TocEntry, t: TableRef, owned: ReadonlySet<string>): boolean {
  if (e.schema !== t.schema) return false;
  const n = t.name;
  switch (e.type) {
    case 'TABLE':
    case 'FOREIGN TABLE':
    case 'TABLE ATTACH':
    case 'ROW SECURITY':
      return e.name === n;
    case 'DEFAULT':
    case 'CONSTRAINT':
    case 'FK CONSTRAINT':
    case 'CHECK CONSTRAINT':
    case 'TRIGGER':
    case 'RULE':
    case 'POLICY':
      return e.name.startsWith(`${n} `);
    case 'INDEX':
      return e.text.includes(` ON ${t.qualified} `) || e.text.includes(` ON ONLY ${t.qualified} `);
    case 'COMMENT':
    case 'ACL':
      return e.name === `TABLE ${n}` || e.name.startsWith(`COLUMN ${n}.`) || endsWithOn(e.name, 'CONSTRAINT ', n)
        || endsWithOn(e.name, 'TRIGGER ', n) || endsWithOn(e.name, 'POLICY ', n) || endsWithOn(e.name, 'RULE ', n)
        || [...owned].some((s) => e.name === `SEQUENCE ${s}`);
    case 'SEQUENCE':
    case 'SEQUENCE OWNED BY':
      return owned.has(e.name);
    default:
      return false;
  }
}
