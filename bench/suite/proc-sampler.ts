/**
 * Where a process's wall time goes, from Linux's scheduler statistics: /proc/PID/task/TID/schedstat gives,
 * per thread, the nanoseconds it ran on a CPU and the nanoseconds it waited on a run queue (runnable, but
 * the cores were busy with other work). The rest of the wall time the thread slept: it waited for
 * something (a socket, a peer, the disk). On a shared machine this separates "the machine was busy"
 * (run-queue wait) from "the work was waiting for itself" (sleep), which wall times alone cannot.
 *
 * A sampler polls every `intervalMs` the processes `select` picks (by parent, command line), plus
 * /proc/stat for the machine's busy share, and keeps the series for a report.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** '' unless read (procInfo's withCmdline). */
  cmdline: string;
}

export interface ThreadTimes {
  /** Nanoseconds on a CPU, summed over the process's threads (or the main thread only). */
  runNs: number;
  /** Nanoseconds runnable but waiting for a CPU. */
  waitNs: number;
}

export interface Sample {
  /** Date.now() of the sample. */
  at: number;
  /** Per sampled process: all threads, and its main thread alone. */
  procs: Map<number, { info: ProcInfo; all: ThreadTimes; main: ThreadTimes }>;
  /** /proc/stat: jiffies busy and total over all CPUs. */
  machine: { busy: number; total: number };
}

function read(path: string): string | null {
  try { return readFileSync(path, 'utf8'); } catch { return null; }
}

/** A process's parent and name; its command line only with `withCmdline` (one more file to read per process). */
export function procInfo(pid: number, withCmdline = false): ProcInfo | null {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return null;
  const close = stat.lastIndexOf(')');
  const comm = stat.slice(stat.indexOf('(') + 1, close);
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  const cmdline = withCmdline ? (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').trim() : '';
  return { pid, ppid, comm, cmdline };
}

export function allProcs(): ProcInfo[] {
  const out: ProcInfo[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const p = procInfo(Number(e));
    if (p) out.push(p);
  }
  return out;
}

/** Processes below `root` (children, grandchildren, ...). */
export function descendants(procs: readonly ProcInfo[], root: number): ProcInfo[] {
  const kids = new Map<number, ProcInfo[]>();
  for (const p of procs) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const out: ProcInfo[] = [];
  const walk = (pid: number): void => { for (const k of kids.get(pid) ?? []) { out.push(k); walk(k.pid); } };
  walk(root);
  return out;
}

function schedstat(path: string): ThreadTimes | null {
  const s = read(path);
  if (!s) return null;
  const [run, wait] = s.trim().split(' ').map(Number);
  return { runNs: run ?? 0, waitNs: wait ?? 0 };
}

function threadTimes(pid: number): { all: ThreadTimes; main: ThreadTimes } | null {
  let tids: string[];
  try { tids = readdirSync(`/proc/${pid}/task`); } catch { return null; }
  const all = { runNs: 0, waitNs: 0 };
  let main = { runNs: 0, waitNs: 0 };
  for (const t of tids) {
    const x = schedstat(`/proc/${pid}/task/${t}/schedstat`);
    if (!x) continue;
    all.runNs += x.runNs;
    all.waitNs += x.waitNs;
    if (Number(t) === pid) main = x;
  }
  return { all, main };
}

function machine(): { busy: number; total: number } {
  const line = (read('/proc/stat') ?? '').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = line.reduce((a, b) => a + b, 0);
  const idle = (line[3] ?? 0) + (line[4] ?? 0);
  return { busy: total - idle, total };
}

export class ProcSampler {
  readonly samples: Sample[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `select` picks the processes to follow from all processes (called every sample: processes come and go). */
  constructor(private readonly select: (all: readonly ProcInfo[]) => ProcInfo[], private readonly intervalMs = 100) {}

  start(): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): Sample[] {
    if (this.#timer) clearInterval(this.#timer);
    this.sample();
    return this.samples;
  }

  sample(): void {
    const procs = new Map<number, { info: ProcInfo; all: ThreadTimes; main: ThreadTimes }>();
    for (const picked of this.select(allProcs())) {
      const info = procInfo(picked.pid, true) ?? picked;
      const t = threadTimes(info.pid);
      if (t) procs.set(info.pid, { info, ...t });
    }
    this.samples.push({ at: Date.now(), procs, machine: machine() });
  }
}
