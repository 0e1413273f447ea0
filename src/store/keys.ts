/**
 * Object names and the key layout shared by every backend (see ./types.ts):
 *   config                      kind "config", name "config"
 *   keys/<name>, snapshots/<name>, index/<name>, locks/<name>
 *   data/<name[0..2]>/<name>    256 fan-out folders for chunks (names are hex IDs)
 * Names never start with "." (FsStore reserves dot-names for its temp files) and contain no "/".
 */
import type { ObjectKind } from './types.js';
import { OBJECT_KINDS } from './types.js';

const NAME_RE = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const MAX_NAME_LENGTH = 200;

/** Throws RangeError (a programming error, exit code "internal") on a name the layout cannot hold. */
export function assertValidName(kind: ObjectKind, name: string): void {
  if (!OBJECT_KINDS.includes(kind)) throw new RangeError(`unknown object kind ${JSON.stringify(kind)}`);
  if (kind === 'config') {
    if (name !== 'config') throw new RangeError(`the config object is always named "config", not ${JSON.stringify(name)}`);
    return;
  }
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new RangeError(`invalid ${kind} object name ${JSON.stringify(name)}: expected [A-Za-z0-9_-][A-Za-z0-9._-]* up to ${MAX_NAME_LENGTH} characters`);
  }
  if (kind === 'data' && name.length < 2) {
    throw new RangeError(`invalid data object name ${JSON.stringify(name)}: needs at least 2 characters for the fan-out folder`);
  }
}

/** True for a name `list` may yield for this kind (foreign or temporary entries are skipped). */
export function isValidName(kind: ObjectKind, name: string): boolean {
  try {
    assertValidName(kind, name);
    return true;
  } catch {
    return false;
  }
}

/** The fan-out folder of a data object: the first two characters of its name. */
export function dataFolder(name: string): string {
  return name.slice(0, 2);
}

/** The relative key ("data/ab/abcd…", "snapshots/x", "config") of an object, with "/" separators. */
export function objectKey(kind: ObjectKind, name: string): string {
  assertValidName(kind, name);
  if (kind === 'config') return 'config';
  if (kind === 'data') return `data/${dataFolder(name)}/${name}`;
  return `${kind}/${name}`;
}
