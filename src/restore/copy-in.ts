/**
 * The COPY ... FROM STDIN sink of a restore (pg-copy-streams), telling when the connection's socket has taken each
 * piece of data, so the buffer it is a view of can be freed at once (./cursor.ts, `lend`).
 *
 * pg-copy-streams writes each piece to the socket as a CopyData message (`flushChunk`) without asking when the
 * write is done. Here the socket's write callback reports it: Node.js calls it once the bytes are handed to the
 * kernel (or, on a TLS socket, encrypted), after which nothing holds the piece. A sink of another pg-copy-streams
 * version, without that method, is used as it is and gives nothing back: the buffers are then left to the
 * collector, as before.
 */
import { from as copyFrom } from 'pg-copy-streams';

type CopyFromStream = ReturnType<typeof copyFrom>;

/** pg-copy-streams 7's own members that this relies on. */
interface CopyFromInternals {
  connection: { stream: { write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean } } | null;
  flushChunk?: (chunk: Buffer) => boolean;
}

/** CopyData, 'd'. */
const COPY_DATA = 0x64;

/** The sink for `sql`; `written(piece)` is called for each piece once the socket no longer needs it. */
export function copyInSink(sql: string, written: (piece: Uint8Array) => void): CopyFromStream {
  const sink = copyFrom(sql);
  const own = sink as unknown as CopyFromInternals;
  if (typeof own.flushChunk !== 'function') return sink;
  own.flushChunk = (chunk: Buffer): boolean => {
    const socket = own.connection!.stream;
    const header = Buffer.allocUnsafe(5);
    header[0] = COPY_DATA;
    header.writeUInt32BE(chunk.length + 4, 1);
    socket.write(header);
    return socket.write(chunk, () => written(chunk));
  };
  return sink;
}
