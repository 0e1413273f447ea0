/**
 * `npm run bench`: build the reference data set in a throwaway PostgreSQL 15 and run every tool through
 * every scenario (see docs/benchmarks.md). Results go to bench/results/<preset>-<time>.{md,json}.
 *
 *   npm run bench                          # the 1 GB set (pgbench scale 50 + 2 M events): ~30 min on 2 cores
 *   npm run bench -- --smoke               # tiny set, seconds (what test/bench/smoke.test.ts runs)
 *   npm run bench -- --size 4gb            # scale 200 + 8 M events (full and change rounds; no S3, no week)
 *   npm run bench -- --only week --scale 5 --events 200000   # just the week of twice-daily runs
 *   npm run bench -- --scale 10 --events 400000 --week-runs 6 --no-s3 --latency 50 --concurrency 2,8,32
 */
import { join } from 'node:path';
import { haveGnuTime } from './suite/measure.js';
import { ROOT } from './suite/pgvault-cli.js';
import { writeReport } from './suite/report.js';
import { PRESETS, runSuite, type SuiteOptions } from './suite/suite.js';

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npm run bench -- [--smoke | --size 1gb|4gb] [--scale N] [--events N] [--s1-seconds N] ` +
    '[--week-runs N] [--latency MS] [--concurrency a,b,c] [--no-s3] [--only main,s3,week] [--week-changes mixed|append] [--out DIR]\n');
  process.exit(2);
}

export function parseArgs(argv: string[]): { opts: Omit<SuiteOptions, 'log'>; out: string } {
  let preset = '1gb';
  if (argv.includes('--smoke')) preset = 'smoke';
  const si = argv.indexOf('--size');
  if (si >= 0) preset = (argv[si + 1] ?? '').toLowerCase();
  const p = PRESETS[preset];
  if (!p) usage(`unknown size preset "${preset}" (known: ${Object.keys(PRESETS).join(', ')})`);
  const opts: Omit<SuiteOptions, 'log'> = { preset, ...p };
  let out = join(ROOT, 'bench', 'results');
  const num = (i: number, flag: string): number => {
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v < 0) usage(`${flag} needs a number ≥ 0`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    switch (argv[i]) {
      case '--smoke': case '--size': if (argv[i] === '--size') i++; break;
      case '--scale': opts.scale = num(i++, '--scale'); opts.preset = 'custom'; break;
      case '--events': opts.events = num(i++, '--events'); opts.preset = 'custom'; break;
      case '--s1-seconds': opts.s1Seconds = num(i++, '--s1-seconds'); break;
      case '--week-runs': opts.weekRuns = num(i++, '--week-runs'); break;
      case '--latency': opts.latencyMs = num(i++, '--latency'); break;
      case '--concurrency': opts.concurrencies = (argv[++i] ?? '').split(',').map(Number).filter((n) => n > 0); break;
      case '--no-s3': opts.s3 = false; break;
      case '--week-changes': {
        const v = argv[++i];
        if (v !== 'mixed' && v !== 'append') usage('--week-changes is mixed or append');
        opts.weekChanges = v;
        break;
      }
      case '--only': {
        const only = new Set((argv[++i] ?? '').split(','));
        opts.main = only.has('main'); opts.s3 = opts.s3 && only.has('s3');
        if (!only.has('week')) opts.weekRuns = 0;
        break;
      }
      case '--out': out = argv[++i] ?? usage('--out needs a directory'); break;
      default: usage(`unknown argument ${argv[i]}`);
    }
  }
  return { opts, out };
}

async function main(): Promise<void> {
  if (!haveGnuTime()) usage('GNU time (/usr/bin/time) is missing: apt-get install time');
  const { opts, out } = parseArgs(process.argv.slice(2));
  const log = (l: string): void => { process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${l}\n`); };
  log(`preset ${opts.preset}: pgbench scale ${opts.scale} + ${opts.events} events`);
  const r = await runSuite({ ...opts, log });
  const stamp = r.startedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  const latest = writeReport(r, out, `${opts.preset}-${stamp}`);
  process.stdout.write(`${latest.md}\n`);
}

await main();
