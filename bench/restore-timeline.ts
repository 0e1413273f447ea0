/**
 * `npm run bench:restore-timeline`: where the wall time of `restore --into … --create --jobs N` goes, next
 * to `gunzip | psql`, on a shared machine. Builds the suite's data set, backs it up, then runs each variant
 * (alternating, `--rounds` times) into a bare PostgreSQL 15 while sampling Linux's scheduler statistics
 * (bench/suite/proc-sampler.ts) of every process involved: pgvault's threads (its main thread apart), the
 * server's backends (one per connection, named by the restore's debug timeline) and its other processes
 * (parallel index-build workers, WAL writer, checkpointer), gunzip and psql. For each it reports CPU
 * seconds, run-queue seconds (runnable, but the cores were busy: the machine's load) and sleep seconds
 * (waiting for a peer: the design's), per job of the parallel load and in time buckets.
 *
 *   npm run bench:restore-timeline -- --scale 50 --events 2000000 --rounds 1 --variants 'j2;psql' [--jobs 2]
 *
 * Prints the report; `--out FILE` also writes it (Markdown).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDataset, PG_BIN } from './suite/dataset.js';
import { haveGnuTime, measure, type Measured } from './suite/measure.js';
import { pgvaultCli } from './suite/pgvault-cli.js';
import { descendants, ProcSampler, type ProcInfo, type Sample } from './suite/proc-sampler.js';
import { serverCpuSeconds } from './suite/server-cpu.js';
import { Pgvault, q } from './suite/tools.js';
import { startCluster, type PgCluster } from '../test/helpers/pg.js';
import pg from 'pg';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : dflt;
}

const log = (l: string): void => { process.stderr.write(`[bench:restore-timeline] ${l}\n`); };

interface Span { connection: number; what: string; from: number; to: number }

/** The parallel load's debug timeline: connection → backend pid, and the spans of what each connection did. */
export function parseTimeline(stderr: string): { backends: Map<number, number>; spans: Span[] } {
  const backends = new Map<number, number>();
  const open = new Map<string, number>();
  const spans: Span[] = [];
  for (const line of stderr.split('\n')) {
    const ts = Date.parse(line.slice(0, 24));
    let m = /parallel load: connection (\d+) is backend (\d+)$/.exec(line);
    if (m) { backends.set(Number(m[1]), Number(m[2])); continue; }
    m = /parallel load: connection (\d+) (starts|ends) (.*) at \d+ ms$/.exec(line);
    if (!m || Number.isNaN(ts)) continue;
    const key = `${m[1]}\u0000${m[3]}`;
    if (m[2] === 'starts') open.set(key, ts);
    else if (open.has(key)) { spans.push({ connection: Number(m[1]), what: m[3]!, from: open.get(key)!, to: ts }); open.delete(key); }
  }
  return { backends, spans };
}

type Role = string;

/** Seconds of run, run-queue wait and (wall minus both) sleep of a role between two instants, from the samples. */
interface Use { run: number; wait: number; present: number }

/** `roleOf`: the roles a process counts for, each with all its threads or its main thread only. */
type RoleOf = (p: ProcInfo) => { role: Role; mainThread?: boolean }[];

function usage(samples: readonly Sample[], roleOf: RoleOf, from: number, to: number): Map<Role, Use> {
  const out = new Map<Role, Use>();
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const lo = Math.max(a.at, from);
    const hi = Math.min(b.at, to);
    if (hi <= lo) continue;
    const f = (hi - lo) / (b.at - a.at);
    const seen = new Set<Role>();
    for (const [pid, pb] of b.procs) {
      const pa = a.procs.get(pid);
      if (!pa) continue;
      for (const { role, mainThread } of roleOf(pb.info)) {
        const [ta, tb] = mainThread ? [pa.main, pb.main] : [pa.all, pb.all];
        const u = out.get(role) ?? { run: 0, wait: 0, present: 0 };
        u.run += ((tb.runNs - ta.runNs) / 1e9) * f;
        u.wait += ((tb.waitNs - ta.waitNs) / 1e9) * f;
        if (!seen.has(role)) { u.present += (hi - lo) / 1000; seen.add(role); }
        out.set(role, u);
      }
    }
  }
  return out;
}

function machineBusy(samples: readonly Sample[], from: number, to: number): number {
  let busy = 0;
  let total = 0;
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    if (b.at <= from || a.at >= to) continue;
    busy += b.machine.busy - a.machine.busy;
    total += b.machine.total - a.machine.total;
  }
  return total ? busy / total : 0;
}

/** What each backend of the server was waiting for, polled from pg_stat_activity (none = on a CPU or runnable). */
interface WaitSample { at: number; pid: number; wait: string }

class WaitSampler {
  readonly samples: WaitSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  constructor(private readonly client: pg.Client, private readonly intervalMs = 100) {}
  start(): void {
    this.#timer = setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      const at = Date.now();
      this.client.query<{ pid: number; w: string }>(`SELECT pid, CASE WHEN state = 'active' OR wait_event_type IS DISTINCT FROM 'Client'
          THEN coalesce(wait_event_type || ':' || wait_event, 'CPU') ELSE coalesce(state, '?') || ':' || coalesce(wait_event, '') END AS w
        FROM pg_catalog.pg_stat_activity WHERE pid <> pg_catalog.pg_backend_pid() AND (datname = 'bench' OR backend_type = 'parallel worker')`)
        .then((r) => { for (const x of r.rows) this.samples.push({ at, pid: x.pid, wait: x.w }); })
        .catch(() => {}).finally(() => { this.#busy = false; });
    }, this.intervalMs);
  }
  stop(): void { if (this.#timer) clearInterval(this.#timer); }
  /** The share of each wait of `pid` between two instants, largest first. */
  of(pid: number, from: number, to: number): string {
    const n = new Map<string, number>();
    let all = 0;
    for (const x of this.samples) if (x.pid === pid && x.at >= from && x.at < to) { n.set(x.wait, (n.get(x.wait) ?? 0) + 1); all++; }
    return [...n].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([w, k]) => `${w} ${Math.round((100 * k) / all)}%`).join(', ');
  }
}

const pct = (x: number, wall: number): string => (wall > 0 ? `${Math.round((100 * x) / wall)}` : '');

async function main(): Promise<void> {
  if (!haveGnuTime()) throw new Error('GNU time (/usr/bin/time) is needed: apt-get install time');
  const scale = Number(arg('--scale', '12'));
  const events = Number(arg('--events', '500000'));
  const rounds = Number(arg('--rounds', '1'));
  const jobs = arg('--jobs', '2');
  const variants = arg('--variants', 'j2;psql').split(';').map((v) => v.trim()).filter(Boolean);
  const outFile = arg('--out', '');
  const buckets = Number(arg('--buckets', '24'));
  const work = mkdtempSync(join(tmpdir(), 'pgvault-bench-restore-timeline-'));
  const cli = await pgvaultCli(log);
  const ds = await buildDataset({ scale, events, log });
  const bare: PgCluster = await startCluster({ major: 15, settings: { shared_buffers: '256MB', autovacuum: 'off' } });
  const report: string[] = [];
  const say = (l = ''): void => { report.push(l); process.stdout.write(`${l}\n`); };
  try {
    const pv = new Pgvault({ name: 'pgvault', work, cli });
    await pv.init({ cheapKdf: true });
    const b = await pv.backup(ds.db, '2026-12-03T12:00:00Z');
    const gzDir = join(work, 'gz');
    mkdirSync(gzDir);
    await pv.cli(['restore', 'latest', '--target', gzDir]);
    const gz = join(gzDir, readdirSync(gzDir).find((f) => f.endsWith('.sql.gz'))!);
    const dataDir = (await bare.query<{ d: string }>('postgres', "SELECT pg_catalog.current_setting('data_directory') AS d"))[0]!.d;
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    // pg_restore's input: a directory-format dump of the source, made once.
    const fdDir = join(work, 'fd');
    if (variants.includes('pgr')) await measure({ cmd: join(PG_BIN, 'pg_dump'), args: ['-Fd', '-j', '2', '-f', fdDir, ...ds.db.conn, ds.db.database] });
    say(`# Restore timeline: pgbench scale ${scale} + ${events} events, ${(b.backup.size / 1e6).toFixed(0)} MB of SQL`);
    say();
    say(`${new Date().toISOString()}, PostgreSQL 15, Node ${process.version}, ${cli.how}; 1-minute load average ${loadavg()[0]!.toFixed(1)} at the start.`);

    for (let r = 0; r < rounds; r++) {
      for (const v of variants) {
        await bare.query('postgres', 'DROP DATABASE IF EXISTS bench WITH (FORCE)');
        await bare.query('postgres', 'CHECKPOINT');
        const me = process.pid;
        const sampler = new ProcSampler((all) => [...descendants(all, me), ...all.filter((p) => p.ppid === postmaster)], 100);
        const watcher = new pg.Client(bare.config('postgres'));
        await watcher.connect();
        const waits = new WaitSampler(watcher);
        waits.start();
        const s0 = await serverCpuSeconds(bare);
        const t0 = Date.now();
        sampler.start();
        let m: Measured;
        if (v === 'psql') {
          await bare.createDatabase('bench');
          m = await measure({ shell: `gunzip -c ${q(gz)} | ${q(join(PG_BIN, 'psql'))} -X -q -v ON_ERROR_STOP=1 -h ${bare.host} -p ${bare.port} -U ${bare.user} -d bench > /dev/null` });
        } else if (v === 'pgr') {
          await bare.createDatabase('bench');
          m = await measure({ cmd: join(PG_BIN, 'pg_restore'), args: ['-j', jobs, '-d', 'bench', '-h', bare.host, '-p', String(bare.port), '-U', bare.user, fdDir] });
        } else {
          m = await pv.cli(['restore', 'latest', '--into', bare.url('postgres'), '--create', '--jobs', v === 'j1' ? '1' : jobs], { globals: ['-v'] });
        }
        const samples = sampler.stop();
        const t1 = Date.now();
        waits.stop();
        await watcher.end();
        const server = (await serverCpuSeconds(bare)) - s0;
        const { backends, spans } = parseTimeline(m.stderr);
        if (v === 'psql' || v === 'pgr') {
          // Their backends in the order they appear (pg_restore's first one runs the schema).
          for (const x of samples) {
            for (const [pid, p] of x.procs) {
              if (p.info.ppid === postmaster && / bench /.test(p.info.cmdline) && ![...backends.values()].includes(pid)) backends.set(backends.size + 1, pid);
            }
          }
        }
        const conn = new Map([...backends].map(([c, pid]) => [pid, c]));
        const roleOf: RoleOf = (p) => {
          if (p.ppid === postmaster) {
            const c = conn.get(p.pid);
            return [{ role: c !== undefined ? `backend ${c}` : 'server, other' }];
          }
          if (p.comm === 'node') return [{ role: 'pgvault' }, { role: 'pgvault main thread', mainThread: true }];
          if (p.comm === 'gzip' || p.comm === 'gunzip' || p.comm === 'psql' || p.comm === 'pg_restore') return [{ role: p.comm }];
          return [];
        };
        const backendRoles = [...backends.keys()].sort((a, x) => a - x).map((c) => `backend ${c}`);
        const roles = v === 'psql' ? ['gzip', 'psql', ...backendRoles, 'server, other']
          : v === 'pgr' ? ['pg_restore', ...backendRoles, 'server, other']
            : ['pgvault', 'pgvault main thread', ...backendRoles, 'server, other'];
        const whole = usage(samples, roleOf, t0, t1);
        const wall = (t1 - t0) / 1000;
        say();
        say(`## round ${r + 1}: ${v === 'psql' ? 'gunzip | psql' : v === 'pgr' ? `pg_restore -j ${jobs} (of pg_dump -Fd)` : `pgvault restore --into --create --jobs ${v === 'j1' ? '1' : jobs}`}`);
        say();
        say(`wall ${m.wallSeconds.toFixed(1)} s; client CPU ${(m.userSeconds + m.sysSeconds).toFixed(1)} s (GNU time); server CPU ${server.toFixed(1)} s (/proc); ` +
          `machine busy ${(100 * machineBusy(samples, t0, t1)).toFixed(0)} % of its cores; load average ${loadavg()[0]!.toFixed(1)} after.`);
        say();
        const pidOf = (role: Role): number | undefined => {
          for (const x of samples) for (const [pid, p] of x.procs) if (roleOf(p.info).some((y) => y.role === role)) return pid;
          return undefined;
        };
        say('| process | CPU s | run-queue s | sleep s | present s | waits for (pg_stat_activity) |');
        say('|---|---:|---:|---:|---:|---|');
        for (const role of roles) {
          const u = whole.get(role);
          if (!u) continue;
          const waitsFor = role.startsWith('backend') ? waits.of(pidOf(role) ?? -1, t0, t1) : '';
          say(`| ${role} | ${u.run.toFixed(1)} | ${u.wait.toFixed(1)} | ${role === 'server, other' || role === 'pgvault' || role === 'pg_restore' ? '' : Math.max(0, u.present - u.run - u.wait).toFixed(1)} | ` +
            `${u.present.toFixed(1)} | ${waitsFor} |`);
        }
        if (spans.length) {
          say();
          say('| connection | what | from s | to s | wall s | its backend: CPU s | run-queue s | sleep s | pgvault CPU s in the span | the backend waits for (pg_stat_activity) |');
          say('|---:|---|---:|---:|---:|---:|---:|---:|---:|---|');
          for (const sp of [...spans].sort((a, x) => a.from - x.from)) {
            const u = usage(samples, roleOf, sp.from, sp.to);
            const be = u.get(`backend ${sp.connection}`);
            const w = (sp.to - sp.from) / 1000;
            say(`| ${sp.connection} | ${sp.what.replace(/\|/g, '\\|')} | ${((sp.from - t0) / 1000).toFixed(1)} | ${((sp.to - t0) / 1000).toFixed(1)} | ${w.toFixed(1)} | ` +
              `${be?.run.toFixed(1) ?? ''} | ${be?.wait.toFixed(1) ?? ''} | ${be ? Math.max(0, w - be.run - be.wait).toFixed(1) : ''} | ${u.get('pgvault')?.run.toFixed(1) ?? ''} | ` +
              `${waits.of(backends.get(sp.connection) ?? -1, sp.from, sp.to)} |`);
          }
        }
        say();
        const step = Math.max(0.5, Math.round((wall / buckets) * 2) / 2);
        say(`Per ${step} s: % of one core running (r) and waiting for a core (q); busy = the whole machine, % of all its cores.`);
        say();
        say(`| t s | ${roles.map((x) => `${x} r/q`).join(' | ')} | busy | ${spans.length ? [...backends.keys()].sort().map((c) => `connection ${c}`).join(' | ') : ''} |`);
        say(`|---:|${roles.map(() => '---:').join('|')}|---:|${spans.length ? [...backends.keys()].map(() => '---').join('|') : ''}|`);
        for (let a = t0; a < t1; a += step * 1000) {
          const z = Math.min(t1, a + step * 1000);
          const u = usage(samples, roleOf, a, z);
          const w = (z - a) / 1000;
          const cells = roles.map((role) => { const x = u.get(role); return x ? `${pct(x.run, w)}/${pct(x.wait, w)}` : ''; });
          const doing = !spans.length ? [] : [...backends.keys()].sort().map((c) => spans.filter((sp) => sp.connection === c && sp.from < z && sp.to > a)
            .map((sp) => sp.what.replace(/^the data of /, 'data ').replace(/\|/g, '\\|')).join(', '));
          say(`| ${((a - t0) / 1000).toFixed(1)} | ${cells.join(' | ')} | ${Math.round(100 * machineBusy(samples, a, z))} | ${doing.join(' | ')} |`);
        }
        log(`round ${r + 1} ${v}: wall ${m.wallSeconds.toFixed(1)} s`);
      }
    }
    if (outFile) writeFileSync(outFile, `${report.join('\n')}\n`);
  } finally {
    await bare.stop();
    await ds.cluster.stop();
    cli.cleanup();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`); process.exit(1); });
