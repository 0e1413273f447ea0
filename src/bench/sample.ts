/**
 * Read a database the way `pgvault backup` does (one REPEATABLE READ READ ONLY snapshot, COPY per
 * table), without storing anything: catalog-read time, COPY rate per table, and a bounded in-memory
 * sample of the script for the CPU stages. Stops after `limitBytes` (the transaction then ends).
 */
import type { ConnectionOptions } from '../db/connection.js';
import { dumpDatabase, type DumpOptions } from '../dump/index.js';
import type { StageResult, TableRate } from './types.js';

export interface SampleResult {
  serverVersion: string;
  database: string;
  /** Time from connecting to the first part (snapshot, session set-up, catalog read, locks). */
  catalogSeconds: number;
  tables: TableRate[];
  /** Bytes read in total (all parts, up to the limit). */
  bytes: number;
  seconds: number;
  /** The first `keepBytes` of the script, in the dump's own buffers. */
  sample: Uint8Array[];
  sampleBytes: number;
}

const now = (): number => Number(process.hrtime.bigint()) / 1e9;

/** Read the dump up to `limitBytes`, keeping the first `keepBytes` in memory. */
export async function readSample(conn: ConnectionOptions, dumpOpts: DumpOptions, limitBytes: number, keepBytes: number,
  onTable?: (t: TableRate) => void): Promise<SampleResult> {
  const t0 = now();
  const dump = dumpDatabase(conn, dumpOpts);
  const tables: TableRate[] = [];
  const sample: Uint8Array[] = [];
  let sampleBytes = 0;
  let bytes = 0;
  let catalogSeconds = -1;
  let stopped = false;
  try {
    for (;;) {
      const next = await dump.next();
      if (next.done) break;
      if (catalogSeconds < 0) catalogSeconds = now() - t0;
      const part = next.value;
      const ts = now();
      let partBytes = 0;
      for await (const piece of part.stream) {
        partBytes += piece.length;
        if (sampleBytes < keepBytes) {
          const take = piece.subarray(0, keepBytes - sampleBytes);
          sample.push(Uint8Array.from(take));
          sampleBytes += take.length;
        }
        if (bytes + partBytes >= limitBytes) { stopped = true; break; }
      }
      bytes += partBytes;
      if (part.kind === 'table-data') {
        const secs = now() - ts;
        const st = stopped ? undefined : part.stats();
        const t: TableRate = { table: part.name, bytes: partBytes, rows: st?.rows ?? -1, seconds: secs, mbPerSec: partBytes / 1e6 / Math.max(secs, 1e-6) };
        tables.push(t);
        onTable?.(t);
      }
      if (stopped) break;
    }
  } finally {
    await dump.return(undefined as never).catch(() => undefined);
  }
  let serverVersion = '';
  let database = '';
  try {
    const s = dump.summary();
    serverVersion = s.serverVersion;
    database = s.database;
  } catch { /* stopped early: no summary */ }
  return { serverVersion, database, catalogSeconds: Math.max(0, catalogSeconds), tables, bytes, seconds: now() - t0, sample, sampleBytes };
}

export function copyStage(s: SampleResult): StageResult {
  const copyBytes = s.tables.reduce((n, t) => n + t.bytes, 0);
  const copySecs = s.tables.reduce((n, t) => n + t.seconds, 0);
  return {
    stage: 'copy', label: 'database read (COPY ... TO STDOUT, all tables read)', path: 'backup',
    mbPerSec: copySecs > 0 ? copyBytes / 1e6 / copySecs : null, seconds: copySecs, bytes: copyBytes,
    detail: { tables: s.tables.length },
  };
}
