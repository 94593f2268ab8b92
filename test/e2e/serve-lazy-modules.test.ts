/**
 * A `serve` without a bot token and with `--workers 0` loads neither grammY nor undici
 * (issue 10: together ~8 MB of a fresh serve's RSS). The real process runs with an
 * `--import` preload (NODE_OPTIONS) that registers a module hook writing every resolved URL
 * to a file, and at exit adds the CommonJS cache (grammY and undici are CommonJS). A serve
 * with a token is the control: the same recorder sees grammY there.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { startServe, stop } from '../helpers/cli.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';

const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, resolved.url + '\\n');
  return resolved;
}
`;

const REGISTER = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
const file = process.env.RECORD_MODULES_FILE;
register(new URL('./hooks.mjs', import.meta.url), { data: { file } });
process.on('exit', () => appendFileSync(file, Object.keys(createRequire(process.execPath).cache).join('\\n') + '\\n'));
`;

/** Runs serve with the recorder until it listens, stops it, and returns what it loaded. */
async function modulesOfServe(engine: TestEngine, env: Record<string, string> = {}): Promise<{ loaded: string[]; banner: string }> {
  const home = engine.settings.home;
  const file = path.join(home, 'modules.txt');
  writeFileSync(path.join(home, 'hooks.mjs'), HOOKS);
  writeFileSync(path.join(home, 'register.mjs'), REGISTER);
  writeFileSync(file, '');
  const server = await startServe({ ...engine.env, ...env, LOG_LEVEL: 'info', RECORD_MODULES_FILE: file, NODE_OPTIONS: `--import ${pathToFileURL(path.join(home, 'register.mjs')).href}` }, ['--workers', '0']);
  const banner = /.*listening on.*/.exec(server.stderr())?.[0] ?? '';
  assert.equal(await stop(server.child), 0, server.stderr());
  return { loaded: readFileSync(file, 'utf8').split('\n').filter(Boolean), banner };
}

const matching = (loaded: string[], pattern: RegExp) => [...new Set(loaded.filter((m) => pattern.test(m)))];
const GRAMMY = /\/node_modules\/(grammy|@grammyjs)\//;
const UNDICI = /\/node_modules\/undici\//;
const BOT_CODE = /\/dist\/src\/bot\/|\/routes\/telegram\.js$/;

test('serve without a bot token and with --workers 0 loads neither grammY, the bot, nor undici', async () => {
  const engine = await sqliteEngine();
  try {
    const { loaded, banner } = await modulesOfServe(engine);
    assert.match(banner, /bot off/);
    // The recorder saw the app: ESM files and CommonJS packages alike.
    assert.ok(loaded.some((m) => m.endsWith('/dist/src/daemon/serve.js')), 'the recorder saw serve');
    assert.ok(matching(loaded, /\/node_modules\/fastify\//).length > 0, 'the recorder saw fastify');
    assert.deepEqual(matching(loaded, GRAMMY), []);
    assert.deepEqual(matching(loaded, BOT_CODE), []);
    assert.deepEqual(matching(loaded, UNDICI), []);
  } finally {
    await engine.cleanup();
  }
});

test('with a token the same recorder sees grammY and the bot load', async () => {
  const engine = await sqliteEngine();
  const tg = await startFakeTelegram({ token: '123456:LAZY-test' });
  try {
    const { loaded, banner } = await modulesOfServe(engine, { TELEGRAM_BOT_TOKEN: '123456:LAZY-test', TELEGRAM_API_ROOT: tg.apiRoot });
    assert.match(banner, /bot polling/);
    assert.ok(matching(loaded, GRAMMY).length > 0, 'grammY was loaded');
    assert.ok(matching(loaded, BOT_CODE).length > 0, 'the bot was loaded');
    // Still no undici: nothing has called out through the job clients yet.
    assert.deepEqual(matching(loaded, UNDICI), []);
  } finally {
    await tg.close();
    await engine.cleanup();
  }
});
