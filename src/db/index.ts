/** Connection handling: libpq-compatible options, password file, checked connect with operator-grade errors. */
export {
  type ConnectionOptions, type ResolvedConnection, type SslMode,
  parseConnectionUrl, parseKeywordString, connectionFromArgs, resolveConnection, describeConnection, describeEndpoint,
} from './connection.js';
export { type Connection, type ConnectOptions, connect, connectError, checkServerVersion, MIN_SERVER_MAJOR, MAX_SERVER_MAJOR } from './connect.js';
export { type ServerIdentity, readServerIdentity } from './identity.js';
export { lookupPgpass, parsePgpassLine, pgpassPath } from './pgpass.js';
