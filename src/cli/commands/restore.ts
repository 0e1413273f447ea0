import { formatSeconds } from '../../units.js';
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { createProgressRenderer } from '../progress.js';
import { restoreInto } from '../../restore/into-db.js';
import { discardIfEmpty, planRestoreFiles, prepareTargetDir, type PreparedDir } from '../../restore/output-file.js';
import { restoreToDirectory, restoreToStream, writeGzipFile, writeStream } from '../../restore/to-file.js';
import { extractTables, NoMatchingTableError, type ExtractedTables } from '../../restore/tables.js';
import type { Snapshot } from '../../snapshot/manifest.js';
import { restoreCreate, type RestoreCreateOptions } from '../../restore/create.js';
import { globalsFileName, writeGlobalsFile } from '../../globals/index.js';
import { basename } from 'node:path';
import { resolveSnapshots } from '../../snapshot/snapshots.js';
import { describeServer, describeSource } from '../../snapshot/source.js';
import { addConnectionFlags, connectionOf, type DumpFlags } from '../dump-flags.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { printJson, printLine } from '../output.js';
import { addHostnameFilter, collectList, filterOf } from './snapshots.js';

interface RestoreFlags extends Pick<DumpFlags, 'host' | 'port' | 'username'> {
  target?: string;
  stdout?: boolean;
  gzip?: boolean;
  into?: string;
  clean?: boolean;
  db?: string[];
  hostname?: string[];
  fromHost?: string[];
  table?: string[];
  force?: boolean;
  create?: boolean;
  swap?: boolean;
  keepExistingRoles?: boolean;
  jobs?: string;
}

export function register(program: Command): void {
  const cmd = program.command('restore')
    .description('restore snapshots: .sql.gz files into a directory, SQL to stdout, or straight into a database')
    .argument('<snapshot>', 'snapshot id (unique prefix) or "latest" (the newest snapshot of each database)')
    .option('--target <dir>', 'write <db>_<YYYYmmdd_HHMMSS>.sql.gz files into DIR (created if missing; an existing file is never replaced: the snapshot id is added to the name, or the restore refuses)')
    .option('--force', 'with --target: replace existing regular files of the same name')
    .option('--stdout', 'write the SQL script to stdout (one snapshot)')
    .option('--gzip', 'with --stdout: gzip-compressed')
    .option('--into <database>', 'load into this database (URL or name; -h/-p/-U apply); it must be empty unless --clean')
    .option('--clean', 'with --into: allow a non-empty database (the script drops and replaces its objects)')
    .option('--db <name>', 'only snapshots of this database: its configured name, else its database name (repeatable)', collectList);
  addHostnameFilter(cmd, ['--from-host']);
  cmd.option('-t, --table <pattern>', 'only these tables (schema.table or table, * wildcards; repeatable): their DDL, dependent objects and data, without a DROP pass; with --stdout or --target', collectList);
  cmd.option('--create', 'with --into SERVER: disaster recovery onto a bare server: create the missing roles (never altering existing ones), ' +
      'tablespaces and the database with its properties, load it, apply database settings (the database is named as in the snapshot)')
    .option('--swap', 'with --into --create, when the database exists: restore into a new database, then rename the old one away and the new one into place')
    .option('--keep-existing-roles', 'with --create: restore even when existing roles differ from the snapshot (they are left as they are and reported)')
    .option('-j, --jobs <n>', 'with --into: load over N connections (table data and indexes in parallel)');
  addConnectionFlags(cmd);
  cmd.action(async (ref: string, f: RestoreFlags, c: Command) => {
    const modes = [f.target !== undefined, f.stdout === true, f.into !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('choose exactly one of --target DIR, --stdout or --into DATABASE');
    if (f.gzip && !f.stdout) throw new UsageError('--gzip goes with --stdout (files written with --target are always .sql.gz)');
    if (f.force && f.target === undefined) throw new UsageError('--force goes with --target');
    if (f.table && f.into !== undefined) throw new UsageError('--table works with --stdout or --target; pipe the result into psql to load it');
    if ((f.swap || f.keepExistingRoles) && !f.create) throw new UsageError('--swap and --keep-existing-roles go with --into SERVER --create');
    if (f.create && f.into === undefined) throw new UsageError('--create goes with --into SERVER (a connection to the server; the database is created there)');
    const jobs = f.jobs === undefined ? 1 : Number(f.jobs);
    if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be a whole number from 1 to 64 (got ${String(f.jobs)})`);
    if (jobs > 1 && !f.create) throw new UsageError('--jobs goes with --into SERVER --create: a parallel load runs into a new database, which is dropped if the load fails');
    const g = globalsOf(c);
    const logger = loggerFor(g);
    // The target is checked (and created) before the repository key is derived, which takes seconds.
    const target: PreparedDir | undefined = f.target === undefined ? undefined : await prepareTargetDir(f.target);
    let wrote = false;
    try {
      const repo = await openRepository(g, logger, { unlockOffThread: true });
      let onExit = (): void => {};
      try {
        const snaps = await resolveSnapshots(repo, ref, filterOf(f, ['hostname', 'fromHost']));
        let extracts: Map<string, ExtractedTables> | undefined;
        let chosen = snaps;
        if (f.table) {
          extracts = new Map();
          for (const s of snaps) {
            try {
              extracts.set(s.id, await extractTables(repo, s, f.table));
            } catch (e) {
              if (!(e instanceof NoMatchingTableError) || snaps.length === 1) throw e;
              logger.info(`snapshot ${s.id.slice(0, 8)} (${s.database}) has no table matching ${f.table.join(', ')}; skipped`);
            }
          }
          if (extracts.size === 0) {
            throw new UsageError(`no table matching ${f.table.join(', ')} in any of the ${snaps.length} snapshots (${snaps.map((s) => s.database).join(', ')}); list tables with "pgvault ls <snapshot>"`);
          }
          chosen = snaps.filter((s) => extracts!.has(s.id));
        }
        if ((f.stdout || (f.into !== undefined && !f.create)) && chosen.length > 1) {
          throw new UsageError(`"${ref}" matches ${chosen.length} snapshots (${chosen.map((s) => `${s.id.slice(0, 8)}: ${describeSource(s)}` +
            `${describeServer(s) ? ` on server ${describeServer(s)}` : ''} from host ${s.host}`).join('; ')}); choose one with --db NAME or give its id`);
        }
        const files = target ? await planRestoreFiles(target.dir, chosen, {
          suffix: f.table ? '.tables.sql.gz' : '.sql.gz',
          force: f.force ?? false,
          ...(f.table ? {} : { companions: (name: string) => [globalsFileName(name)] }),
        }) : undefined;
        const done: Record<string, unknown>[] = [];
        const progress = createProgressRenderer({ json: g.json === true, quiet: g.quiet === true });
        onExit = () => progress.done();
        const fileOpts = (s: Snapshot): { name: string; overwrite: boolean; logger: typeof logger } => ({ ...files!.get(s.id)!, logger });
        for (const s of chosen) {
          const x = extracts?.get(s.id);
          if (x) {
            logger.info(`extracting ${x.tables.join(', ')} from snapshot ${s.id.slice(0, 8)} (${s.database})`);
            if (f.stdout) await writeStream(process.stdout, x.script, f.gzip ?? false);
            else {
              const o = fileOpts(s);
              const path = await writeGzipFile(target!.dir, o.name, x.script, o);
              wrote = true;
              done.push({ snapshot: s.id, database: s.database, file: path, tables: x.tables });
            }
          } else if (target) {
            const path = await restoreToDirectory(repo, s, target.dir, { ...fileOpts(s), onProgress: progress.update });
            wrote = true;
            logger.info(`restored snapshot ${s.id.slice(0, 8)} of ${s.database} to ${path}`);
            const entry: Record<string, unknown> = { snapshot: s.id, database: s.database, file: path };
            // What a bare server needs first (roles, the database): <db>_<time>.globals.sql beside the .sql.gz.
            if (s.globals) entry.globals = await writeGlobalsFile(target.dir, globalsFileName(basename(path)), s, { overwrite: f.force ?? false });
            done.push(entry);
          } else if (f.stdout) {
            await restoreToStream(repo, s, process.stdout, { gzip: f.gzip ?? false, onProgress: progress.update });
          } else if (f.create) {
            const opts: RestoreCreateOptions = { logger };
            if (f.swap) opts.swap = true;
            if (f.clean) opts.clean = true;
            if (f.keepExistingRoles) opts.keepExistingRoles = true;
            if (jobs > 1) opts.jobs = jobs;
            const r = await restoreCreate(repo, s, connectionOf(f.into, f), opts);
            logger.info(`restored snapshot ${s.id.slice(0, 8)} of ${s.database} as database ${r.database}: ${r.load.tables} tables, ${r.load.rows} rows, ` +
              `roles created: ${r.rolesCreated.join(', ') || 'none'}, in ${formatSeconds(r.durationMs)}`);
            done.push({ snapshot: s.id, ...r, into: r.database });
          } else {
            const r = await restoreInto(repo, s, connectionOf(f.into, f), { clean: f.clean ?? false, logger, onProgress: progress.update });
            logger.info(`restored snapshot ${s.id.slice(0, 8)} of ${s.database} into ${f.into}: ${r.tables} tables, ${r.rows} rows in ${formatSeconds(r.durationMs)}`);
            done.push({ snapshot: s.id, database: s.database, into: f.into, ...r });
          }
        }
        progress.done();
        if (!f.stdout) {
          if (g.json) printJson(done);
          else for (const d of done) printLine(String(d.file ?? `${String(d.database)} -> ${String(d.into)}`));
        }
      } finally {
        onExit();
        await repo.close();
      }
    } catch (e) {
      if (target && !wrote) await discardIfEmpty(target);
      throw e;
    }
  });
}
