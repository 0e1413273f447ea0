/** Read a database's globals over a connection of its own (the backup calls this before it dumps). */
import { connect } from '../db/connect.js';
import type { ConnectionOptions, ResolvedConnection } from '../db/connection.js';
import { readGlobals, type ReadGlobalsOptions } from './read.js';
import type { GlobalsRecord } from './types.js';

export async function captureGlobals(conn: ConnectionOptions | ResolvedConnection, opts: ReadGlobalsOptions = {}): Promise<GlobalsRecord> {
  const c = await connect(conn);
  try {
    return await readGlobals(c.client, opts);
  } finally {
    await c.close();
  }
}
