/**
 * A small HTTP proxy on 127.0.0.1 in front of the local S3 server: delays every request by a fixed
 * time (simulating the round trip to a remote bucket) and counts requests by method and bytes sent.
 */
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RequestCounts { GET: number; PUT: number; HEAD: number; DELETE: number; POST: number; LIST: number; other: number; bytesUp: number }

export interface LatencyProxy {
  endpoint: string;
  /** Set the delay applied to requests from now on (ms). */
  setDelay(ms: number): void;
  counts: RequestCounts;
  reset(): void;
  stop(): Promise<void>;
}

function zero(): RequestCounts {
  return { GET: 0, PUT: 0, HEAD: 0, DELETE: 0, POST: 0, LIST: 0, other: 0, bytesUp: 0 };
}

export async function startLatencyProxy(targetEndpoint: string, delayMs = 0): Promise<LatencyProxy> {
  const target = new URL(targetEndpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let delay = delayMs;
  let counts = zero();
  const server: Server = createServer((req, res) => {
    const m = req.method ?? '';
    const isList = m === 'GET' && /[?&]list-type=2|[?&]versions/.test(req.url ?? '');
    if (isList) counts.LIST++;
    else if (m in counts && m !== 'LIST' && m !== 'other') (counts as unknown as Record<string, number>)[m]!++;
    else counts.other++;
    const body: Buffer[] = [];
    req.on('data', (b: Buffer) => { body.push(b); counts.bytesUp += b.length; });
    req.on('end', () => {
      setTimeout(() => {
        const up = request({ host: target.hostname, port: Number(target.port), method: m, path: req.url, headers: req.headers, agent }, (upRes) => {
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        });
        up.on('error', (e) => { if (!res.headersSent) res.writeHead(502); res.end(String(e)); });
        up.end(Buffer.concat(body));
      }, delay);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setDelay(ms) { delay = ms; },
    get counts() { return counts; },
    reset() { counts = zero(); },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
