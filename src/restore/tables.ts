/**
 * Extract chosen tables from a snapshot, like `pg_restore -t` but with the table's dependent objects:
 * its definition, defaults, owned sequences (and their values), constraints, indexes, triggers, rules,
 * policies, comments and grants, then its data. The script has the dump's session settings but no
 * DROP pass: load it into a database that does not have these tables yet.
 */
import { UsageError } from '../errors.js';
import type { Repository } from '../repo/repository.js';
import type { PartRecord, Snapshot } from '../snapshot/manifest.js';
import { stripMetaCommands } from './into-db.js';
import { readScript } from './script.js';
import { belongsToTable, ownedSequences, parseToc, type TableRef, type TocEntry } from './toc.js';
import { scriptText } from './text.js';

async function text(repo: Repository, s: Snapshot, p: PartRecord | undefined): Promise<string> {
  if (!p || p.length === 0) return '';
  const parts: Uint8Array[] = [];
  for await (const b of readScript(repo, s, { start: p.offset, end: p.offset + p.length })) parts.push(b);
  return scriptText(Buffer.concat(parts), `the ${p.kind} of the script`);
}

function matchesPattern(schema: string, name: string, pattern: string): boolean {
  const re = (glob: string): RegExp => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const dot = pattern.indexOf('.');
  if (dot === -1) return re(pattern).test(name);
  return re(pattern.slice(0, dot)).test(schema) && re(pattern.slice(dot + 1)).test(name);
}

/** Session settings of the preamble (SET lines), without its DROP pass and psql meta-commands. */
export function settingsOf(preamble: string): string {
  return stripMetaCommands(preamble).split('\n')
    .filter((l) => l.startsWith('SET ') || l.startsWith('SELECT pg_catalog.set_config(') || l.startsWith('--'))
    .join('\n') + '\n\n';
}

/** No table of the snapshot matches the patterns (a restore of several databases skips that one). */
export class NoMatchingTableError extends UsageError {
  constructor(s: Snapshot, patterns: readonly string[]) {
    super(`no table of snapshot ${s.id.slice(0, 8)} (${s.database}) matches ${patterns.join(', ')}; list them with "pgvault ls ${s.id.slice(0, 8)}" or restore the whole snapshot`);
  }
}

export interface ExtractedTables {
  tables: string[];
  script: AsyncGenerator<Uint8Array>;
}

/** `patterns`: `schema.table` or `table` (any schema), with `*` and `?` wildcards. */
export async function extractTables(repo: Repository, s: Snapshot, patterns: readonly string[]): Promise<ExtractedTables> {
  const part = (kind: PartRecord['kind']): PartRecord | undefined => s.parts.find((p) => p.kind === kind);
  const pro = parseToc(await text(repo, s, part('prologue')));
  const epi = parseToc(await text(repo, s, part('epilogue')));
  const seq = parseToc(await text(repo, s, part('data-sql')));
  const all = [...pro.entries, ...epi.entries];
  const dataParts = new Map(s.parts.filter((p) => p.table).map((p) => [`${p.table!.schema}\u0000${p.table!.name}`, p]));
  const tables: TableRef[] = pro.entries
    .filter((e) => (e.type === 'TABLE' || e.type === 'FOREIGN TABLE') && patterns.some((pat) => matchesPattern(e.schema, e.name, pat)))
    .map((e) => {
      const data = dataParts.get(`${e.schema}\u0000${e.name}`);
      const qualified = data?.table?.qualified ?? /^CREATE (?:UNLOGGED |FOREIGN )?TABLE (\S+)/m.exec(e.text)?.[1] ?? `${e.schema}.${e.name}`;
      return { schema: e.schema, name: e.name, qualified };
    });
  if (tables.length === 0) throw new NoMatchingTableError(s, patterns);
  const owned = new Map(tables.map((t) => [t, ownedSequences(all, t)]));
  const keep = (e: TocEntry): boolean => tables.some((t) => belongsToTable(e, t, owned.get(t)!));
  const seqSets = seq.entries.filter((e) => e.type === 'SEQUENCE SET' && tables.some((t) => e.schema === t.schema && owned.get(t)!.has(e.name)));

  async function* script(): AsyncGenerator<Uint8Array> {
    const enc = (t: string): Uint8Array => Buffer.from(t, 'utf8');
    yield enc(`--\n-- pgvault: tables ${tables.map((t) => t.qualified).join(', ')} of snapshot ${s.id} (${s.database}, ${s.time})\n--\n\n`);
    yield enc(settingsOf(pro.preamble));
    for (const e of pro.entries) if (keep(e)) yield enc(stripMetaCommands(e.text));
    for (const t of tables) {
      const p = dataParts.get(`${t.schema}\u0000${t.name}`);
      if (p) yield* readScript(repo, s, { start: p.offset, end: p.offset + p.length });
    }
    for (const e of seqSets) yield enc(e.text);
    for (const e of epi.entries) if (keep(e)) yield enc(stripMetaCommands(e.text));
  }
  return { tables: tables.map((t) => t.qualified), script: script() };
}
