/**
 * Byte strings on a pg connection: every text the server sends is decoded one byte per character (Latin-1), and
 * every text we send is encoded the same way, so a JavaScript string holds exactly the server's bytes.
 *
 * Why: a SQL_ASCII database stores bytes unchecked (Latin-1 names, broken UTF-8 in comments and data). pg_dump passes
 * them through by using the database encoding as client encoding; node-postgres decodes every text as UTF-8
 * (invalid bytes become U+FFFD, so names and definitions would be corrupted) and encodes every text as UTF-8. On a
 * session with `client_encoding = SQL_ASCII`, this mode makes the driver byte-exact: the dump's schema text is built
 * from byte strings and written out with `Buffer.from(text, 'latin1')`, byte for byte what the catalogs hold.
 *
 * How: node-postgres parses the socket with pg-protocol's Parser, created inside pg's Connection; this replaces
 * that parser (pg's only 'data' listener on the socket) with one whose reader decodes Latin-1, forwarding messages
 * exactly as pg's own listener does, and replaces the connection's `query` and `parse` (simple query and prepared
 * statement text) with Latin-1 serializers; bound parameter values that are not ASCII are sent as their Latin-1
 * bytes (binary format, which for text and name parameters is the bytes themselves). Call it between queries
 * (no response pending), once per connection.
 */
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type pg from 'pg';

interface ProtocolMessage { name: string }
interface PgProtocolParser {
  reader: { encoding: string };
  parse(buffer: Buffer, callback: (msg: ProtocolMessage) => void): void;
}
interface PgProtocol { Parser: new () => PgProtocolParser }

interface BindConfig { valueMapper?: (value: unknown, index: number) => unknown; [k: string]: unknown }
interface PgConnection extends EventEmitter {
  stream: Socket;
  _emitMessage?: boolean;
  _send(buffer: Buffer): boolean;
  query(text: string): void;
  parse(query: { name?: string; text: string; types?: number[] }): void;
  bind(config: BindConfig): void;
}

// pg-protocol is node-postgres's own dependency: resolve it from pg, so it is the very module pg uses (its package
// exports `./dist/*`; the Parser class is not re-exported by its index).
const requireFromPg = createRequire(createRequire(import.meta.url).resolve('pg'));
const protocol = requireFromPg('pg-protocol/dist/parser') as PgProtocol;

const NON_ASCII = /[^\x00-\x7f]/;
const applied = new WeakSet<object>();

/** One frontend message: type byte, int32 length, then the parts (strings NUL-terminated, Latin-1). */
function message(type: string, parts: (string | Buffer)[]): Buffer {
  const bodies = parts.map((p) => (typeof p === 'string' ? Buffer.concat([Buffer.from(p, 'latin1'), Buffer.alloc(1)]) : p));
  const length = 4 + bodies.reduce((n, b) => n + b.length, 0);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeUInt32BE(length, 1);
  return Buffer.concat([head, ...bodies]);
}

function checkLatin1(text: string, what: string): void {
  // A character above U+00FF has no byte: it cannot come from a byte-string session, so it is a programming error.
  if (/[^\x00-\xff]/.test(text)) throw new Error(`internal error: ${what} holds characters that are not bytes on a byte-string connection`);
}

/** Switch `client`'s connection to byte strings (see above). Idempotent. */
export function useByteStrings(client: pg.Client): void {
  const connection = (client as unknown as { connection: PgConnection }).connection;
  if (applied.has(connection)) return;
  const socket = connection.stream;
  const listeners = socket.listeners('data');
  if (listeners.length !== 1) throw new Error(`unexpected pg connection state: ${listeners.length} data listeners`);
  const parser = new protocol.Parser();
  parser.reader.encoding = 'latin1';
  socket.removeListener('data', listeners[0] as (b: Buffer) => void);
  // As pg's Connection.attachListeners.
  socket.on('data', (buffer: Buffer) => parser.parse(buffer, (msg) => {
    const eventName = msg.name === 'error' ? 'errorMessage' : msg.name;
    if (connection._emitMessage) connection.emit('message', msg);
    connection.emit(eventName, msg);
  }));
  connection.query = (text: string): void => {
    checkLatin1(text, 'a query');
    connection._send(message('Q', [text]));
  };
  connection.parse = (query): void => {
    checkLatin1(query.text, 'a query');
    const types = query.types ?? [];
    const tail = Buffer.alloc(2 + 4 * types.length);
    tail.writeInt16BE(types.length, 0);
    types.forEach((t, i) => tail.writeUInt32BE(t, 2 + 4 * i));
    connection._send(message('P', [query.name ?? '', query.text, tail]));
  };
  const bind = connection.bind.bind(connection);
  connection.bind = (config: BindConfig): void => {
    const mapper = config.valueMapper;
    bind({
      ...config,
      valueMapper: (value: unknown, index: number): unknown => {
        const v = mapper ? mapper(value, index) : value;
        if (typeof v === 'string' && NON_ASCII.test(v)) {
          checkLatin1(v, 'a query parameter');
          return Buffer.from(v, 'latin1');
        }
        return v;
      },
    });
  };
  applied.add(connection);
}
