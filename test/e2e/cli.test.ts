/**
 * The `ttops` binary end to end: exit codes, `--json` output, config handling, licenses and
 * migrations as scripts use them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listMigrationFiles } from '../../src/store/migration-files.js';
import { postgresEngine, sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { ttops } from '../helpers/cli.js';

const STRONG = 'Zx8vQ2mN7pL4kR9tY3wB6cD1fG5hJ0sA';
const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'));

test('--version, --help and usage errors', async () => {
  const version = await ttops(['--version'], {});
  assert.equal(version.code, 0);
  assert.equal(version.stdout.trim(), pkg.version);
  const help = await ttops(['--help'], {});
  assert.equal(help.code, 0);
  for (const cmd of ['serve', 'config', 'migrate', 'license']) assert.match(help.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'));
  assert.match(help.stdout, /Exit codes: 0 ok/);
  const unknown = await ttops(['frobnicate'], {});
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
  const badInt = await ttops(['license', 'issue', '--plan', 'pro', '--ttl-days', 'abc'], {});
  assert.equal(badInt.code, 2);
  assert.match(badInt.stderr, /expected a whole number/);
});

test('configuration errors exit 4 with one sentence naming the variable, no stack', async () => {
  const bad = await ttops(['config'], { PORT: 'eighty' });
  assert.equal(bad.code, 4);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /^ttops: PORT="eighty" is invalid/);
  const json = await ttops(['--json', 'config'], { TTOPS_ENV: 'staging' });
  assert.equal(json.code, 4);
  assert.equal(JSON.parse(json.stderr).error.code, 'config_invalid');
});

test('serve in prod refuses a weak JWT_SECRET before touching anything', async () => {
  const home = await sqliteEngine();
  const r = await ttops(['serve', '--port', '0'], { ...home.env, TTOPS_ENV: 'prod', JWT_SECRET: 'short', ADMIN_API_KEY: STRONG });
  assert.equal(r.code, 4);
  assert.match(r.stderr, /JWT_SECRET is 5 bytes; production needs at least 32/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --verbose');
  const missing = await ttops(['serve'], { ...home.env, TTOPS_ENV: 'prod', JWT_SECRET: STRONG });
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /ADMIN_API_KEY is not set/);
  await home.cleanup();
});

test('config --json shows effective values with secrets redacted', async () => {
  const r = await ttops(['--json', 'config'], { JWT_SECRET: STRONG, DATABASE_URL: 'postgres://u:pw-secret@db/x', PORT: '9001' });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stdout.includes(STRONG) && !r.stdout.includes('pw-secret'));
  const out = JSON.parse(r.stdout);
  assert.equal(out.engine, 'postgres');
  assert.equal(out.settings.find((s: { name: string }) => s.name === 'PORT').value, '9001');
  assert.equal(out.settings.find((s: { name: string }) => s.name === 'JWT_SECRET').value, '[redacted]');
});

for (const make of [sqliteEngine, postgresEngine]) {
  describe(`license and migrate commands (${make.name})`, () => {
    let engine: TestEngine;
    before(async () => {
      engine = await make();
    });
    after(async () => engine.cleanup());

    test('migrate status --check fails while pending; concurrent migrate up is safe', async () => {
      const env = { ...engine.env, TTOPS_ENV: 'prod' };
      const pending = await ttops(['migrate', 'status', '--check'], env);
      assert.equal(pending.code, 1);
      assert.match(pending.stdout, /pending\s+0001_foundation/);
      assert.match(pending.stderr, /run `ttops migrate up`/);
      const runs = await Promise.all([1, 2, 3].map(() => ttops(['--json', 'migrate', 'up'], env)));
      assert.deepEqual(runs.map((r) => r.code), [0, 0, 0], runs.map((r) => r.stderr).join('\n'));
      const applied = runs.flatMap((r) => JSON.parse(r.stdout).applied);
      assert.deepEqual(applied.sort(), listMigrationFiles(engine.name).map((m) => m.name), 'each migration ran exactly once');
      const ok = await ttops(['--json', 'migrate', 'status', '--check'], env);
      assert.equal(ok.code, 0);
      assert.deepEqual(JSON.parse(ok.stdout).pending, []);
    });

    test('license issue/list/show/extend/revoke with --json and exit codes', async () => {
      const issued = await ttops(['--json', 'license', 'issue', '--plan', 'pro', '--ttl-days', '30', '--count', '3', '--note', 'promo'], engine.env);
      assert.equal(issued.code, 0, issued.stderr);
      const keys = JSON.parse(issued.stdout) as { id: number; key: string; expires_at: string }[];
      assert.equal(keys.length, 3);
      keys.forEach((k) => assert.match(k.key, /^TTB-/));

      const list = await ttops(['--json', 'license', 'list', '--status', 'active'], engine.env);
      assert.equal(list.code, 0);
      const listed = JSON.parse(list.stdout);
      assert.equal(listed.length, 3);
      assert.ok(!list.stdout.includes(keys[0].key), 'list never shows a full key');
      assert.equal(listed[0].note, 'promo');

      const shown = JSON.parse((await ttops(['--json', 'license', 'show', keys[1].key.toLowerCase()], engine.env)).stdout);
      assert.equal(shown.id, keys[1].id);

      const extended = JSON.parse((await ttops(['--json', 'license', 'extend', String(keys[1].id), '--days', '5'], engine.env)).stdout);
      assert.equal(extended.ttl_days, 35);

      const revoked = await ttops(['--json', 'license', 'revoke', keys[2].key, '--yes'], engine.env);
      assert.equal(revoked.code, 0);
      assert.equal(JSON.parse(revoked.stdout).status, 'revoked');
      const again = await ttops(['license', 'revoke', keys[2].key], engine.env);
      assert.equal(again.code, 6);
      assert.match(again.stderr, /^ttops: this license key is revoked/);
      const unknown = await ttops(['license', 'show', 'TTB-0000-0000-0000'], engine.env);
      assert.equal(unknown.code, 5);
      const badStatus = await ttops(['license', 'list', '--status', 'weird'], engine.env);
      assert.equal(badStatus.code, 2);
    });
  });
}

test('credits grant and show by username and tg:ID, with the ledger as JSON', async () => {
  const engine = await sqliteEngine();
  try {
    const grant = await ttops(['--json', 'credits', 'grant', 'tg:555001', '5', '--reason', 'welcome bonus'], engine.env);
    assert.equal(grant.code, 0, grant.stderr);
    assert.equal(JSON.parse(grant.stdout).credits, 5);
    assert.equal(JSON.parse((await ttops(['--json', 'credits', 'grant', 'tg:555001', '2'], engine.env)).stdout).credits, 7);
    const shown = await ttops(['--json', 'credits', 'show', 'tg:555001'], engine.env);
    const body = JSON.parse(shown.stdout);
    assert.equal(body.credits, 7);
    assert.deepEqual(body.ledger.map((e: { delta: number }) => e.delta), [2, 5]);
    assert.equal(body.ledger[1].reason, 'welcome bonus');
    assert.deepEqual(Object.keys(body.ledger[0]).sort(), ['at', 'delta', 'job_id', 'kind', 'reason']);
    assert.equal((await ttops(['credits', 'show', 'nobody-by-that-name'], engine.env)).code, 5);
    assert.equal((await ttops(['credits', 'grant', 'tg:555001', '-3'], engine.env)).code, 2);
    assert.equal((await ttops(['credits', 'grant', 'tg:abc', '3'], engine.env)).code, 2);
  } finally {
    await engine.cleanup();
  }
});
