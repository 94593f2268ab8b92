import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { describeConfig } from '../../src/config/redact.js';
import { sourcedRows } from '../../src/cli/commands/config.js';
import { resolveSecrets, weakness } from '../../src/config/secrets.js';
import { ConfigError } from '../../src/errors.js';
import { testConfig } from '../helpers/config.js';

const STRONG = 'q8Yv3kP0xZr7LmN2bT5wC9dF1gH4jS6u';

test('defaults follow the design: dev, SQLite home, 127.0.0.1:8000, derived URLs', () => {
  const c = testConfig({}, '/srv/app');
  assert.equal(c.env, 'dev');
  assert.equal(c.home, '/srv/app/.ttops');
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.serverHost, 'http://127.0.0.1:8000');
  assert.equal(c.mediaBaseUrl, 'http://127.0.0.1:8000');
  assert.equal(c.mediaDir, '/srv/app/.ttops/media');
  assert.equal(c.passwordRounds, 600000);
  assert.equal(c.log.format, 'json');
});

test('TTS_BASE_URL is accepted as an alias of MEDIA_BASE_URL', () => {
  assert.equal(testConfig({ TTS_BASE_URL: 'https://media.example.com/' }).mediaBaseUrl, 'https://media.example.com');
  assert.equal(testConfig({ TTS_BASE_URL: 'https://a.example', MEDIA_BASE_URL: 'https://b.example' }).mediaBaseUrl, 'https://b.example');
});

test('malformed values name the variable and say what to do', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PORT: 'eighty' }, /^PORT="eighty" is invalid/],
    [{ TTOPS_ENV: 'production' }, /^TTOPS_ENV="production" is invalid/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL=\[redacted\] is invalid: must start with postgres/],
    [{ SERVER_HOST: 'not a url' }, /^SERVER_HOST=/],
    [{ PASSWORD_ROUNDS: '1000' }, /^PASSWORD_ROUNDS=/],
    [{ TTOPS_HOEM: '/tmp' }, /unknown variable TTOPS_HOEM/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => testConfig(env), (e: unknown) => e instanceof ConfigError && message.test(e.message), JSON.stringify(env));
  }
});

test('an env file is read, the environment wins, and unknown keys in it are refused', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ttops-cfg-'));
  writeFileSync(path.join(dir, '.env'), 'PORT=9000\nHOST=0.0.0.0\n');
  const c = loadConfig({ env: { PORT: '9100' }, cwd: dir });
  assert.equal(c.port, 9100);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.envFile, path.join(dir, '.env'));
  writeFileSync(path.join(dir, 'bad.env'), 'PORTT=1\n');
  assert.throws(() => loadConfig({ env: {}, cwd: dir, envFile: 'bad.env' }), /unknown variable PORTT/);
  assert.throws(() => loadConfig({ env: {}, cwd: dir, envFile: 'missing.env' }), /does not exist/);
});

test('prod refuses missing or weak secrets with a sentence naming the variable', () => {
  assert.throws(() => resolveSecrets(testConfig({ TTOPS_ENV: 'prod' })), /JWT_SECRET is not set; production needs it/);
  assert.throws(() => resolveSecrets(testConfig({ TTOPS_ENV: 'prod', JWT_SECRET: 'short', ADMIN_API_KEY: STRONG })), /JWT_SECRET is 5 bytes; production needs at least 32/);
  assert.throws(() => resolveSecrets(testConfig({ TTOPS_ENV: 'prod', JWT_SECRET: STRONG, ADMIN_API_KEY: 'a'.repeat(40) })), /ADMIN_API_KEY looks guessable \(about \d+ bits.*— generate one with `openssl rand -hex 32` or run `ttops init`/);
  assert.deepEqual(resolveSecrets(testConfig({ TTOPS_ENV: 'prod', JWT_SECRET: STRONG, ADMIN_API_KEY: `${STRONG}x` })), { jwtSecret: STRONG, adminApiKey: `${STRONG}x` });
  assert.equal(weakness('changeme'), 'is 8 bytes; production needs at least 32');
});

test('dev generates secrets once into TTOPS_HOME with mode 0600 and reuses them', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'ttops-home-'));
  const first = resolveSecrets(testConfig({ TTOPS_HOME: home }));
  const second = resolveSecrets(testConfig({ TTOPS_HOME: home }));
  assert.deepEqual(first, second);
  assert.equal(weakness(first.jwtSecret), undefined);
  const file = path.join(home, 'secrets.env');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.match(readFileSync(file, 'utf8'), /^JWT_SECRET=/m);
});

test('printed configuration redacts secrets and database passwords', () => {
  const rows = describeConfig(testConfig({ JWT_SECRET: STRONG, DATABASE_URL: 'postgres://app:hunter2@db:5432/ttops', KIE_API_KEYS: 'k1,k2' }));
  const text = JSON.stringify(rows);
  assert.ok(!text.includes(STRONG) && !text.includes('hunter2') && !text.includes('k1,k2'), text);
  assert.equal(rows.find((r) => r.name === 'DATABASE_URL')?.value, 'postgres://app:%5Bredacted%5D@db:5432/ttops');
  assert.equal(rows.find((r) => r.name === 'PORT')?.value, '8000');
  assert.equal(rows.find((r) => r.name === 'PORT')?.source, 'default');
});

test('config names where each value came from: env, the env file, the generated dev secrets, the default', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'ttops-home-'));
  const file = path.join(home, 'app.env');
  writeFileSync(file, 'PORT=9001\nHOST=0.0.0.0\n');
  const config = loadConfig({ env: { TTOPS_HOME: home, HOST: '127.0.0.2' }, envFile: file });
  const before = sourcedRows(config);
  const row = (rows: typeof before, name: string) => rows.find((r) => r.name === name)!;
  assert.deepEqual([row(before, 'PORT').source, row(before, 'PORT').file], ['env_file', file]);
  assert.deepEqual([row(before, 'HOST').value, row(before, 'HOST').source], ['127.0.0.2', 'env'], 'the environment wins and says so');
  assert.deepEqual([row(before, 'JWT_TTL_DAYS').source, row(before, 'JWT_TTL_DAYS').file], ['default', null]);
  assert.deepEqual([row(before, 'ADMIN_API_KEY').value, row(before, 'ADMIN_API_KEY').source], [null, 'default'], 'not generated yet');
  const secrets = resolveSecrets(config);
  const after = sourcedRows(config);
  assert.deepEqual(row(after, 'ADMIN_API_KEY'), { ...row(before, 'ADMIN_API_KEY'), value: '[redacted]', source: 'dev_secrets', file: path.join(home, 'secrets.env'), description: row(after, 'ADMIN_API_KEY').description });
  assert.ok(!JSON.stringify(after).includes(secrets.adminApiKey), 'still redacted');
});
