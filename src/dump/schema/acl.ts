/**
 * GRANT/REVOKE generation as pg_dump's buildACLCommands/parseAclItem: the delta between a base
 * ACL (the server's acldefault(), pg_init_privs for extension members, or a synthetic base for
 * the public schema) and the actual ACL. Items are compared as aclitemout() strings.
 */
import type { Quoter } from './quote.js';

interface ParsedItem {
  grantee: string;
  grantor: string;
  privs: string;
  privswgo: string;
}

/** pg_dump's dequoteAclUserName: a name up to an unquoted '=' (or end), "" escapes ". */
function dequoteName(s: string, start: number): [string, number] {
  let out = '';
  let i = start;
  while (i < s.length && s[i] !== '=') {
    if (s[i] !== '"') { out += s[i]; i++; continue; }
    i++;
    while (i < s.length && !(s[i] === '"' && s[i + 1] !== '"')) {
      if (s[i] === '"' && s[i + 1] === '"') i++;
      out += s[i];
      i++;
    }
    i++;
  }
  return [out, i];
}

/** Role name as aclitemout() prints it (backend putid()). */
export function aclUserName(name: string): string {
  const safe = /^[A-Za-z0-9_]*$/.test(name);
  const body = name.replace(/"/g, '""');
  return safe ? body : `"${body}"`;
}

const PRIVS: Record<string, [string, string][]> = {
  TABLE: [['r', 'SELECT'], ['a', 'INSERT'], ['x', 'REFERENCES'], ['d', 'DELETE'], ['t', 'TRIGGER'], ['D', 'TRUNCATE'], ['m', 'MAINTAIN'], ['w', 'UPDATE']],
  SEQUENCE: [['r', 'SELECT'], ['U', 'USAGE'], ['w', 'UPDATE']],
  FUNCTION: [['X', 'EXECUTE']],
  LANGUAGE: [['U', 'USAGE']],
  SCHEMA: [['C', 'CREATE'], ['U', 'USAGE']],
  TYPE: [['U', 'USAGE']],
  'FOREIGN DATA WRAPPER': [['U', 'USAGE']],
  'FOREIGN SERVER': [['U', 'USAGE']],
  'FOREIGN TABLE': [['r', 'SELECT']],
  'LARGE OBJECT': [['r', 'SELECT'], ['w', 'UPDATE']],
  // Globals (src/globals): pg_dump's database ACL and pg_dumpall's tablespace ACL.
  DATABASE: [['C', 'CREATE'], ['c', 'CONNECT'], ['T', 'TEMPORARY']],
  TABLESPACE: [['C', 'CREATE']],
};
const PLURAL: Record<string, string> = { TABLES: 'TABLE', SEQUENCES: 'SEQUENCE', FUNCTIONS: 'FUNCTION', PROCEDURES: 'FUNCTION', PROCEDURE: 'FUNCTION', TYPES: 'TYPE', SCHEMAS: 'SCHEMA' };

function parseItem(item: string, type: string, subname: string | null, serverVersion: number, noGo = false): ParsedItem | null {
  const [grantee, eq] = dequoteName(item, 0);
  if (item[eq] !== '=') return null;
  const slash = item.indexOf('/', eq + 1);
  if (slash < 0) return null;
  const raw = item.slice(eq + 1, slash);
  const codes = noGo ? raw.replace(/\*/g, '') : raw;
  const [grantor] = dequoteName(item, slash + 1);
  const base = PLURAL[type] ?? type;
  let list = PRIVS[base];
  if (!list) throw new Error(`no privilege map for ${type}`);
  if (base === 'TABLE') {
    // Column privileges: only SELECT, INSERT, REFERENCES, UPDATE; MAINTAIN exists from 17 on.
    list = list.filter(([c]) => (subname === null || 'raxw'.includes(c)) && (c !== 'm' || serverVersion >= 170000));
  }
  let allWithGo = true;
  let allWithoutGo = true;
  const privs: string[] = [];
  const wgo: string[] = [];
  const sub = subname !== null ? `(${subname})` : '';
  for (const [code, kw] of list) {
    const pos = codes.indexOf(code);
    if (pos < 0) { allWithGo = false; allWithoutGo = false; continue; }
    if (codes[pos + 1] === '*') { wgo.push(kw + sub); allWithoutGo = false; }
    else { privs.push(kw + sub); allWithGo = false; }
  }
  let p = privs.join(',');
  let g = wgo.join(',');
  if (allWithGo) { p = ''; g = `ALL${sub}`; }
  else if (allWithoutGo) { g = ''; p = `ALL${sub}`; }
  return { grantee, grantor, privs: p, privswgo: g };
}

export interface AclCommandArgs {
  /** Object name as used in the command (already quoted; no schema), '' for default ACLs. */
  name: string;
  subname: string | null;
  nspname: string | null;
  /** GRANT object keyword: TABLE, SEQUENCE, FUNCTION, SCHEMA, TYPE, LARGE OBJECT, TABLES, … */
  type: string;
  acl: string[] | null;
  base: string[];
  owner: string | null;
  prefix: string;
}

/** The GRANT/REVOKE text (possibly empty) for one ACL, or '' when the ACL is the default (null). */
export function buildAclCommands(q: Quoter, a: AclCommandArgs, serverVersion: number): string {
  if (a.acl === null) return '';
  const owner = a.owner && a.owner.length > 0 ? a.owner : null;
  const grants = a.acl.filter((i) => !a.base.includes(i));
  const revokes = a.base.filter((i) => !a.acl!.includes(i));
  const target = `${a.type} ${a.nspname ? `${q.id(a.nspname)}.` : ''}${a.name} `;
  let first = '';
  let second = '';
  for (const item of revokes) {
    const p = parseItem(item, a.type, a.subname, serverVersion, true);
    if (!p) throw new Error(`cannot parse ACL item ${item}`);
    if (p.privs.length > 0) first += `${a.prefix}REVOKE ${p.privs} ON ${target}FROM ${p.grantee === '' ? 'PUBLIC' : q.id(p.grantee)};\n`;
  }
  for (const item of grants) {
    const p = parseItem(item, a.type, a.subname, serverVersion);
    if (!p) throw new Error(`cannot parse ACL item ${item}`);
    if (p.privs.length === 0 && p.privswgo.length === 0) continue;
    let grantor = p.grantor;
    if (grantor.length === 0 && owner) grantor = owner;
    const own = owner !== null && p.grantee === owner && grantor === owner;
    let sql = '';
    const other = grantor.length > 0 && (!owner || owner !== grantor);
    if (other) sql += `SET SESSION AUTHORIZATION ${q.id(grantor)};\n`;
    const to = p.grantee === '' ? 'PUBLIC' : q.id(p.grantee);
    if (p.privs.length > 0) sql += `${a.prefix}GRANT ${p.privs} ON ${target}TO ${to};\n`;
    if (p.privswgo.length > 0) sql += `${a.prefix}GRANT ${p.privswgo} ON ${target}TO ${to} WITH GRANT OPTION;\n`;
    if (other) sql += 'RESET SESSION AUTHORIZATION;\n';
    if (own) first += sql; else second += sql;
  }
  return first + second;
}
