#!/usr/bin/env node
// Entry point. A production install (scripts/install-production.sh: npm ci, npm run build, npm prune --omit=dev)
// runs the compiled dist/; a development checkout without dist/ runs the TypeScript sources through tsx.
import module from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

// Node 22.1+: keep compiled code in the OS temp folder between runs (start-up cost, docs/benchmarks.md).
module.enableCompileCache?.();
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('pgvault: this installation is not built: run "bash scripts/install-production.sh" in ' + root +
      ' (or "npm ci" for a development setup, which runs the sources through tsx)\n');
    process.exit(70);
  }
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
