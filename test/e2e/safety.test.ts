/**
 * Operator safety through the built binary: destructive commands confirm (or need --yes)
 * and keep a way back, --dry-run changes nothing, Ctrl-C at a prompt is exit 130 with one
 * line, and bad amounts and a wrong DATABASE_URL get a sentence and the README's exit code.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { CTRL_C, ttops, ttopsOnPty } from '../helpers/cli.js';

async function migrated(): Promise<TestEngine> {
  const engine = await sqliteEngine();
  assert.equal((await ttops(['migrate', 'up'], engine.env)).code, 0);
  return engine;
}

async function pending(env: Record<string, string>): Promise<string[]> {
  return JSON.parse((await ttops(['--json', 'migrate', 'status'], env)).stdout).pending;
}

test('migrate down needs --yes without a terminal, shows itself with --dry-run, reverts with --yes', async () => {
  const engine = await migrated();
  try {
    const refused = await ttops(['migrate', 'down', '--count', '4'], engine.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^ttops: migrate down drops .* there is no terminal to confirm on — pass --yes/);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    assert.deepEqual(await pending(engine.env), [], 'nothing reverted');

    const dry = await ttops(['migrate', 'down', '--count', '2', '--dry-run'], engine.env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(dry.stdout.match(/^would revert /gm)?.length, 2);
    assert.match(dry.stdout, /dry run: nothing changed/);
    assert.deepEqual(await pending(engine.env), []);

    const done = await ttops(['--json', 'migrate', 'down', '--yes'], engine.env);
    assert.equal(done.code, 0, done.stderr);
    const { reverted, backup } = JSON.parse(done.stdout);
    assert.equal(reverted.length, 1);
    assert.equal(backup, null, 'dev takes no backup');
    assert.deepEqual(await pending(engine.env), reverted);
  } finally {
    await engine.cleanup();
  }
});

test('migrate down in prod takes a backup first and says where', async () => {
  const engine = await migrated();
  try {
    const env = { ...engine.env, TTOPS_ENV: 'prod' };
    const r = await ttops(['migrate', 'down', '--yes'], env);
    assert.equal(r.code, 0, r.stderr);
    const m = /^backup (\S+) taken in (\S+) — go back with `ttops backup restore \1 --yes`$/m.exec(r.stderr);
    assert.ok(m, r.stderr);
    assert.equal(m[2], path.join(engine.settings.home, 'backups', m[1]));
    assert.ok(existsSync(path.join(m[2], 'manifest.json')), 'a complete backup folder');
    assert.match(r.stdout, /^reverted /m);
    assert.equal((await pending(env)).length, 1);
  } finally {
    await engine.cleanup();
  }
});

test('license revoke needs --yes without a terminal; --dry-run changes nothing; --yes revokes', async () => {
  const engine = await migrated();
  try {
    const key = JSON.parse((await ttops(['--json', 'license', 'issue', '--plan', 'pro', '--ttl-days', '30'], engine.env)).stdout).key;
    const status = async () => JSON.parse((await ttops(['--json', 'license', 'show', key], engine.env)).stdout).status;
    const refused = await ttops(['license', 'revoke', key], engine.env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^ttops: license revoke .* cannot be undone .* pass --yes to go ahead/);
    assert.equal(await status(), 'active');
    const dry = await ttops(['license', 'revoke', key, '--dry-run'], engine.env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^would revoke TTB-/);
    assert.equal(await status(), 'active');
    assert.equal((await ttops(['license', 'revoke', key, '--yes'], engine.env)).code, 0);
    assert.equal(await status(), 'revoked');
  } finally {
    await engine.cleanup();
  }
});

test('credits grant with a bad amount says so in a sentence and exits 2', async () => {
  const engine = await sqliteEngine();
  try {
    for (const amount of ['-5', 'abc', '0', '1.5']) {
      const r = await ttops(['credits', 'grant', 'tg:12345', amount], engine.env);
      assert.equal(r.code, 2, amount);
      assert.match(r.stderr, /pass a whole number from 1 to 1000000/, amount);
      assert.equal(r.stderr.trim().split('\n').length, 1, amount);
    }
    assert.match((await ttops(['credits', 'grant', 'tg:12345', '-5'], engine.env)).stderr, /-5 is negative: credits grant only adds credits/);
    assert.ok(!existsSync(path.join(engine.settings.home, 'ttops.db')), 'nothing was opened, let alone written');
  } finally {
    await engine.cleanup();
  }
});

test('Ctrl-C at the init prompt exits 130 with one line and writes nothing', async () => {
  const engine = await sqliteEngine();
  try {
    const r = await ttopsOnPty(['init'], {}, { cwd: engine.settings.home, steps: [{ waitFor: /production server/, send: CTRL_C }] });
    assert.equal(r.code, 130, r.output);
    assert.match(r.output, /ttops: interrupted — nothing was changed\r\n(\x1B\[\?25h)*$/);
    assert.doesNotMatch(r.output, /internal error/);
    assert.equal(r.output.match(/ttops:/g)?.length, 1, 'one line');
    assert.deepEqual(readdirSync(engine.settings.home), [], 'no env file, nothing else');
  } finally {
    await engine.cleanup();
  }
});

test('Ctrl-C at the revoke and restore confirmations exits 130 and changes nothing; "y" revokes', async () => {
  const engine = await migrated();
  try {
    const key = JSON.parse((await ttops(['--json', 'license', 'issue', '--plan', 'pro', '--ttl-days', '30'], engine.env)).stdout).key;
    const status = async () => JSON.parse((await ttops(['--json', 'license', 'show', key], engine.env)).stdout).status;
    const revoke = await ttopsOnPty(['license', 'revoke', key], engine.env, { steps: [{ waitFor: /Revoke TTB-.*\?/, send: CTRL_C }] });
    assert.equal(revoke.code, 130, revoke.output);
    assert.match(revoke.output, /ttops: interrupted — nothing was changed\r\n(\x1B\[\?25h)*$/);
    assert.equal(await status(), 'active');

    const backups = path.join(engine.settings.home, 'backups');
    const id = JSON.parse((await ttops(['--json', 'backup', 'create'], engine.env)).stdout).id;
    const restore = await ttopsOnPty(['backup', 'restore', id], engine.env, { steps: [{ waitFor: /Replace .* with backup/, send: CTRL_C }] });
    assert.equal(restore.code, 130, restore.output);
    assert.match(restore.output, /ttops: interrupted — nothing was changed\r\n(\x1B\[\?25h)*$/);
    assert.doesNotMatch(restore.output, /internal error/);
    assert.deepEqual(readdirSync(backups), [id], 'no safety backup: nothing was started');

    const yes = await ttopsOnPty(['license', 'revoke', key], engine.env, { steps: [{ waitFor: /Revoke TTB-.*\?/, send: 'y\r' }] });
    assert.equal(yes.code, 0, yes.output);
    assert.equal(await status(), 'revoked');
  } finally {
    await engine.cleanup();
  }
});
