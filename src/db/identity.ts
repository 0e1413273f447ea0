/**
 * Which PostgreSQL server a connection reaches: its `system_identifier` (unique per initdb; a physical
 * standby shares its primary's) and its port. Recorded in snapshot manifests as the source identity
 * (docs/format.md "Manifest versions").
 */
import { connect } from './connect.js';
import type { ConnectionOptions, ResolvedConnection } from './connection.js';

export interface ServerIdentity {
  /** Decimal `system_identifier`, or "" when this role may not call pg_control_system() (an administrator revoked it). */
  systemIdentifier: string;
  /** `inet_server_port()`; over a Unix socket (where it is NULL), the port of the socket's name. */
  port: number;
}

export async function readServerIdentity(conn: ConnectionOptions | ResolvedConnection): Promise<ServerIdentity> {
  const c = await connect(conn, { checkVersion: false });
  try {
    const p = await c.client.query<{ port: number | null }>('SELECT pg_catalog.inet_server_port() AS port');
    const port = p.rows[0]?.port ?? c.resolved.port;
    let systemIdentifier = '';
    try {
      const r = await c.client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()');
      systemIdentifier = r.rows[0]?.id ?? '';
    } catch {
      // Executable by every role unless revoked; without it the source is the configured name and port.
    }
    return { systemIdentifier, port };
  } finally {
    await c.close();
  }
}
