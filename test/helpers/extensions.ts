/**
 * Test extensions (test/corpora/extensions/): installs a copy of an extension's control and script files into a test
 * server's share/extension folder under a unique name (several test files may run at once against servers that share
 * that folder), and removes them again. The folder must be writable (the test suite runs as root; Debian's
 * /usr/share/postgresql/15 and the embedded packages' share folders are).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { CORPORA_DIR } from '../corpora/index.js';
import type { PgCluster } from './pg.js';

export interface InstalledExtension {
  /** The unique name to use in CREATE EXTENSION. */
  name: string;
  /** Delete the installed files (idempotent). */
  remove(): void;
}

/** Install `test/corpora/extensions/<template>*` as `<template>_<random>` into the cluster's extension folder. */
export async function installTestExtension(cluster: PgCluster, template: string): Promise<InstalledExtension> {
  const rows = await cluster.query<{ dir: string }>('postgres', "SELECT setting AS dir FROM pg_catalog.pg_config WHERE name = 'SHAREDIR'");
  const target = join(rows[0]!.dir, 'extension');
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  const source = join(CORPORA_DIR, 'extensions');
  const written: string[] = [];
  const remove = (): void => { for (const f of written) rmSync(f, { force: true }); };
  try {
    for (const f of readdirSync(source).filter((x) => x === `${template}.control` || x.startsWith(`${template}--`))) {
      const dest = join(target, name + f.slice(template.length));
      written.push(dest);
      writeFileSync(dest, readFileSync(join(source, f)), { mode: 0o644 });
    }
  } catch (e) {
    remove();
    throw e;
  }
  if (written.length < 2) { remove(); throw new Error(`test extension ${template} not found in ${source}`); }
  return { name, remove };
}
