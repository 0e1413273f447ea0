/**
 * The dump engine's hashing alone (src/dump/engine/hasher.ts): the whole script's SHA-256 (`pgvault dump`; every
 * row byte hashed twice, into its table's hash and the script's) against the segment digest that backups record
 * (src/dump/engine/segments.ts; every byte once), inline and in the worker thread.
 *
 *   npx tsx bench/hashing.ts [--size-mb 256] [--table-mb 16] [--rounds 5]
 *
 * Generated dump rows (bench/lib/dumpdata.ts) in 64 KiB pieces, as socket reads arrive, cut into tables of
 * `--table-mb` with a COPY line and a `\.` trailer between them; the contenders alternate per round. CPU is the
 * process's user + system time (worker threads included), per GB (10^9 bytes) of script; the median is reported.
 */
import { performance } from 'node:perf_hooks';
import { createHasher, type ScriptDigestKind } from '../src/dump/engine/hasher.js';
import { generateDumpSync } from './lib/dumpdata.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};

interface Contender { name: string; digest: ScriptDigestKind; inline: boolean }

const CONTENDERS: Contender[] = [
  { name: 'whole-script SHA-256 + tables (before; `pgvault dump`)', digest: 'sha256', inline: true },
  { name: 'segment digest (backups now)', digest: 'segments', inline: true },
  { name: 'whole-script SHA-256 + tables, worker thread', digest: 'sha256', inline: false },
  { name: 'segment digest, worker thread', digest: 'segments', inline: false },
];

async function once(c: Contender, pieces: Buffer[], tableBytes: number): Promise<{ cpu: number; wall: number; bytes: number }> {
  const header = Buffer.from('\n--\n-- Data for Name: t; Type: TABLE DATA; Schema: public; Owner: app\n--\n\nCOPY public.t (id, a, b, c) FROM stdin;\n');
  const trailer = Buffer.from('\\.\n\n\n');
  const h = createHasher({ digest: c.digest, inline: c.inline });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let bytes = 0;
  let inTable = 0;
  try {
    for (const p of pieces) {
      if (inTable === 0) {
        await h.scriptBytes(header);
        h.beginTable();
        bytes += header.length;
      }
      await h.tableBytes(p);
      bytes += p.length;
      inTable += p.length;
      if (inTable >= tableBytes) {
        await h.endTable();
        await h.scriptBytes(trailer);
        bytes += trailer.length;
        inTable = 0;
      }
    }
    if (inTable > 0) { await h.endTable(); await h.scriptBytes(trailer); bytes += trailer.length; }
    await h.endScript();
  } finally {
    await h.close();
  }
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - t0) / 1000, bytes };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const sizeMB = opt('size-mb', 256);
  const tableBytes = opt('table-mb', 16) * 1e6;
  const rounds = opt('rounds', 5);
  const pieces = [...generateDumpSync({ bytes: sizeMB * 1e6, bufferSize: 64 * 1024 })];
  const results = new Map<string, { cpu: number[]; wall: number[]; bytes: number }>();
  for (let r = 0; r < rounds; r++) {
    for (const c of CONTENDERS) {
      const m = await once(c, pieces, tableBytes);
      const e = results.get(c.name) ?? { cpu: [], wall: [], bytes: m.bytes };
      e.cpu.push(m.cpu);
      e.wall.push(m.wall);
      results.set(c.name, e);
    }
  }
  const { loadavg } = await import('node:os');
  console.log(`# bench/hashing.ts ${new Date().toISOString()}\n\n${sizeMB} MB of generated dump in 64 KiB pieces, tables of ${tableBytes / 1e6} MB; ` +
    `${rounds} rounds, medians; Node ${process.version}; 1-minute load at the end ${loadavg()[0]!.toFixed(1)}.\n`);
  console.log('| contender | CPU s per GB | wall s per GB | CPU s per GB, every round |\n|---|---:|---:|---|');
  for (const [name, e] of results) {
    const gb = e.bytes / 1e9;
    console.log(`| ${name} | ${(median(e.cpu) / gb).toFixed(2)} | ${(median(e.wall) / gb).toFixed(2)} | ${e.cpu.map((x) => (x / gb).toFixed(2)).join(' / ')} |`);
  }
}

await main();
