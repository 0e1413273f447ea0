/**
 * Live progress on stderr: one redrawn line for people, or with --json one JSON object per line (modelled on
 * restic's `status` messages). Drawn at most every `intervalMs` (250 ms; 1 s as JSON); never when stderr is not a
 * terminal (cron mail and log files stay clean); nothing with -q. Colour unless NO_COLOR is set (or TERM=dumb).
 * The library reports progress (src/progress); this file only draws it.
 */
import { styleText } from 'node:util';
import type { OnProgress, Progress } from '../progress/types.js';
import { formatBytes } from './output.js';

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  json?: boolean;
  quiet?: boolean;
  stream?: ProgressStream;
  env?: NodeJS.ProcessEnv;
  /** Clock in ms (tests inject one). */
  now?: () => number;
  intervalMs?: number;
}

export interface ProgressRenderer {
  /** Pass this to the library as `onProgress`. */
  readonly update: OnProgress;
  /** Clear the line (terminal) before the command prints its result. */
  done(): void;
}

const NONE: ProgressRenderer = { update: () => {}, done: () => {} };

/** Clears the progress line currently on the terminal, if any (the logger calls it before writing a line). */
let clearVisible: (() => void) | null = null;
export function clearProgressLine(): void {
  clearVisible?.();
}

function clock(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '-';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

interface Figures { elapsed: number; rate: number; fraction: number | undefined; eta: number | undefined }

function figures(p: Progress, elapsedMs: number): Figures {
  const elapsed = elapsedMs / 1000;
  const rate = elapsed > 0 ? p.done / elapsed : 0;
  // An estimated total can be passed (relation sizes are not dump sizes): then stay below 100 % until the end.
  const fraction = p.total && p.total > 0 ? Math.min(p.estimated ? 0.99 : 1, p.done / p.total) : undefined;
  const eta = fraction !== undefined && rate > 0 && p.total ? Math.max(0, p.total - p.done) / rate : undefined;
  return { elapsed, rate, fraction, eta };
}

/** One terminal line: `backup bus  123.4 MiB / ~335.0 MiB  36.8 %  21.3 MiB/s  ETA 0:10  public.rental`. */
export function formatProgressLine(p: Progress, elapsedMs: number, o: { color?: boolean; columns?: number } = {}): string {
  const f = figures(p, elapsedMs);
  const size = p.unit === 'objects' ? (n: number) => `${n}` : formatBytes;
  const total = p.total === undefined ? '' : ` / ${p.estimated ? '~' : ''}${size(p.total)}${p.unit === 'objects' ? ' objects' : ''}`;
  const parts = [
    `${p.operation}${p.database ? ` ${p.database}` : ''}`,
    `${size(p.done)}${total}`,
    f.fraction === undefined ? '' : `${(100 * f.fraction).toFixed(1)} %`,
    p.unit === 'objects' ? '' : `${formatBytes(Math.round(f.rate))}/s`,
    f.eta === undefined ? `elapsed ${clock(f.elapsed)}` : `ETA ${clock(f.eta)}`,
  ].filter((x) => x !== '');
  let line = parts.join('  ');
  const columns = o.columns ?? 100;
  if (p.item) {
    const room = columns - 1 - line.length - 2;
    if (room >= 8) {
      const item = p.item.length > room ? `…${p.item.slice(p.item.length - room + 1)}` : p.item;
      line += `  ${o.color ? styleText('cyan', item, { validateStream: false }) : item}`;
    }
  }
  return line.length > columns - 1 && !p.item ? line.slice(0, columns - 1) : line;
}

/** restic-style status object for --json. */
export function progressJson(p: Progress, elapsedMs: number): Record<string, unknown> {
  const f = figures(p, elapsedMs);
  return {
    message_type: 'status', operation: p.operation,
    ...(p.database ? { database: p.database } : {}),
    seconds_elapsed: Math.round(f.elapsed),
    ...(f.eta !== undefined ? { seconds_remaining: Math.round(f.eta) } : {}),
    ...(f.fraction !== undefined ? { percent_done: Number(f.fraction.toFixed(4)) } : {}),
    [p.unit === 'objects' ? 'objects_done' : 'bytes_done']: p.done,
    ...(p.total !== undefined ? { [p.unit === 'objects' ? 'total_objects' : 'total_bytes']: p.total, ...(p.estimated ? { total_estimated: true } : {}) } : {}),
    ...(p.item ? { current_item: p.item } : {}),
  };
}

export function createProgressRenderer(o: ProgressOptions = {}): ProgressRenderer {
  const stream = o.stream ?? process.stderr;
  const env = o.env ?? process.env;
  const now = o.now ?? Date.now;
  if (o.quiet) return NONE;
  // Never when stderr is not a terminal (cron mail and log files stay clean), JSON or not.
  if (stream.isTTY !== true) return NONE;
  const json = o.json === true;
  const color = !json && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
  const interval = o.intervalMs ?? (json ? 1000 : 250);
  const started = now();
  let last = started;
  let shown = false;
  const clear = (): void => {
    if (shown) stream.write('\r\x1b[K');
    shown = false;
  };
  return {
    update(p: Progress): void {
      const t = now();
      if (t - last < interval) return;
      last = t;
      if (json) {
        stream.write(JSON.stringify(progressJson(p, t - started)) + '\n');
      } else {
        stream.write(`\r\x1b[K${formatProgressLine(p, t - started, { color, columns: stream.columns ?? 100 })}`);
        shown = true;
        clearVisible = clear;
      }
    },
    done(): void {
      clear();
      if (clearVisible === clear) clearVisible = null;
    },
  };
}
