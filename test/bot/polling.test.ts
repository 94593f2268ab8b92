/**
 * Long polling: the runner fetches from the fake's getUpdates (allowed_updates sent), a whole
 * order goes through, a 429 on a reply is waited out, and stop() lets the update in hand finish.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { makeBot } from '../../src/bot/make-bot.js';
import { ALLOWED_UPDATES } from '../../src/bot/mode.js';
import { startPolling } from '../../src/bot/run.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { waitFor } from '../fakes/http.js';
import { startFakeTelegram, TG_FAILURES, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { botInfoOf, TOKEN } from './harness.js';
import { orderUpdates, text } from './updates.js';

let engine: TestEngine;
let store: Store;
let tg: FakeTelegramServer;

before(async () => {
  engine = await sqliteEngine();
  store = await openStore(testConfig(engine.env));
  await store.migrateUp();
  tg = await startFakeTelegram({ token: TOKEN, maxPollMs: 200 });
});
after(async () => {
  await store.close();
  await tg.close();
  await engine.cleanup();
});

test('a whole order by long polling, a 429 waited out, then a graceful stop', async () => {
  const made = makeBot({ token: TOKEN, apiRoot: tg.apiRoot, store, botInfo: botInfoOf(tg), videoCost: 1, mediaDir: `${engine.settings.home}/media`, mediaBaseUrl: () => 'https://media.example' });
  const running = startPolling(made);
  try {
    const chat = 730_001;
    const user = await store.ensureTelegramUser(chat);
    await store.grantCredits(user.id, 102, 'test', { actor: 'test' });
    const texts = () => tg.callsOf('sendMessage').filter((c) => c.payload.chat_id === chat).map((c) => String(c.payload.text));

    tg.failNext('sendMessage', TG_FAILURES.tooManyRequests(1));
    tg.pushUpdate(text(chat, '/start'));
    // The fake records the refused call too: two identical sendMessage calls, one second apart.
    await waitFor(() => texts().length === 2, 5000, 'the /start answer after the 429');
    assert.equal(texts()[0], texts()[1]);

    for (const u of orderUpdates(chat, { name: 'Кружка', count: 1 })) tg.pushUpdate(u);
    await waitFor(() => texts().some((t) => t.startsWith('Заказ принят')), 8000, 'the order accepted');
    assert.equal((await store.findUserById(user.id))!.credits, 101);
    const jobs = await store.listJobs({ userId: user.id });
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0].payload.image_url, `https://media.example/static/photos/${String(jobs[0].payload.image_url).split('/').pop()}`);

    const fetched = tg.callsOf('getUpdates').at(-1)!.payload;
    assert.deepEqual(typeof fetched.allowed_updates === 'string' ? JSON.parse(fetched.allowed_updates) : fetched.allowed_updates, [...ALLOWED_UPDATES]);

    // An update arriving while stopping is either fully handled or left for the next start: never half.
    tg.pushUpdate(text(chat, '/balance'));
    await waitFor(() => texts().length > 0 && texts().at(-1)!.startsWith('На балансе'), 5000, 'the balance answer');
    await running.stop(5000);
    const after = tg.calls.length;
    tg.pushUpdate(text(chat, '/start'));
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(tg.calls.length, after, 'stopped: no more getUpdates');
  } finally {
    await running.stop(1000);
  }
});
