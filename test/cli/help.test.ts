/**
 * Issue 12 item 17: `pgvault --help` is rendered by src/cli/help.ts without commander. It must stay exactly
 * what commander prints for the real program (same tables: the command list and the global options), at
 * every terminal width, and `--version` must print the package's version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { runCli } from '../helpers/cli.js';
import { COMMANDS, registerAllCommands } from '../../src/cli/commands/index.js';
import { configureCommandTree, GLOBAL_OPTIONS } from '../../src/cli/global-options.js';
import { programHelp, PROGRAM_DESCRIPTION, quickAnswer } from '../../src/cli/help.js';
import { buildProgram } from '../../src/cli/program.js';

const ENV = { PGVAULT_REPOSITORY: undefined, PGVAULT_CONFIG: undefined, PGVAULT_PASSWORD: undefined };

/** What commander prints for `pgvault --help` on a terminal `width` columns wide, with the CLI's settings. */
async function commanderHelp(width: number): Promise<string> {
  const program = await buildProgram(['--help']);
  configureCommandTree(program, () => {});
  program.configureHelp({ ...program.configureHelp(), helpWidth: width });
  return program.helpInformation();
}

test('the quick help is byte for byte commander\'s help of the real program, at every width', async () => {
  for (const width of [20, 39, 40, 60, 79, 80, 81, 100, 132, 200, 400]) {
    assert.equal(programHelp(width), await commanderHelp(width), `width ${width}`);
  }
});

test('the help lists every command and global option of the fully built CLI, with their summaries', async () => {
  const program = new Command();
  await registerAllCommands(program);
  assert.deepEqual(program.commands.map((c) => c.name()), COMMANDS.map((c) => c.name), 'one table entry per command module');
  const help = programHelp(1000);
  for (const c of program.commands) assert.ok(help.includes(`  ${c.name().padEnd(1)}`) && help.includes(c.summary()), `${c.name()} listed with its summary`);
  for (const o of program.options) assert.ok(help.includes(`  ${o.flags}  `) && help.includes(o.description), `${o.flags} listed`);
  assert.equal(program.options.length, GLOBAL_OPTIONS.length);
  assert.ok(help.includes(PROGRAM_DESCRIPTION));
});

test('quickAnswer handles only the top-level help and the version', () => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { stdout: { write: (s: string) => out.push(s), isTTY: true, columns: 100 }, stderr: { write: (s: string) => err.push(s) } };
  assert.equal(quickAnswer(['--help'], io), 0);
  assert.deepEqual(out.splice(0), [programHelp(100)]);
  assert.equal(quickAnswer(['-V'], io), 0);
  assert.equal(quickAnswer([], io), 2);
  assert.deepEqual(err, [programHelp(80)], 'help on stderr, 80 columns when stderr is not a terminal');
  for (const args of [['help', 'backup'], ['--repo', '/r', '--help'], ['snapshots'], ['backup', '--help'], ['--bogus']]) {
    assert.equal(quickAnswer(args, io), undefined, args.join(' '));
  }
});

test('pgvault --help, -h, help and --version as a process: the quick answers, commander for the rest', async () => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  const [help, h, helpCmd, version, none, helpBackup] = await Promise.all([
    runCli(['--help'], ENV), runCli(['-h'], ENV), runCli(['help'], ENV), runCli(['--version'], ENV), runCli([], ENV), runCli(['help', 'backup'], ENV),
  ]);
  for (const r of [help, h, helpCmd]) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, programHelp(80));
  }
  assert.equal(version.stdout, `${pkg.version}\n`);
  assert.equal(none.code, 2);
  assert.equal(none.stderr, programHelp(80));
  assert.equal(helpBackup.code, 0, helpBackup.stderr);
  assert.match(helpBackup.stdout, /^Usage: pgvault backup \[options\]/);
});
