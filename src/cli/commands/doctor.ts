import type { Command } from 'commander';
import { logFileFor } from '../../config/settings.js';
import { ConfigError, ExitCode, isPgvaultError } from '../../errors.js';
import { redact } from '../../redact.js';
import { Repository } from '../../repo/repository.js';
import { runDoctor, type DoctorCheck } from '../../run/doctor.js';
import { defaultStateDir } from '../../run/state.js';
import { configFor, globalsOf, openOptionsFor, passwordFor, storeFor } from '../globals.js';
import { createCliLogger } from '../logger.js';
import { printJson, printLine } from '../output.js';

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', info: 'info' };

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the configuration, repository access and password, bucket permissions, clock, databases and privileges; print what to fix')
    .option('--no-databases', 'skip the database checks')
    .action(async (f: { databases?: boolean }, c: Command) => {
      const g = globalsOf(c);
      const env = process.env;
      const checks: DoctorCheck[] = [];
      let loaded;
      try {
        loaded = configFor(g, env);
      } catch (e) {
        if (!isPgvaultError(e)) throw e;
        checks.push({ check: 'configuration', status: 'fail', detail: redact(e.message) });
      }
      if (!loaded && checks.length === 0) throw new ConfigError('pgvault doctor needs a configuration file: pass --config FILE or set PGVAULT_CONFIG');
      if (loaded) {
        checks.push({ check: 'configuration', status: 'ok', detail: `${loaded.config.file}: ${loaded.config.databases.length} database(s)` });
        for (const w of loaded.warnings) checks.push({ check: 'configuration', status: 'warn', detail: w });
        const logger = createCliLogger({ level: 'error' });
        const logFile = logFileFor(g.logFile, env, loaded.config);
        checks.push(...await runDoctor({
          config: loaded.config, env, databases: f.databases !== false,
          stateDir: loaded.config.stateDir ?? (env.PGVAULT_STATE_DIR || defaultStateDir(env)),
          ...(logFile ? { logFile } : {}),
          openRepository: async () => Repository.open(await storeFor(g, env), await passwordFor(g, logger, env), openOptionsFor(g, logger, env)),
        }));
      }
      if (g.json) printJson(checks);
      else {
        for (const ch of checks) {
          printLine(`[${MARK[ch.status]}] ${ch.check}: ${redact(ch.detail)}`);
          if (ch.fix && ch.status !== 'ok') printLine(`        fix: ${redact(ch.fix)}`);
        }
        const fails = checks.filter((x) => x.status === 'fail').length;
        const warns = checks.filter((x) => x.status === 'warn').length;
        printLine(fails ? `\n${fails} problem(s) to fix before "pgvault run" can succeed${warns ? `, ${warns} warning(s)` : ''}` :
          warns ? `\nready, with ${warns} warning(s)` : '\nready: "pgvault run" has everything it needs');
      }
      if (checks.some((x) => x.status === 'fail')) process.exitCode = ExitCode.PARTIAL_FAILURE;
    });
}
