/** Flags shared by `pgvault dump` and `pgvault backup`: where the database is and how to dump it. */
import type { Command } from 'commander';
import { connectionFromArgs, type ConnectionOptions } from '../db/connection.js';
import type { DumpOptions } from '../dump/index.js';
import { UsageError } from '../errors.js';

export interface DumpFlags {
  host?: string;
  port?: string;
  username?: string;
  jobs?: string;
  stableOrder?: boolean;
  serializableDeferrable?: boolean;
  lockWaitTimeout?: string;
  schema?: string[];
  excludeSchema?: string[];
  table?: string[];
  excludeTable?: string[];
  excludeTableData?: string[];
  owner?: boolean;
  privileges?: boolean;
  allowUnsupported?: boolean;
}

/** commander value collector for repeatable options. */
export const collectList = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Shown under every command that connects to PostgreSQL (issue 10 item 17). */
export const CONNECTION_PASSWORD_HELP = `
Database passwords: a password inside a connection URL or key=value string given as an argument is
visible to every user of this host (ps, /proc/<pid>/cmdline). Put it in ~/.pgpass (mode 600), in
PGPASSWORD, or in the configuration's databases[].password_file instead.`;

export function addConnectionFlags(cmd: Command): Command {
  cmd.addHelpText('after', CONNECTION_PASSWORD_HELP);
  return cmd
    .option('-h, --host <host>', 'database server host or socket directory (env PGHOST)')
    .option('-p, --port <port>', 'database server port (env PGPORT)')
    .option('-U, --username <user>', 'database user (env PGUSER)');
}

export function addDumpFlags(cmd: Command): Command {
  return cmd
    .option('-j, --jobs <n>', 'read table data over N connections sharing one snapshot', '1')
    .option('--stable-order', 'read tables with a primary key in key order (better deduplication)')
    .option('--serializable-deferrable', 'wait for a snapshot free of serialization anomalies')
    .option('--lock-wait-timeout <ms>', 'fail if a table lock is not granted within this many milliseconds')
    .option('-n, --schema <pattern>', 'dump only matching schemas (repeatable)', collectList)
    .option('-N, --exclude-schema <pattern>', 'do not dump matching schemas (repeatable)', collectList)
    .option('-t, --table <pattern>', 'dump only matching tables (repeatable)', collectList)
    .option('-T, --exclude-table <pattern>', 'do not dump matching tables (repeatable)', collectList)
    .option('--exclude-table-data <pattern>', 'dump the definition but not the data of matching tables (repeatable)', collectList)
    .option('--no-owner', 'do not output commands to set ownership of objects')
    .option('--no-privileges', 'do not output GRANT/REVOKE commands')
    .option('--allow-unsupported', 'dump even if the database holds objects pgvault cannot write (they are listed as warnings and in the snapshot); by default such a dump fails');
}

function positiveInt(v: string | undefined, flag: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${flag} must be a whole number (got ${v})`);
  return n;
}

export function connectionOf(dbname: string | undefined, f: DumpFlags): ConnectionOptions {
  const args: { dbname?: string; host?: string; port?: number; user?: string } = {};
  if (dbname !== undefined) args.dbname = dbname;
  if (f.host !== undefined) args.host = f.host;
  const port = positiveInt(f.port, '--port', 65535);
  if (port !== undefined) args.port = port;
  if (f.username !== undefined) args.user = f.username;
  return connectionFromArgs(args);
}

export function dumpOptionsOf(f: DumpFlags): DumpOptions {
  const o: DumpOptions = {};
  const jobs = positiveInt(f.jobs, '--jobs', 64);
  if (jobs !== undefined) o.jobs = Math.max(1, jobs);
  if (f.stableOrder !== undefined) o.stableOrder = f.stableOrder;
  if (f.serializableDeferrable) o.serializableDeferrable = true;
  const lw = positiveInt(f.lockWaitTimeout, '--lock-wait-timeout');
  if (lw !== undefined) o.lockWaitTimeoutMs = lw;
  if (f.schema) o.schemas = f.schema;
  if (f.excludeSchema) o.excludeSchemas = f.excludeSchema;
  if (f.table) o.tables = f.table;
  if (f.excludeTable) o.excludeTables = f.excludeTable;
  if (f.excludeTableData) o.excludeTableData = f.excludeTableData;
  if (f.owner === false) o.noOwner = true;
  if (f.privileges === false) o.noPrivileges = true;
  if (f.allowUnsupported) o.allowUnsupported = true;
  return o;
}
