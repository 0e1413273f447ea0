/**
 * How the suite runs pgvault: its real CLI (src/cli/main.ts) as a child process. Bundled with esbuild
 * (what an installed, compiled pgvault costs to start) when esbuild is available, else through tsx
 * (adds TypeScript compilation time to every run; the report says which). The bundle lives in a private
 * directory under bench/suite (so its bare imports resolve to node_modules) that `cleanup()` removes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A path as committed result files show it: relative to the repository when inside it ('.' for the checkout itself),
 * `<tmp>/<name>` under the temporary folder; system paths (e.g. /usr/bin/restic) as they are. So results do not
 * name this machine's folders.
 */
export function shownPath(p: string): string {
  const abs = resolve(p);
  const rel = relative(ROOT, abs);
  if (rel === '') return '.';
  if (!rel.startsWith('..') && !isAbsolute(rel)) return rel;
  const inTmp = relative(tmpdir(), abs);
  return !inTmp.startsWith('..') && !isAbsolute(inTmp) ? `<tmp>/${basename(abs)}` : abs;
}

export interface CliRunner {
  /** Node arguments before the pgvault arguments. */
  nodeArgs: string[];
  /** Node arguments that run the forget + prune helper. */
  forgetArgs: string[];
  how: string;
  /** Remove the bundle. */
  cleanup(): void;
}

/** The forget+prune helper (pgvault has no `forget` command wired yet): run through tsx. */
/**
 * The command line that runs the compiled CLI as an operator does: `bin/pgvault`, the launcher (it sets
 * MALLOC_ARENA_MAX=1 for glibc and execs `node bin/pgvault.js`), or with `direct` Node.js on the script itself. Run it
 * with {@link pathWithNode} as PATH, so that the launcher finds this Node.js.
 */
export function compiledCommand(direct: boolean): string[] {
  return direct ? [process.execPath, join(ROOT, 'bin', 'pgvault.js')] : [join(ROOT, 'bin', 'pgvault')];
}

/** PATH with this Node.js's folder first (for {@link compiledCommand}). */
export const pathWithNode = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

export const FORGET_SCRIPT = join(ROOT, 'bench', 'suite', 'pgvault-forget.ts');

export async function pgvaultCli(log: (l: string) => void, opts: { bundle?: boolean } = {}): Promise<CliRunner> {
  if (opts.bundle !== false) {
    try {
      const esbuild = await import('esbuild');
      const dir = mkdtempSync(join(ROOT, 'bench', 'suite', '.cli-'));
      const outfile = join(dir, 'pgvault-cli.mjs');
      const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent' } as const;
      await esbuild.build({ ...common, entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')], outfile });
      const forgetOut = join(dir, 'pgvault-forget.mjs');
      await esbuild.build({ ...common, entryPoints: [FORGET_SCRIPT], outfile: forgetOut });
      return { nodeArgs: [outfile], forgetArgs: [forgetOut], how: 'CLI bundled with esbuild (like a compiled install)', cleanup: () => rmSync(dir, { recursive: true, force: true }) };
    } catch (e) {
      log(`esbuild bundle failed (${e instanceof Error ? e.message : String(e)}); running the CLI through tsx`);
    }
  }
  return { nodeArgs: ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')], forgetArgs: ['--import', 'tsx', FORGET_SCRIPT], cleanup: () => undefined, how: 'CLI through tsx (includes TypeScript compilation)' };
}

/**
 * The CLI of another revision of this repository (e.g. `main` before a change), bundled like {@link pgvaultCli}: its
 * `src/` is taken with `git archive` into a private directory under bench/suite (so its bare imports resolve to this
 * checkout's node_modules), which `cleanup()` removes. For benches that compare two builds in one run.
 */
export async function pgvaultCliAt(rev: string): Promise<CliRunner> {
  const esbuild = await import('esbuild');
  const dir = mkdtempSync(join(ROOT, 'bench', 'suite', '.cli-'));
  try {
    const commit = execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', `${rev}^{commit}`], { encoding: 'utf8' }).trim();
    const tar = execFileSync('git', ['-C', ROOT, 'archive', '--format=tar', commit, 'src'], { maxBuffer: 256 * 1024 * 1024 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const outfile = join(dir, 'pgvault-cli.mjs');
    await esbuild.build({ bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'silent', entryPoints: [join(dir, 'src', 'cli', 'main.ts')], outfile });
    return { nodeArgs: [outfile], forgetArgs: [], how: `CLI of ${commit} bundled with esbuild`, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
