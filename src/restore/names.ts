/**
 * File names of restored scripts: `<db>_<YYYYmmdd_HHMMSS>.sql.gz`, recognisable (Unicode letters and
 * digits, spaces and punctuation are kept) and safe (no path separators, control characters or a
 * leading dot: a database named `..` or `.x` never becomes a traversal or a hidden file).
 *
 * Names must stay distinct: when two snapshots of one restore would get the same name (two hosts,
 * two databases restored in the same second whose names differ only in unsafe characters or in case),
 * each gets the snapshot's short id appended (`<db>_<stamp>_<id8>.sql.gz`); so does a name that
 * already exists in the target directory. See planRestoreFiles in ./output-file.ts.
 */
import type { Snapshot } from '../snapshot/manifest.js';
import { fileStamp } from '../snapshot/time.js';

/** Replace what a file name cannot or should not hold: `/`, `\`, control characters, leading dots. */
export function safeFileComponent(name: string): string {
  const mapped = name.replace(/[/\\\p{Cc}\u2028\u2029]/gu, '_').replace(/^\.+/, (dots) => '_'.repeat(dots.length));
  return mapped === '' ? '_' : mapped;
}

export type RestoreNameSource = Pick<Snapshot, 'database' | 'time'> & Partial<Pick<Snapshot, 'id'>>;

/**
 * `<db>_<stamp><suffix>`, or with `idLength`, `<db>_<stamp>_<first idLength hex digits of the id><suffix>`.
 * `suffix` is `.sql.gz` for whole scripts, `.tables.sql.gz` for `--table` extracts.
 */
export function restoreFileName(s: RestoreNameSource, opts: { suffix?: string; idLength?: number } = {}): string {
  const suffix = opts.suffix ?? '.sql.gz';
  const id = opts.idLength && s.id ? `_${s.id.slice(0, opts.idLength)}` : '';
  return `${safeFileComponent(s.database)}_${fileStamp(s.time)}${id}${suffix}`;
}

/**
 * Key under which two names count as the same file: case-insensitive file systems (macOS, Windows
 * shares) and Unicode normalisation (macOS stores NFD) must not make two outputs one file.
 */
export function collisionKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}
