import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { resolvePassword } from '../../repo/password.js';
import { globalsOf, loggerFor, openRepository } from '../globals.js';
import { formatTable, printJson, printLine } from '../output.js';

interface NewPasswordOpts { newPasswordFile?: string; newPasswordCommand?: string }

async function newPassword(o: NewPasswordOpts): Promise<string> {
  const env = process.env;
  if (!o.newPasswordFile && !o.newPasswordCommand && env.PGVAULT_NEW_PASSWORD === undefined) {
    throw new ConfigError('no new password given: pass --new-password-file FILE or --new-password-command CMD, or set PGVAULT_NEW_PASSWORD');
  }
  const { password } = await resolvePassword({
    passwordFile: o.newPasswordFile, passwordCommand: o.newPasswordCommand, env: { PGVAULT_PASSWORD: env.PGVAULT_NEW_PASSWORD },
  });
  return password;
}

export function register(program: Command): void {
  const key = program.command('key').description('manage the repository\'s keys (one per password)');
  key.command('list').description('list key files').action(async (_o: unknown, cmd: Command) => {
    const g = globalsOf(cmd);
    const repo = await openRepository(g, loggerFor(g));
    const keys = await repo.listKeys();
    if (g.json) printJson(keys);
    else printLine(formatTable([' ', 'ID', 'User', 'Host', 'Created'],
      keys.map((k) => [k.current ? '*' : ' ', k.name.slice(0, 8), k.username, k.host, k.created])));
    await repo.close();
  });
  key.command('add').description('add a key for another password')
    .option('--new-password-file <file>', 'file holding the new password')
    .option('--new-password-command <cmd>', 'command printing the new password')
    .action(async (o: NewPasswordOpts, cmd: Command) => {
      const g = globalsOf(cmd);
      const repo = await openRepository(g, loggerFor(g));
      const name = await repo.addKey(await newPassword(o));
      if (g.json) printJson({ added: name }); else printLine(`added key ${name.slice(0, 8)}`);
      await repo.close();
    });
  key.command('remove <id>').description('remove a key (not the one in use, never the last one)')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const g = globalsOf(cmd);
      const repo = await openRepository(g, loggerFor(g));
      await repo.removeKey(id);
      if (g.json) printJson({ removed: id }); else printLine(`removed key ${id}`);
      await repo.close();
    });
  key.command('passwd').description('change the password of the key in use')
    .option('--new-password-file <file>', 'file holding the new password')
    .option('--new-password-command <cmd>', 'command printing the new password')
    .action(async (o: NewPasswordOpts, cmd: Command) => {
      const g = globalsOf(cmd);
      const repo = await openRepository(g, loggerFor(g));
      const name = await repo.changePassword(await newPassword(o));
      if (g.json) printJson({ key: name }); else printLine(`password changed (new key ${name.slice(0, 8)})`);
      await repo.close();
    });
}
