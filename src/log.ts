/**
 * The library never prints. Long operations report through this narrow interface; the CLI supplies an
 * implementation that writes timestamped, redacted lines to stderr / a log file.
 */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const noop = (): void => {};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
