import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sendTelegramMessage, sendTelegramVideo, type TelegramSendOptions } from '../../src/jobs/telegram-send.js';
import { startFakeTelegram, TG_FAILURES, type FakeTelegramServer } from '../fakes/telegram-server.js';

const MSG = { chatId: 4242, text: 'Your video is ready', replyMarkup: { inline_keyboard: [[{ text: 'Open', callback_data: 'open:1' }]] } };

function opts(fake: FakeTelegramServer, timeoutMs = 2000): TelegramSendOptions {
  return { apiRoot: fake.apiRoot, token: fake.token, timeoutMs, retryDelayMs: 1500 };
}

test('telegram-send: sent → message id, payload as the Bot API expects', async () => {
  const fake = await startFakeTelegram();
  try {
    const result = await sendTelegramMessage(opts(fake), MSG);
    assert.equal(result.outcome, 'sent');
    assert.ok(result.outcome === 'sent' && result.messageId > 0);
    assert.deepEqual(fake.callsOf('sendMessage')[0].payload, { chat_id: 4242, text: MSG.text, reply_markup: MSG.replyMarkup });
  } finally {
    await fake.close();
  }
});

test('telegram-send: 429 → retry after retry_after seconds', async () => {
  const fake = await startFakeTelegram();
  fake.failNext('sendMessage', TG_FAILURES.tooManyRequests(7));
  try {
    assert.deepEqual(await sendTelegramMessage(opts(fake), MSG), { outcome: 'retry', retryAfterMs: 7000, reason: 'rate_limited' });
  } finally {
    await fake.close();
  }
});

test('telegram-send: closed server (connection refused) → retry', async () => {
  const fake = await startFakeTelegram();
  await fake.close();
  const result = await sendTelegramMessage(opts(fake), MSG);
  assert.equal(result.outcome, 'retry');
  assert.ok(result.outcome === 'retry' && result.retryAfterMs === 1500 && /ECONNREFUSED/.test(result.reason));
});

test('telegram-send: DNS failure → retry', async () => {
  const result = await sendTelegramMessage({ apiRoot: 'http://ttops-no-such-host.invalid', token: '1:x', timeoutMs: 2000 }, MSG);
  assert.equal(result.outcome, 'retry');
});

test('telegram-send: hang → unknown within the timeout, never resent', async () => {
  const fake = await startFakeTelegram();
  try {
    // Warm a keep-alive connection so the 200 ms budget is spent waiting, not connecting.
    assert.equal((await sendTelegramMessage(opts(fake), MSG)).outcome, 'sent');
    fake.failNext('sendMessage', TG_FAILURES.hang);
    const started = Date.now();
    const result = await sendTelegramMessage(opts(fake, 200), MSG);
    const took = Date.now() - started;
    assert.equal(result.outcome, 'unknown');
    assert.ok(result.outcome === 'unknown' && result.reason.startsWith('timeout_after_send'), JSON.stringify(result));
    assert.ok(took >= 190 && took < 1500, `took ${took} ms`);
    assert.equal(fake.callsOf('sendMessage').length, 2);
    assert.equal(fake.hanging(), 1);
  } finally {
    await fake.close();
  }
});

test('telegram-send: connection reset after the request was sent → unknown', async () => {
  const fake = await startFakeTelegram();
  fake.failNext('sendMessage', TG_FAILURES.reset);
  try {
    const result = await sendTelegramMessage(opts(fake), MSG);
    assert.equal(result.outcome, 'unknown');
  } finally {
    await fake.close();
  }
});

test('telegram-send: 403 blocked and 400 chat not found → failed, permanent', async () => {
  const fake = await startFakeTelegram();
  fake.failNext('sendMessage', TG_FAILURES.blocked);
  fake.failNext('sendMessage', TG_FAILURES.chatNotFound);
  try {
    assert.deepEqual(await sendTelegramMessage(opts(fake), MSG), { outcome: 'failed', code: 'telegram_blocked', permanent: true, description: 'Forbidden: bot was blocked by the user' });
    const second = await sendTelegramMessage(opts(fake), MSG);
    assert.ok(second.outcome === 'failed' && second.code === 'telegram_chat_not_found' && second.permanent);
  } finally {
    await fake.close();
  }
});

test('telegram-send: Bot API 500 → retry; proxy 502 page → unknown', async () => {
  const fake = await startFakeTelegram();
  fake.failNext('sendMessage', TG_FAILURES.internal);
  fake.failNext('sendMessage', TG_FAILURES.badGateway);
  try {
    assert.equal((await sendTelegramMessage(opts(fake), MSG)).outcome, 'retry');
    assert.equal((await sendTelegramMessage(opts(fake), MSG)).outcome, 'unknown');
  } finally {
    await fake.close();
  }
});

test('telegram-send: wrong token → failed permanent, token not in the result', async () => {
  const fake = await startFakeTelegram();
  try {
    const result = await sendTelegramMessage({ ...opts(fake), token: '999:wrong-token' }, MSG);
    assert.ok(result.outcome === 'failed' && result.code === 'telegram_unauthorized');
    assert.doesNotMatch(JSON.stringify(result), /wrong-token/);
  } finally {
    await fake.close();
  }
});

test('telegram-send: sendVideo by URL with caption', async () => {
  const fake = await startFakeTelegram();
  try {
    const result = await sendTelegramVideo(opts(fake), { chatId: 7, video: 'https://media.example/v/1.mp4', caption: 'Video 1 of 3' });
    assert.equal(result.outcome, 'sent');
    assert.deepEqual(fake.callsOf('sendVideo')[0].payload, { chat_id: 7, video: 'https://media.example/v/1.mp4', supports_streaming: true, caption: 'Video 1 of 3' });
  } finally {
    await fake.close();
  }
});

test('telegram fake: getUpdates long-polls and wakes on pushUpdate; close releases hung requests', async () => {
  const fake = await startFakeTelegram({ maxPollMs: 2000 });
  try {
    const url = `${fake.apiRoot}/bot${fake.token}/getUpdates`;
    const poll = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeout: 30, offset: 0 }) });
    await new Promise((r) => setTimeout(r, 20));
    fake.pushUpdate({ message: { message_id: 1, date: 0, chat: { id: 1, type: 'private' }, text: 'hi' } });
    const body = (await (await poll).json()) as { ok: boolean; result: Array<{ update_id: number }> };
    assert.equal(body.ok, true);
    assert.equal(body.result[0].update_id, 1);
    // Form bodies are read too.
    const form = await fetch(`${fake.apiRoot}/bot${fake.token}/sendMessage`, { method: 'POST', body: new URLSearchParams({ chat_id: '5', text: 'x' }) });
    assert.equal(((await form.json()) as { ok: boolean }).ok, true);
    assert.equal(fake.callsOf('sendMessage')[0].payload.text, 'x');
    fake.failAlways('getMe', TG_FAILURES.hang);
    const hung = fetch(`${fake.apiRoot}/bot${fake.token}/getMe`).then(() => 'answered', () => 'failed');
    // Wait (bounded) until the fake holds the request: under load it may take longer than a moment to arrive.
    for (let i = 0; i < 200 && fake.hanging() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(fake.hanging(), 1);
    await fake.close();
    assert.equal(await hung, 'failed');
  } finally {
    await fake.close();
  }
});
