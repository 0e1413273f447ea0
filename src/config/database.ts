/** A configured database → connection and dump options for backupDatabase(). */
import { parseConnectionUrl, type ConnectionOptions, type SslMode } from '../db/connection.js';
import type { DumpOptions } from '../dump/index.js';
import { ConfigError } from '../errors.js';
import { registerSecret } from '../redact.js';
import { readSecretFileSync } from '../secret-file.js';
import type { DatabaseConfig } from './types.js';

export function connectionFor(d: DatabaseConfig): ConnectionOptions {
  const o: ConnectionOptions = d.url ? parseConnectionUrl(d.url) : {};
  if (d.host !== undefined) o.host = d.host;
  if (d.port !== undefined) o.port = d.port;
  if (d.user !== undefined) o.user = d.user;
  if (d.dbname !== undefined) o.database = d.dbname;
  if (o.database === undefined) o.database = d.name;
  if (d.sslmode !== undefined) o.sslmode = d.sslmode as SslMode;
  if (d.passwordFile) {
    const pw = readSecretFileSync(d.passwordFile, `password file of database ${d.name}`);
    if (pw === '') throw new ConfigError(`the password file of database ${d.name} (${d.passwordFile}) is empty`);
    registerSecret(pw);
    o.password = pw;
  }
  if (o.password) registerSecret(o.password);
  return o;
}

export function dumpOptionsFor(d: DatabaseConfig): DumpOptions {
  const o: DumpOptions = {};
  if (d.jobs !== undefined) o.jobs = d.jobs;
  if (d.stableOrder !== undefined) o.stableOrder = d.stableOrder;
  if (d.schemas) o.schemas = d.schemas;
  if (d.excludeSchemas) o.excludeSchemas = d.excludeSchemas;
  if (d.tables) o.tables = d.tables;
  if (d.excludeTables) o.excludeTables = d.excludeTables;
  if (d.excludeTableData) o.excludeTableData = d.excludeTableData;
  if (d.noOwner) o.noOwner = true;
  if (d.noPrivileges) o.noPrivileges = true;
  if (d.allowUnsupported) o.allowUnsupported = true;
  return o;
}
