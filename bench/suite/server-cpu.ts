/**
 * CPU seconds a PostgreSQL cluster has used so far, read from /proc (Linux): the postmaster's own time,
 * the time of the children it has reaped (backends that ended), and the time of its live children
 * (checkpointer, WAL writer, backends still connected). The difference around a command is the
 * server-side CPU of that command, a number that moves much less than wall time on a shared machine.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PgCluster } from '../../test/helpers/pg.js';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** Fields of /proc/PID/stat after the command name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14). */
function statFields(pid: number): string[] | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

export async function serverCpuSeconds(c: PgCluster): Promise<number> {
  const dir = (await c.query<{ data_directory: string }>('postgres', 'SHOW data_directory'))[0]!.data_directory;
  const pm = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const own = statFields(pm);
  if (!own) throw new Error(`no process ${pm} (the postmaster of ${dir})`);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const f = statFields(Number(e));
    if (f && Number(f[1]) === pm) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
