/**
 * The machine a benchmark ran on: CPU, cores, memory, kernel, Node, and the load average (this
 * machine may be shared, so every report records the load at start and end and warns above 1.5).
 */
import { cpus, loadavg, release, totalmem, freemem, hostname } from 'node:os';

export interface Load { one: number; five: number; fifteen: number; at: string }

export interface MachineInfo {
  host: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  kernel: string;
  node: string;
}

/** Load average above which figures are flagged as unreliable (2-core machine shared with others). */
export const LOAD_WARN = 1.5;

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    host: hostname(),
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30 * 10) / 10,
    freeMemoryGiB: Math.round(freemem() / 2 ** 30 * 10) / 10,
    kernel: release(),
    node: process.version,
  };
}

export function currentLoad(): Load {
  const [one, five, fifteen] = loadavg();
  const r = (x: number | undefined): number => Math.round((x ?? 0) * 100) / 100;
  return { one: r(one), five: r(five), fifteen: r(fifteen), at: new Date().toISOString() };
}

export function describeLoad(l: Load): string {
  return `${l.one.toFixed(2)} / ${l.five.toFixed(2)} / ${l.fifteen.toFixed(2)} (1/5/15 min) at ${l.at.slice(11, 19)} UTC`;
}

/** A warning line when any of the loads exceeds LOAD_WARN, else null. */
export function loadWarning(loads: Load[]): string | null {
  const worst = Math.max(...loads.map((l) => l.one));
  if (worst <= LOAD_WARN) return null;
  return `WARNING: the machine was loaded by other work (1-min load average up to ${worst.toFixed(2)} on ` +
    `${machineInfo().cores} cores, above ${LOAD_WARN}); wall times are inflated and less reliable. Ratios measured in the same run ` +
    'are more robust than absolute figures.';
}
