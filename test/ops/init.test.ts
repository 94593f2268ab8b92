/**
 * `ttops init`: the exact env file for fixed answers (secrets replaced by fixed values),
 * the redacted plan, flag checks, and the real binary writing a 0600 file with strong
 * secrets that it never prints, refusing a second run without --force.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { loadConfig } from '../../src/config/load.js';
import { weakness } from '../../src/config/secrets.js';
import { checkAnswers, planInit, type InitAnswers } from '../../src/ops/init/plan.js';
import { nextStep } from '../../src/ops/init/run.js';
import { planToJson, renderPlan, Secret } from '../../src/ops/plan.js';
import { ttops } from '../helpers/cli.js';
import { tempDir } from '../helpers/engines.js';
import { assertGoldenText } from './fixtures/deploy/inputs.js';

const NOW = new Date('2026-01-02T03:04:05Z');

/** Fixed stand-ins for generated secrets: long and varied enough to pass the strength check. */
function fixedSecrets(): () => Secret {
  let n = 0;
  return () => new Secret(`fixed-secret-${++n}-q8Yv3kP0xZr7LmN2bT5wC9dF1gH4jS6u`);
}

const PROD: InitAnswers = { prod: true, apiDomain: 'api.example.test', mediaDomain: 'media.example.test', createLocalDb: true, botToken: '123456:ABC-def_GHI', kieKeys: ['kie-one', 'kie-two'] };

test('init renders exactly the golden env file (fixed secrets), and it loads without a complaint', (t) => {
  const plans = planInit(PROD, { envFile: '/etc/ttops/ttops.env', now: NOW, secret: fixedSecrets() });
  const [file] = plans.envFile.files;
  assert.equal(file.mode, 0o600);
  assert.equal(file.sensitive, true);
  assertGoldenText('env-prod.env', file.content);
  const values = parseEnv(file.content) as Record<string, string>;
  assert.equal(values.DATABASE_URL, 'postgres://ttops:fixed-secret-1-q8Yv3kP0xZr7LmN2bT5wC9dF1gH4jS6u@127.0.0.1:5432/ttops');
  assert.equal(values.TTOPS_HOME, '/var/lib/ttops');
  const dir = tempDir('ttops-init-load-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'ttops.env'), file.content);
  const config = loadConfig({ env: {}, cwd: dir, envFile: path.join(dir, 'ttops.env') });
  assert.equal(config.env, 'prod');
  assert.equal(config.serverHost, 'https://api.example.test');
  assert.deepEqual(config.kie.apiKeys, ['kie-one', 'kie-two']);
  assert.equal(weakness(config.jwtSecret!), undefined);
  assert.deepEqual(plans.generated, ['JWT_SECRET', 'ADMIN_API_KEY', 'the database password (inside DATABASE_URL)', 'TELEGRAM_WEBHOOK_SECRET']);
});

test('the shown plan redacts every secret and is exact for fixed answers', () => {
  const plans = planInit(PROD, { envFile: '/etc/ttops/ttops.env', now: NOW, secret: fixedSecrets() });
  const json = JSON.stringify(planToJson(plans.display), null, 2);
  assertGoldenText('init-plan.json', `${json}\n`);
  const text = renderPlan(plans.display);
  for (const secret of ['fixed-secret', '123456:ABC', 'kie-one']) {
    assert.ok(!json.includes(secret) && !text.includes(secret), `${secret} never shown`);
  }
  assert.match(text, /runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -c '\[redacted\]'/);
  assert.match(plans.display.files[0].content, /^JWT_SECRET=\[redacted\]$/m);
  assert.match(plans.display.files[0].content, /^SERVER_HOST=https:\/\/api\.example\.test$/m, 'everything else is shown');
});

test('a dev env file leaves TTOPS_HOME and the database at their defaults', () => {
  const plans = planInit({ prod: false, apiDomain: 'api.example.test', mediaDomain: 'media.example.test' }, { envFile: '/x/.env', now: NOW, secret: fixedSecrets() });
  const values = parseEnv(plans.envFile.files[0].content) as Record<string, string>;
  assert.equal(values.TTOPS_ENV, 'dev');
  assert.equal(values.TTOPS_HOME, undefined);
  assert.equal(values.DATABASE_URL, undefined);
  assert.equal(plans.database.commands.length, 0);
});

test('flags are checked and the wrong one is named (exit 2)', () => {
  const base = { prod: false, apiDomain: 'api.example.test', mediaDomain: 'media.example.test' };
  const cases: Array<[Partial<InitAnswers>, RegExp]> = [
    [{ apiDomain: '' }, /--api-domain is required/],
    [{ apiDomain: 'api example.test' }, /--api-domain "api example.test" is not a DNS name/],
    [{ mediaDomain: '10.0.0.1' }, /--media-domain/],
    [{ mediaDomain: 'API.example.test' }, /--media-domain must differ/],
    [{ databaseUrl: 'mysql://x' }, /--database-url must be a postgres/],
    [{ databaseUrl: 'postgres://u@h/d', createLocalDb: true }, /--create-local-db cannot be combined/],
    [{ botToken: 'nope' }, /--bot-token/],
    [{ kieKeys: ['a b'] }, /--kie-keys/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => checkAnswers({ ...base, ...change }), (e: Error & { exitCode?: number }) => message.test(e.message) && e.exitCode === 2, String(message));
  }
});

test('init --yes through the binary: 0600 file, strong secrets never printed, second run refused, --force replaces', async (t) => {
  const dir = tempDir('ttops-init-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const args = ['init', '--yes', '--api-domain', 'api.example.test', '--media-domain', 'media.example.test', '--kie-keys', 'k1,k2'];
  const first = await ttops(args, {}, dir);
  assert.equal(first.code, 0, first.stderr);
  const file = path.join(dir, '.env');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const values = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  for (const name of ['JWT_SECRET', 'ADMIN_API_KEY']) {
    assert.ok(Buffer.from(values[name], 'base64url').length >= 32, `${name} has ≥32 random bytes`);
    assert.equal(weakness(values[name]), undefined, `${name} is strong`);
    assert.ok(!first.stdout.includes(values[name]) && !first.stderr.includes(values[name]), `${name} never printed`);
  }
  assert.match(first.stdout, new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(mode 0600\\)`));
  assert.match(first.stdout, /generated: JWT_SECRET, ADMIN_API_KEY/);
  assert.ok(!existsSync(`${file}.ttops-tmp-${process.pid}`));

  const second = await ttops(args, {}, dir);
  assert.equal(second.code, 6);
  assert.equal(second.stderr.trim().split('\n').length, 1, 'one sentence');
  assert.match(second.stderr, /already exists; pass --force to replace it/);
  assert.deepEqual(parseEnv(readFileSync(file, 'utf8')), values, 'file untouched');

  const forced = await ttops([...args, '--force', '--json'], {}, dir);
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout), { env_file: file, env: 'dev', mode: '0600', generated: ['JWT_SECRET', 'ADMIN_API_KEY'], database_created: false, dry_run: false, next: `\`ttops serve\` (it reads ${file} by itself)` });
  assert.notEqual((parseEnv(readFileSync(file, 'utf8')) as Record<string, string>).JWT_SECRET, values.JWT_SECRET);

  const config = await ttops(['config', '--json'], {}, dir);
  assert.equal(config.code, 0, config.stderr);
  assert.ok(!config.stdout.includes(values.ADMIN_API_KEY));
  assert.match(config.stdout, /https:\/\/media\.example\.test/);
});

test('init without a terminal needs --yes; --dry-run --json shows the plan redacted and writes nothing', async (t) => {
  const dir = tempDir('ttops-init-dry-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const noYes = await ttops(['init', '--api-domain', 'api.example.test', '--media-domain', 'media.example.test'], {}, dir);
  assert.equal(noYes.code, 2);
  assert.match(noYes.stderr, /asks questions only on a terminal; pass --yes/);
  const target = path.join(dir, 'etc', 'ttops.env');
  const dry = await ttops(['init', '--yes', '--prod', '--dry-run', '--json', '--create-local-db', '--api-domain', 'api.example.test', '--media-domain', 'media.example.test'], { TTOPS_ENV_FILE: target }, dir);
  assert.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout) as { files: { path: string; mode: number; content: string }[]; commands: { argv: string[] }[] };
  assert.equal(plan.files[0].path, target);
  assert.equal(plan.files[0].mode, 0o600);
  assert.match(plan.files[0].content, /^DATABASE_URL=\[redacted\]$/m);
  assert.deepEqual(plan.commands.map((c) => c.argv.slice(4, 6)), [['createuser', '--no-superuser'], ['psql', '-X'], ['createdb', '--owner']]);
  assert.ok(!existsSync(target), 'nothing written');
});

test("init's next step is true for the file it wrote", () => {
  const io = { cwd: '/srv/app', env: {} };
  assert.equal(nextStep(io, false, '/srv/app/.env'), '`ttops serve` (it reads /srv/app/.env by itself)');
  assert.equal(nextStep(io, false, '/srv/app/new.env'), '`ttops serve --env-file /srv/app/new.env`');
  assert.equal(nextStep(io, true, '/etc/ttops/ttops.env'), '`sudo ttops deploy` (it reads /etc/ttops/ttops.env by itself)');
  assert.equal(nextStep(io, true, '/root/staging.env'), '`sudo ttops deploy --env-file /root/staging.env`');
  assert.equal(nextStep({ cwd: '/srv/app', env: { TTOPS_ENV_FILE: 'other.env' } }, false, '/srv/app/other.env'), '`ttops serve` (it reads /srv/app/other.env by itself)');
});
