/**
 * A minimal PostgreSQL wire-protocol server that claims to be any version, for testing what pgvault does
 * with servers no binary is available for (12 and older, 19 and newer). It refuses TLS, accepts any
 * user without a password, reports `server_version` in the startup parameters, answers the simple-query
 * `current_setting('server_version_num')` / `current_setting('server_version')` probe, and fails every
 * other query with an error that names it. Every query text it receives is recorded.
 */
import { createServer, type Server, type Socket } from 'node:net';

export interface FakePgServer {
  port: number;
  /** Query texts received, in order. */
  queries: string[];
  close(): Promise<void>;
}

function msg(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}
const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
const int32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const int16 = (n: number): Buffer => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };

function rowDescription(names: string[]): Buffer {
  // Each field: name, table oid 0, column 0, type oid 25 (text), size -1, typmod -1, format 0 (text).
  return msg('T', Buffer.concat([int16(names.length), ...names.map((n) => Buffer.concat([cstr(n), int32(0), int16(0), int32(25), int16(-1), int32(-1), int16(0)]))]));
}
function dataRow(values: string[]): Buffer {
  return msg('D', Buffer.concat([int16(values.length), ...values.map((v) => { const b = Buffer.from(v, 'utf8'); return Buffer.concat([int32(b.length), b]); })]));
}
const ready = (): Buffer => msg('Z', Buffer.from('I'));
function errorResponse(text: string): Buffer {
  return msg('E', Buffer.concat([cstr('SERROR'), cstr('VERROR'), cstr('C0A000'), cstr(`M${text}`), Buffer.from([0])]));
}

/** Start a fake server that reports `serverVersion` (e.g. `12.22`) and `serverVersionNum` (e.g. 120022). */
export async function startFakePgServer(serverVersion: string, serverVersionNum: number): Promise<FakePgServer> {
  const queries: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let started = false;
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!started) {
          if (buf.length < 8) return;
          const len = buf.readInt32BE(0);
          if (buf.length < len) return;
          const code = buf.readInt32BE(4);
          buf = buf.subarray(len);
          if (code === 80877103 || code === 80877104) { sock.write('N'); continue; } // SSLRequest / GSSENCRequest: refused
          started = true;
          sock.write(Buffer.concat([
            msg('R', int32(0)),
            msg('S', Buffer.concat([cstr('server_version'), cstr(serverVersion)])),
            msg('S', Buffer.concat([cstr('server_encoding'), cstr('UTF8')])),
            msg('S', Buffer.concat([cstr('client_encoding'), cstr('UTF8')])),
            msg('S', Buffer.concat([cstr('standard_conforming_strings'), cstr('on')])),
            msg('S', Buffer.concat([cstr('integer_datetimes'), cstr('on')])),
            msg('K', Buffer.concat([int32(4242), int32(1)])),
            ready(),
          ]));
          continue;
        }
        if (buf.length < 5) return;
        const type = String.fromCharCode(buf[0]!);
        const len = buf.readInt32BE(1);
        if (buf.length < len + 1) return;
        const body = buf.subarray(5, len + 1);
        buf = buf.subarray(len + 1);
        if (type === 'X') { sock.end(); return; }
        if (type !== 'Q') { sock.write(Buffer.concat([errorResponse(`fake server: unsupported message ${type}`), ready()])); continue; }
        const sql = body.subarray(0, body.length - 1).toString('utf8');
        queries.push(sql);
        const cols = [...sql.matchAll(/current_setting\('(server_version(?:_num)?)'\)\s+AS\s+(\w+)/gi)];
        if (cols.length > 0) {
          const values = cols.map((m) => (m[1] === 'server_version_num' ? String(serverVersionNum) : serverVersion));
          sock.write(Buffer.concat([rowDescription(cols.map((m) => m[2]!)), dataRow(values), msg('C', cstr('SELECT 1')), ready()]));
        } else {
          sock.write(Buffer.concat([errorResponse(`fake server: no answer for ${sql.slice(0, 80)}`), ready()]));
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port, queries,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
