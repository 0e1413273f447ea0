/**
 * A TCP proxy on 127.0.0.1 that cuts a connection (both sides) once its client has sent more than
 * `cutAfterBytes` bytes: a database connection lost in the middle of a big load, deterministically
 * (the cut depends on bytes sent, not on time).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface CutProxy {
  port: number;
  /** Connections cut so far. */
  cuts: number;
  stop(): Promise<void>;
}

export async function startCutProxy(targetPort: number, cutAfterBytes: number): Promise<CutProxy> {
  const sockets = new Set<Socket>();
  const proxy: CutProxy = { port: 0, cuts: 0, stop: async () => {} };
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    let sent = 0;
    client.on('data', (b: Buffer) => {
      sent += b.length;
      if (sent > cutAfterBytes) {
        proxy.cuts++;
        client.destroy();
        upstream.destroy();
        return;
      }
      upstream.write(b);
    });
    upstream.pipe(client);
    const close = (): void => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.port = (server.address() as AddressInfo).port;
  proxy.stop = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  return proxy;
}
