#!/usr/bin/env node
// Entry point: the compiled build (`npm run build` writes dist/) when present, otherwise the TypeScript
// sources through tsx (installed with the development dependencies, as after `npm ci`).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'src', 'cli', 'main.js');
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write('pgvault: not built and tsx is not installed: run "npm run build" (or "npm ci" for the development setup)\n');
    process.exit(70);
  }
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'main.ts')).href);
}
