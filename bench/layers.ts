/**
 * `npm run bench:layers`: what row-level layers (`backup --layers`, issue 15) cost and save on the reference
 * data set, side by side with a default (unlayered) repository in the same run: the full backup (CPU, peak RSS,
 * stored), a second backup of the unchanged database (the one that reads the parent's row lists: peak RSS),
 * S1 (pgbench for `--s1-seconds` + 1 % events appended + 0.5 % updated, as `npm run bench`), and restores of
 * the S1 snapshot to a `.sql.gz` file, alternating the two repositories `--restores` times (medians; the
 * issue's goal is a layered restore within 1.25× of an unlayered one in the same run). With `--base REV`, the
 * restores of the CLI built from git revision REV (e.g. main before a change) alternate with this checkout's, on the
 * same repositories, so a change to restores is measured before and after in one run.
 * The CLI runs as an operator runs it (bundled, under GNU time); storage does not depend on the load, CPU
 * seconds and RSS little, wall times a lot (the report records the load).
 *
 *   npm run bench:layers                                 # the 1 GB set (pgbench scale 50 + 2 M events)
 *   npm run bench:layers -- --scale 5 --events 200000    # ~100 MB
 *   npm run bench:layers -- --scale 20 --events 800000 --base f3e2c20   # restores: REV's CLI against this one
 * Results: bench/results/layers-<scale>-<YYYYmmdd-HHMM>.{md,json}.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { applyChanges, buildDataset, type Dataset } from './suite/dataset.js';
import { currentLoad, machineInfo, type Load } from './suite/machine.js';
import { haveGnuTime, type Measured } from './suite/measure.js';
import { pgvaultCli, pgvaultCliAt, ROOT, type CliRunner } from './suite/pgvault-cli.js';
import { Pgvault } from './suite/tools.js';

interface Args { scale: number; events: number; s1Seconds: number; restores: number; out: string; base?: string }

function parseArgs(argv: string[]): Args {
  const a: Args = { scale: 50, events: 2_000_000, s1Seconds: 30, restores: 3, out: join(ROOT, 'bench', 'results') };
  const num = (v: string | undefined, flag: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) { process.stderr.write(`${flag} needs a positive integer\n`); process.exit(2); }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i];
    if (f === '--scale') a.scale = num(argv[++i], f);
    else if (f === '--events') a.events = num(argv[++i], f);
    else if (f === '--s1-seconds') a.s1Seconds = num(argv[++i], f);
    else if (f === '--restores') a.restores = num(argv[++i], f);
    else if (f === '--out') a.out = argv[++i]!;
    else if (f === '--base') a.base = argv[++i]!;
    else { process.stderr.write(`unknown argument ${f}\nusage: npm run bench:layers -- [--scale N] [--events N] [--s1-seconds N] [--restores N] [--out DIR] [--base REV]\n`); process.exit(2); }
  }
  return a;
}

interface Row {
  step: string;
  tool: string;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  /** Repository growth (backups) or file size (restores), bytes. */
  bytes?: number;
  note?: string;
}

const log = (l: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${l}\n`); };
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
const cpu = (m: Measured): number => m.userSeconds + m.sysSeconds;
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!haveGnuTime()) { process.stderr.write('GNU time (/usr/bin/time) is needed\n'); process.exit(2); }
  const startedAt = new Date().toISOString();
  const loads: Load[] = [currentLoad()];
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-layers-'));
  const cli = await pgvaultCli(log);
  let baseCli: CliRunner | undefined;
  const rows: Row[] = [];
  let ds: Dataset | undefined;
  let changes: Awaited<ReturnType<typeof applyChanges>> | undefined;
  const add = (r: Row): void => {
    rows.push(r);
    log(`  ${r.step.padEnd(22)} ${r.tool.padEnd(18)} wall ${r.wallSeconds.toFixed(1)} s, cpu ${r.cpuSeconds.toFixed(1)} s, rss ${r.peakRssMiB.toFixed(0)} MiB` +
      (r.bytes !== undefined ? `, ${mib(r.bytes)}` : '') + (r.note ? `, ${r.note}` : ''));
  };
  try {
    ds = await buildDataset({ scale: args.scale, events: args.events, log });
    loads.push(currentLoad());
    const plain = new Pgvault({ name: 'pgvault', work, cli });
    const layered = new Pgvault({ name: 'pgvault --layers', work, cli, flags: ['--layers'] });
    for (const t of [plain, layered]) await t.init();
    const backup = async (step: string, time: string): Promise<void> => {
      for (const t of [plain, layered]) {
        const r = await t.backup(ds!.db, time);
        add({ step, tool: t.name, wallSeconds: r.wallSeconds, cpuSeconds: cpu(r), peakRssMiB: r.peakRssMiB, bytes: r.addedBytes, note: `script ${mib(r.backup.size)}` });
      }
      loads.push(currentLoad());
    };
    log('full backups ...');
    await backup('full', '2026-12-01T06:00:00Z');
    log('again, nothing changed ...');
    await backup('again (unchanged)', '2026-12-01T12:00:00Z');
    log(`S1: pgbench ${args.s1Seconds} s, 1 % events appended, 0.5 % updated ...`);
    changes = await applyChanges(ds, args.events, { pgbenchSeconds: args.s1Seconds, appendFraction: 0.01, updateFraction: 0.005, round: 1 });
    await backup('S1', '2026-12-01T18:00:00Z');
    // The same two repositories (and caches) restored by REV's CLI: named apart, located alike.
    const restorers = [plain, layered];
    if (args.base) {
      baseCli = await pgvaultCliAt(args.base);
      log(`--base: ${baseCli.how}`);
      const at = (t: Pgvault): Pgvault => new Pgvault({ name: t.name, work, cli: baseCli!, location: t.location, flags: t.flags });
      restorers.push(at(plain), at(layered));
    }
    const label = (i: number): string => (i >= 2 ? `${restorers[i]!.name} @${args.base}` : restorers[i]!.name);
    log('restores of the S1 snapshot to .sql.gz, alternating ...');
    for (let i = 0; i < args.restores; i++) {
      const order = restorers.map((_, k) => k);
      if (i % 2) order.reverse();
      for (const k of order) {
        const r = await restorers[k]!.restoreGz(join(work, 'restore'));
        add({ step: 'restore .sql.gz', tool: label(k), wallSeconds: r.wallSeconds, cpuSeconds: cpu(r), peakRssMiB: r.peakRssMiB, bytes: r.bytes });
      }
      loads.push(currentLoad());
    }
  } finally {
    await ds?.cluster.stop();
    cli.cleanup();
    baseCli?.cleanup();
    rmSync(work, { recursive: true, force: true });
  }

  const restoreOf = (tool: string): { wall: number; cpu: number; rss: number; bytes: number } => {
    const r = rows.filter((x) => x.step === 'restore .sql.gz' && x.tool === tool);
    return { wall: median(r.map((x) => x.wallSeconds)), cpu: median(r.map((x) => x.cpuSeconds)), rss: median(r.map((x) => x.peakRssMiB)), bytes: r[0]!.bytes! };
  };
  const p = restoreOf('pgvault');
  const l = restoreOf('pgvault --layers');
  const ratio = (tag: string, a: ReturnType<typeof restoreOf>, b: ReturnType<typeof restoreOf>): string =>
    `Restore of the S1 snapshot to .sql.gz${tag}, medians of ${args.restores}: pgvault ${a.wall.toFixed(1)} s wall / ${a.cpu.toFixed(1)} s CPU (${mib(a.bytes)}), ` +
    `--layers ${b.wall.toFixed(1)} s / ${b.cpu.toFixed(1)} s (${mib(b.bytes)}): **${(b.wall / a.wall).toFixed(2)}× wall, ${(b.cpu / a.cpu).toFixed(2)}× CPU** (goal ≤ 1.25×).`;
  const lines = [
    `# Row-level layers on pgbench scale ${args.scale} + ${args.events} events (${startedAt})`, '',
    `Machine: ${JSON.stringify(machineInfo())}; 1-min load at start and after each step: ${loads.map((x) => x.one.toFixed(1)).join(', ')}.`,
    `S1 changes: ${JSON.stringify(changes)}. CLI: ${cli.how}${baseCli ? `; --base ${args.base}: ${baseCli.how}` : ''}.`, '',
    '| step | tool | wall | CPU | peak RSS | stored / file |', '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.step} | ${r.tool} | ${r.wallSeconds.toFixed(1)} s | ${r.cpuSeconds.toFixed(1)} s | ${r.peakRssMiB.toFixed(0)} MiB | ${r.bytes !== undefined ? mib(r.bytes) : ''}${r.note ? ` (${r.note})` : ''} |`),
    '',
    ratio('', p, l),
    ...(args.base ? ['', ratio(` by --base ${args.base}`, restoreOf(`pgvault @${args.base}`), restoreOf(`pgvault --layers @${args.base}`)),
      `Layered restore, this checkout against --base: ${(l.wall / restoreOf(`pgvault --layers @${args.base}`).wall).toFixed(2)}× wall, ${(l.cpu / restoreOf(`pgvault --layers @${args.base}`).cpu).toFixed(2)}× CPU.`] : []),
  ];
  const stamp = startedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  mkdirSync(args.out, { recursive: true });
  const base = join(args.out, `layers-s${args.scale}-${stamp}`);
  writeFileSync(`${base}.md`, `${lines.join('\n')}\n`);
  writeFileSync(`${base}.json`, JSON.stringify({ startedAt, machine: machineInfo(), loads, args: { ...args, out: relative(ROOT, args.out) || '.' }, changes, rows }, null, 2));
  process.stdout.write(`${lines.join('\n')}\n\nwritten: ${relative(ROOT, base)}.{md,json}\n`);
}

await main();
