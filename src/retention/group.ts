/**
 * Grouping for `forget --group-by`: the policy is applied to each group on its own. pgvault's keys are
 * host, database and tags (restic's are host, paths and tags; a database is pgvault's counterpart of a
 * backed-up path). Default: host,database. `--group-by ''` puts every snapshot in one group.
 * "database" is the source identity (src/snapshot/source.ts): the configured name and the server
 * (system identifier and port) for version 2 manifests, so two databases called `app` on two servers
 * are two groups; the database name for version 1 manifests.
 */
import { UsageError } from '../errors.js';
import { describeServer, sourceKey, sourceName } from '../snapshot/source.js';
import type { PolicySnapshot } from './policy.js';

export interface GroupBy {
  host: boolean;
  database: boolean;
  tags: boolean;
}

export const DEFAULT_GROUP_BY: GroupBy = Object.freeze({ host: true, database: true, tags: false });

/** Parse `host,database,tags` (also `hosts`, `db`, `databases`, `tag`); the empty string disables grouping. */
export function parseGroupBy(input: string): GroupBy {
  const g: GroupBy = { host: false, database: false, tags: false };
  for (const raw of input.split(',')) {
    const part = raw.trim();
    if (part === 'host' || part === 'hosts') g.host = true;
    else if (part === 'database' || part === 'databases' || part === 'db') g.database = true;
    else if (part === 'tag' || part === 'tags') g.tags = true;
    else if (part !== '') {
      const hint = part === 'path' || part === 'paths' ? ' (pgvault groups by database where restic groups by paths)' : '';
      throw new UsageError(`unknown --group-by key ${JSON.stringify(part)}${hint}: use host, database and/or tags separated by commas, or '' for no grouping`);
    }
  }
  return g;
}

export function formatGroupBy(g: GroupBy): string {
  return [g.host && 'host', g.database && 'database', g.tags && 'tags'].filter(Boolean).join(',');
}

export interface GroupKey {
  host?: string;
  /** The configured name (version 2) or database name (version 1). */
  database?: string;
  /** The server of a version 2 source (`<system identifier>:<port>`), when grouping by database. */
  server?: string;
  /** Sorted. */
  tags?: string[];
}

export interface SnapshotGroup<S extends PolicySnapshot> {
  key: GroupKey;
  /** Stable identity of the group (JSON of the key). */
  id: string;
  snapshots: S[];
}

/** "host db1, database shop, tags [daily, prod]" (or "all snapshots" without grouping). */
export function describeGroup(key: GroupKey): string {
  const parts: string[] = [];
  if (key.host !== undefined) parts.push(`host ${key.host}`);
  if (key.database !== undefined) parts.push(`database ${key.database}${key.server ? ` on server ${key.server}` : ''}`);
  if (key.tags !== undefined) parts.push(`tags [${key.tags.join(', ')}]`);
  return parts.length ? parts.join(', ') : 'all snapshots';
}

/** Groups in a deterministic order (by key); snapshots keep their input order within a group. */
export function groupSnapshots<S extends PolicySnapshot>(list: readonly S[], groupBy: GroupBy = DEFAULT_GROUP_BY): SnapshotGroup<S>[] {
  const groups = new Map<string, SnapshotGroup<S>>();
  for (const s of list) {
    const key: GroupKey = {};
    if (groupBy.host) key.host = s.host;
    if (groupBy.database) {
      key.database = sourceName(s);
      const server = describeServer(s);
      if (server) key.server = server;
    }
    if (groupBy.tags) key.tags = [...s.tags].sort();
    const id = JSON.stringify([key.host ?? null, groupBy.database ? sourceKey(s) : null, key.tags ?? null]);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key, id, snapshots: [] }));
    g.snapshots.push(s);
  }
  return [...groups.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
