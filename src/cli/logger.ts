/**
 * The CLI's logger: timestamped lines on stderr (and optionally appended to a log file), every line
 * passed through redact() so passwords and keys never reach a log, and through escapeControl() so a
 * message is always exactly one line.
 */
import { appendFileSync } from 'node:fs';
import type { Logger } from '../log.js';
import { escapeControl } from '../escape.js';
import { redact } from '../redact.js';
import { LocalIoError } from '../errors.js';
import { clearProgressLine } from './progress.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface CliLoggerOptions {
  /** Lowest level written to stderr (default info). */
  level?: LogLevel;
  logFile?: string;
  /** Lowest level appended to the log file (default: `level`). */
  fileLevel?: LogLevel;
  /** Where console lines go (default process.stderr). */
  write?: (line: string) => void;
  /**
   * 'throw' (default): an unwritable log file is a LocalIoError at creation. 'continue': log to stderr only and
   * remember the problem in `fileError` (`pgvault run` must back up even when its log file is broken).
   */
  onFileError?: 'throw' | 'continue';
}

export interface CliLogger extends Logger {
  /** The last 200 lines (every level, redacted), e.g. for a failure ping. */
  readonly lines: string[];
  /** Why the log file could not be written, if it could not. */
  readonly fileError: string | undefined;
}

/**
 * Levels from the flags and the configuration's `log.level`: `-v` means debug everywhere; `-q` quiets stderr
 * (warnings and errors) but not the log file; otherwise `log.level` (default info) applies to both.
 */
export function cliLogLevels(flags: { verbose?: boolean; quiet?: boolean }, configured?: LogLevel): { level: LogLevel; fileLevel: LogLevel } {
  const base: LogLevel = flags.verbose ? 'debug' : configured ?? 'info';
  return { level: flags.quiet && !flags.verbose ? 'warn' : base, fileLevel: base };
}

export function createCliLogger(opts: CliLoggerOptions = {}): CliLogger {
  const min = ORDER[opts.level ?? 'info'];
  const fileMin = ORDER[opts.fileLevel ?? opts.level ?? 'info'];
  // A live progress line (./progress.ts) is cleared first; it is redrawn on its next update.
  const write = opts.write ?? ((line: string) => { clearProgressLine(); process.stderr.write(line); });
  const lines: string[] = [];
  let fileError: string | undefined;
  let logFile = opts.logFile;
  if (logFile) {
    try {
      appendFileSync(logFile, '', { mode: 0o640 });
    } catch (e) {
      fileError = `cannot write the log file ${logFile}: ${(e as Error).message}`;
      if ((opts.onFileError ?? 'throw') === 'throw') throw new LocalIoError(fileError, { cause: e });
      write(`${new Date().toISOString()} ERROR ${redact(fileError)} (logging to stderr only)\n`);
      logFile = undefined;
    }
  }
  const emit = (level: LogLevel, message: string): void => {
    // One message, one line: control characters (a newline in a database name) are escaped.
    const line = `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${escapeControl(redact(message))}\n`;
    lines.push(line);
    if (lines.length > 200) lines.shift();
    if (ORDER[level] >= min) write(line);
    if (logFile && ORDER[level] >= fileMin) {
      try { appendFileSync(logFile, line); } catch { /* reported once at start; never fail an operation on logging */ }
    }
  };
  return {
    lines,
    get fileError() { return fileError; },
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}
