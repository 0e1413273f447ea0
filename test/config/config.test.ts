import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile, parseConfigText } from '../../src/config/load.js';
import { parseEnvFile } from '../../src/config/envfile.js';
import { parseDuration } from '../../src/config/duration.js';
import { passwordSourceFor, logFileFor } from '../../src/config/settings.js';
import { connectionFor, dumpOptionsFor } from '../../src/config/database.js';
import { credentialEnv } from '../../src/config/store.js';
import { policyFor } from '../../src/config/policy.js';
import { ConfigError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';

const FILE = '/etc/pgvault/pgvault.jsonc';

const full = `{
  // the ticket's setup
  "repository": {
    "s3": { "endpoint": "https://s3.eu-central-003.backblazeb2.com", "bucket": "struxio-db-backups", "prefix": "pgvault" },
    "delete_mode": "hide",
    "password_file": "secrets/password",
    "credentials_file": "/etc/pgvault/b2.env",
    "concurrency": 16,
  },
  "host": "hetzner-1",
  "tags": ["db-backup"],
  "databases": [
    { "name": "bus", "url": "postgres://bus@127.0.0.1:5433/bus", "jobs": 2, "stable_order": true, "exclude_table_data": ["public.sessions"] },
    { "name": "paperclip", "host": "/var/run/paperclip", "port": 5432, "user": "paperclip", "tags": "pc", "exclude_schemas": ["scratch"], "allow_unsupported": true },
  ],
  "retention": { "keep_daily": 7, "keep_weekly": 4, "keep_monthly": 3, "keep_within": "2d" },
  "prune": { "every": "7d", "grace": "1d" },
  "pings": { "healthchecks": "https://hc-ping.com/0b1c/", "webhook": "https://hooks.example/x", "timeout": "3s" },
  "metrics": { "textfile": "/var/lib/node_exporter/textfile_collector/pgvault.prom" },
  "log": { "file": "/var/log/pgvault/pgvault.log", "level": "info" },
  "lock": { "wait": "10m" },
  "state_dir": "/var/lib/pgvault",
}`;

test('a complete configuration validates into typed settings', () => {
  const { config, warnings } = parseConfigText(full, FILE);
  assert.deepEqual(warnings, []);
  assert.deepEqual(config.repository, { kind: 's3', endpoint: 'https://s3.eu-central-003.backblazeb2.com', bucket: 'struxio-db-backups', prefix: 'pgvault', region: 'eu-central-003', deleteMode: 'hide' });
  assert.equal(config.passwordFile, '/etc/pgvault/secrets/password', 'relative paths resolve against the config folder');
  assert.equal(config.concurrency, 16);
  assert.equal(config.databases.length, 2);
  assert.deepEqual(config.databases[1]!.tags, ['pc']);
  assert.deepEqual(config.retention, { keepDaily: 7, keepWeekly: 4, keepMonthly: 3, keepWithin: '2d' });
  assert.deepEqual(config.prune, { everyMs: 7 * 86_400_000, graceMs: 86_400_000 });
  assert.deepEqual(config.pings, { healthchecks: 'https://hc-ping.com/0b1c', webhook: 'https://hooks.example/x', timeoutMs: 3000, retries: 1 });
  assert.equal(config.lockWaitMs, 600_000);
  assert.equal(config.logLevel, 'info');
  const bus = connectionFor(config.databases[0]!);
  assert.deepEqual({ host: bus.host, port: bus.port, user: bus.user, database: bus.database }, { host: '127.0.0.1', port: 5433, user: 'bus', database: 'bus' });
  assert.deepEqual(dumpOptionsFor(config.databases[0]!), { jobs: 2, stableOrder: true, excludeTableData: ['public.sessions'] });
  const pc = connectionFor(config.databases[1]!);
  assert.equal(pc.database, 'paperclip', 'the name is the default database name');
  assert.deepEqual(dumpOptionsFor(config.databases[1]!), { excludeSchemas: ['scratch'], allowUnsupported: true });
  const policy = policyFor(config.retention!);
  assert.equal(policy.daily, 7);
  assert.deepEqual(policy.within, { years: 0, months: 0, days: 2, hours: 0 });
});

/** [what, file text, key path expected in the message, line, message fragment] */
const cases: [string, string, string, number, RegExp][] = [
  ['string expected', '{\n"host": 5\n}', 'host', 2, /expected a string/],
  ['empty string', '{\n"host": "  "\n}', 'host', 2, /must not be empty/],
  ['whole number range', '{"databases": [\n{"name": "a",\n "port": 70000}]}', 'databases[0].port', 3, /whole number from 1 to 65535/],
  ['fractional number', '{"databases": [{"name": "a",\n\n "jobs": 1.5}]}', 'databases[0].jobs', 3, /whole number/],
  ['boolean', '{"databases": [{"name": "a",\n "stable_order": "yes"}]}', 'databases[0].stable_order', 2, /true or false/],
  ['string list', '{"tags": [\n"ok",\n 3]}', 'tags[1]', 3, /non-empty string/],
  ['list expected', '{\n"databases": {"name": "a"}}', 'databases', 2, /expected a list/],
  ['object expected', '{\n"repository": "s3://x"}', 'repository', 2, /expected an object/],
  ['duration', '{"lock": {\n"wait": "ten minutes"}}', 'lock.wait', 2, /duration such as/],
  ['enum', '{"log": {\n "level": "loud"}}', 'log.level', 2, /one of "debug", "info", "warn", "error"/],
  ['url', '{"pings": {\n"webhook": "not a url"}}', 'pings.webhook', 2, /not a valid URL/],
  ['url scheme', '{"pings": {\n"healthchecks": "ftp://x/y"}}', 'pings.healthchecks', 2, /https: or http: URL/],
  ['database url', '{"databases": [{"name": "a",\n"url": "mysql://x/y"}]}', 'databases[0].url', 2, /postgres: or postgresql: URL/],
  ['database name pattern', '{"databases": [\n{"name": "a b"}]}', 'databases[0].name', 2, /letters, digits/],
  ['duplicate database', '{"databases": [{"name": "a"},\n{"name": "a"}]}', 'databases[1].name', 2, /used twice/],
  ['missing name', '{"databases": [\n{"url": "postgres://h/d"}]}', 'databases[0]', 2, /missing "name"/],
  ['empty databases', '{\n"databases": []}', 'databases', 2, /empty/],
  ['repository kinds', '{"repository": {\n"path": "/a", "location": "/b"}}', 'repository', 1, /exactly one of/],
  ['missing repository kind', '{"repository": {\n"delete_mode": "hide"}}', 'repository', 1, /missing the repository/],
  ['bad location', '{"repository": {\n"location": "ftp://x"}}', 'repository.location', 2, /unsupported scheme/],
  ['s3 endpoint missing', '{"repository": {\n"s3": {"bucket": "abc"}}}', 'repository.s3', 2, /missing "endpoint"/],
  ['bucket name', '{"repository": {"s3": {"endpoint": "https://e",\n"bucket": "a_b"}}}', 'repository.s3.bucket', 2, /bucket name/],
  ['prefix', '{"repository": {"s3": {"endpoint": "https://e", "bucket": "abc",\n"prefix": "a//b c"}}}', 'repository.s3.prefix', 2, /folder names/],
  ['B2 region mismatch', '{"repository": {"s3": {"endpoint": "https://s3.us-west-004.backblazeb2.com", "bucket": "abc",\n"region": "eu-central-003"}}}', 'repository.s3.region', 2, /must match/],
  ['delete mode', '{"repository": {"path": "/x",\n"delete_mode": "shred"}}', 'repository.delete_mode', 2, /"all-versions", "hide"/],
  ['password in file', '{"repository": {"path": "/x",\n"password": "hunter22"}}', 'repository.password', 2, /never read from the configuration file/],
  ['key in file', '{"repository": {"path": "/x",\n"secret_access_key": "k"}}', 'repository.secret_access_key', 2, /credentials are not read/],
  ['db password in file', '{"databases": [{"name": "a",\n"password": "x"}]}', 'databases[0].password', 2, /not read from the configuration file/],
  ['both password sources', '{"repository": {"path": "/x", "password_file": "/p",\n"password_command": "pass x"}}', 'repository.password_command', 2, /not both/],
  ['empty retention', '{"retention": {\n"keep_daily": 0}}', 'retention', 1, /would forget every snapshot/],
  ['retention count', '{"retention": {\n"keep_daily": -2}}', 'retention.keep_daily', 2, /from -1 to/],
  ['retention duration', '{"retention": {\n"keep_within": "1w"}}', 'retention.keep_within', 2, /restic duration/],
  ['prune every', '{"prune": {\n"every": "weekly"}}', 'prune.every', 2, /duration/],
  ['metrics suffix', '{"metrics": {\n"textfile": "/tmp/pgvault.txt"}}', 'metrics.textfile', 2, /\.prom/],
  ['ping timeout', '{"pings": {\n"timeout": "5m"}}', 'pings.timeout', 2, /at most 60s/],
  ['top level', '[1, 2]', '(top level)', 0, /must be an object/],
];

for (const [what, text, key, line, fragment] of cases) {
  test(`config error (${what}) names ${key}${line ? ` and line ${line}` : ''}`, () => {
    assert.throws(() => parseConfigText(text, FILE), (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.equal(e.exitCode, 2);
      assert.ok(e.message.includes(FILE), e.message);
      const expected = line ? `${key} (line ${line}): ` : `${key}: `;
      assert.ok(e.message.includes(expected), `expected "${expected}" in: ${e.message}`);
      assert.match(e.message, fragment);
      return true;
    });
  });
}

test('several errors are reported together', () => {
  assert.throws(() => parseConfigText('{\n"host": 1,\n"lock": {"wait": "x"}\n}', FILE), (e: Error) => {
    assert.match(e.message, /2 errors/);
    assert.match(e.message, /host \(line 2\)/);
    assert.match(e.message, /lock\.wait \(line 3\)/);
    return true;
  });
});

test('JSON syntax errors name the line', () => {
  assert.throws(() => parseConfigText('{\n"host": "a"\n"tags": []\n}', FILE), /not valid JSON: expected "," or "}" after the value of "host", found """ at line 3, column 1/);
});

test('unknown keys are warnings naming key and line, at every level', () => {
  const { warnings } = parseConfigText('{\n"retension": {},\n"databases": [{"name": "a",\n"job": 2}],\n"repository": {"path": "/x", "s3_endpoint": "y"}}', FILE);
  assert.equal(warnings.length, 3, warnings.join('\n'));
  assert.match(warnings[0]!, /^retension \(line 2\): unknown key "retension" ignored/);
  assert.ok(warnings.some((w) => w.startsWith('databases[0].job (line 4): unknown key')));
  assert.ok(warnings.some((w) => w.startsWith('repository.s3_endpoint (line 5): unknown key')));
});

test('a password in a database URL is allowed with a warning, and never printed', () => {
  const { config, warnings } = parseConfigText('{"databases": [{"name": "a", "url": "postgres://u:Sup3rSecret@h/d"}]}', FILE);
  assert.match(warnings[0]!, /contains a password in plain text/);
  assert.ok(!warnings[0]!.includes('Sup3rSecret'));
  connectionFor(config.databases[0]!);
  assert.equal(redact('connecting with Sup3rSecret'), 'connecting with ***');
});

test('loading: missing file, unreadable file and loose secret files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-config-'));
  try {
    assert.throws(() => loadConfigFile(join(dir, 'nope.jsonc')), /cannot read the configuration file .*nope\.jsonc: it does not exist/);
    writeFileSync(join(dir, 'password'), 'pw\n', { mode: 0o644 });
    writeFileSync(join(dir, 'b2.env'), 'B2_ACCOUNT_ID=id\n', { mode: 0o600 });
    writeFileSync(join(dir, 'c.jsonc'), '{"repository": {"path": "repo", "password_file": "password", "credentials_file": "b2.env"}}');
    const { config, warnings } = loadConfigFile(join(dir, 'c.jsonc'));
    assert.deepEqual(config.repository, { kind: 'path', path: join(dir, 'repo') });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /repository password file .*password is accessible by group or others \(mode 644\); run: chmod 600/);
    chmodSync(join(dir, 'password'), 0o600);
    assert.deepEqual(loadConfigFile(join(dir, 'c.jsonc')).warnings, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('durations', () => {
  assert.equal(parseDuration('7d'), 7 * 86_400_000);
  assert.equal(parseDuration('1d12h'), 36 * 3_600_000);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('2w'), 14 * 86_400_000);
  assert.equal(parseDuration('0'), 0);
  for (const bad of ['', '7', 'd7', '1.5h', '-1d', '7 d']) assert.equal(parseDuration(bad), null, bad);
});

test('env files: export, quotes, comments; never executed', () => {
  const vars = parseEnvFile('# b2\nexport B2_ACCOUNT_ID="0012ab"\nB2_ACCOUNT_KEY=\'K00$(touch /tmp/x)\'\n\nPGVAULT_PASSWORD=pw # note\n', 'f');
  assert.deepEqual(vars, { B2_ACCOUNT_ID: '0012ab', B2_ACCOUNT_KEY: 'K00$(touch /tmp/x)', PGVAULT_PASSWORD: 'pw' });
  assert.throws(() => parseEnvFile('A=1\nnot a line\n', 'creds.env'), /creds\.env line 2: expected KEY=VALUE/);
  assert.throws(() => parseEnvFile('A="one\nB=2\n', 'creds.env'), /creds\.env line 1: unterminated " quote in the value of A/);
  assert.deepEqual(parseEnvFile('K="a#b=c" # note\r\nE=\n  S = spaced  \n', 'f'), { K: 'a#b=c', E: '', S: 'spaced' });
});

test('credentials: the environment wins over the credentials file; secrets get redacted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgvault-creds-'));
  try {
    const f = join(dir, 'b2.env');
    writeFileSync(f, 'B2_ACCOUNT_ID=fromfile\nB2_ACCOUNT_KEY=KeyFromFile123\n', { mode: 0o600 });
    assert.equal(credentialEnv({ env: {}, credentialsFile: f }).B2_ACCOUNT_ID, 'fromfile');
    assert.equal(credentialEnv({ env: { B2_ACCOUNT_ID: 'fromenv' }, credentialsFile: f }).B2_ACCOUNT_ID, 'fromenv');
    assert.equal(redact('key KeyFromFile123'), 'key ***');
    assert.throws(() => credentialEnv({ env: {}, credentialsFile: join(dir, 'missing') }), /cannot read the credentials file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('precedence: flags > environment > file', () => {
  const { config } = parseConfigText('{"repository": {"path": "/r", "password_file": "/file/pw"}, "log": {"file": "/file/log"}}', FILE);
  assert.deepEqual(passwordSourceFor({}, {}, config), { passwordFile: '/file/pw', env: {} });
  const env = { PGVAULT_PASSWORD: 'x' };
  assert.deepEqual(passwordSourceFor({}, env, config), { env });
  const env2 = { PGVAULT_PASSWORD_COMMAND: 'pass show x', PGVAULT_PASSWORD: 'x' };
  assert.deepEqual(passwordSourceFor({}, env2, config), { passwordCommand: 'pass show x', env: env2 });
  assert.deepEqual(passwordSourceFor({ passwordFile: '/flag/pw' }, env2, config), { passwordFile: '/flag/pw', env: env2 });
  assert.equal(logFileFor(undefined, {}, config), '/file/log');
  assert.equal(logFileFor(undefined, { PGVAULT_LOG_FILE: '/env/log' }, config), '/env/log');
  assert.equal(logFileFor('/flag/log', { PGVAULT_LOG_FILE: '/env/log' }, config), '/flag/log');
});

test('examples/pgvault.jsonc (the documented configuration) is valid and warning-free', () => {
  const { config, warnings } = loadConfigFile(new URL('../../examples/pgvault.jsonc', import.meta.url).pathname);
  assert.deepEqual(warnings.filter((w) => !w.includes('accessible by group')), []);
  assert.deepEqual(config.databases.map((d) => d.name), ['bus', 'paperclip']);
  assert.deepEqual(config.retention, { keepDaily: 7, keepWeekly: 4, keepMonthly: 3 });
  assert.equal(config.repository?.kind, 's3');
});

test('config errors do not contradict each other and speak in the file\'s key names', async () => {
  const { configKeyNames } = await import('../../src/config/load.js');
  let message = '';
  try {
    parseConfigText('{\n"databases": [{"name": "a"}],\n"retention": {\n  "keep_within": "1w"\n}}', FILE);
  } catch (e) {
    message = (e as Error).message;
  }
  assert.match(message, /has 1 error:\n  retention\.keep_within \(line 4\): weeks are not a unit of restic durations: write "7d" for 1 week/);
  assert.doesNotMatch(message, /forget every snapshot|no policy was specified|--keep/);
  assert.equal(configKeyNames('give --keep-last or --keep-within-daily or --keep-tag'), 'give keep_last or keep_within_daily or keep_tags');
});

test('unknown keys get a "did you mean" suggestion, never a forbidden key', () => {
  const { warnings } = parseConfigText('{\n"retension": {},\n"databases": [{"name": "a", "stable_ordr": true, "pasword": "x"}],\n"repository": {"path": "/x", "pasword_file": "/p"}}', FILE);
  assert.ok(warnings.some((w) => w === 'retension (line 2): unknown key "retension" ignored: did you mean "retention"?'), warnings.join('\n'));
  assert.ok(warnings.some((w) => /databases\[0\]\.stable_ordr \(line 3\): unknown key "stable_ordr" ignored: did you mean "stable_order"\?/.test(w)));
  assert.ok(warnings.some((w) => /repository\.pasword_file .*did you mean "password_file"\?/.test(w)));
  const pw = warnings.find((w) => w.includes('"pasword"'))!;
  assert.doesNotMatch(pw, /did you mean "password"/);
});
