/**
 * The bot through the built binary: `ttops serve` runs it by long polling and stops it on
 * SIGTERM, `--no-bot` runs none, and `ttops bot webhook set|info|delete` register what serve
 * expects (URL with the token hash, secret, update kinds) or refuse with one sentence.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ALLOWED_UPDATES, webhookUrl } from '../../src/bot/mode.js';
import { waitFor } from '../fakes/http.js';
import { startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { startServe, stop, ttops } from '../helpers/cli.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { SECRET, TOKEN } from './harness.js';
import { text } from './updates.js';

let engine: TestEngine;
let tg: FakeTelegramServer;
let env: Record<string, string>;

before(async () => {
  engine = await sqliteEngine();
  tg = await startFakeTelegram({ token: TOKEN, maxPollMs: 300 });
  env = { ...engine.env, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_WEBHOOK_SECRET: SECRET };
});
after(async () => {
  await tg.close();
  await engine.cleanup();
});

test('serve polls with the token, answers /start, and stops cleanly on SIGTERM', async () => {
  const { child, stderr } = await startServe(env, ['--workers', '0']);
  try {
    tg.pushUpdate(text(740_001, '/start'));
    await waitFor(() => tg.callsOf('sendMessage').some((c) => c.payload.chat_id === 740_001), 10_000, 'the /start answer');
    assert.match(String(tg.callsOf('sendMessage').find((c) => c.payload.chat_id === 740_001)!.payload.text), /^Привет!/);
  } finally {
    assert.equal(await stop(child), 0, stderr());
  }
  const polls = tg.callsOf('getUpdates').length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(tg.callsOf('getUpdates').length, polls, 'no polling after exit');
});

test('serve --no-bot runs no bot even with a token', async () => {
  const before = tg.calls.length;
  const { child, url } = await startServe(env, ['--workers', '0', '--no-bot']);
  try {
    assert.equal((await fetch(`${url}/health`)).status, 200);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(tg.calls.length, before, 'no Bot API call');
  } finally {
    assert.equal(await stop(child), 0);
  }
});

test('bot webhook set registers the hashed URL, the secret and the update kinds; info shows it; delete removes it', async () => {
  const https = { ...env, SERVER_HOST: 'https://api.example.com' };
  const set = await ttops(['bot', 'webhook', 'set', '--json'], https);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(tg.webhook.url, webhookUrl('https://api.example.com', TOKEN));
  assert.match(tg.webhook.url, /^https:\/\/api\.example\.com\/v2\/telegram\/webhook\/[0-9a-f]{32}$/);
  assert.equal(tg.webhook.secret_token, SECRET);
  assert.deepEqual(tg.webhook.allowed_updates, [...ALLOWED_UPDATES]);
  assert.ok(!set.stdout.includes(SECRET), 'the secret is not printed');
  assert.equal(JSON.parse(set.stdout).secret_token, '[redacted]');

  const info = await ttops(['bot', 'webhook', 'info'], https);
  assert.equal(info.code, 0, info.stderr);
  assert.match(info.stdout, new RegExp(`url: ${tg.webhook.url}`));

  const del = await ttops(['bot', 'webhook', 'delete'], https);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(tg.webhook.url, '');
});

test('bot webhook set refuses plain http and a missing token with one sentence', async () => {
  const http = await ttops(['bot', 'webhook', 'set'], env);
  assert.equal(http.code, 2);
  assert.match(http.stderr, /Telegram only calls https:\/\/ URLs/);
  assert.doesNotMatch(http.stderr, /\n\s+at /, 'no stack trace');
  const { TELEGRAM_BOT_TOKEN: _, ...noToken } = env;
  const missing = await ttops(['bot', 'webhook', 'info'], noToken);
  assert.equal(missing.code, 4);
  assert.match(missing.stderr, /TELEGRAM_BOT_TOKEN is not set/);
});
