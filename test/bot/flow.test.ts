/**
 * The ordering flow end to end on both engines, as the old bot's users ran it: updates by
 * webhook into the listening app, the conversation in the store, the order through
 * createVideoOrder, a worker with the fake provider, and every message checked at the fake
 * Bot API. Money is checked against the ledger.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { POLICY_FAIL_MSG } from '../fakes/kie-server.js';
import { waitFor } from '../fakes/http.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { startHarness, type BotHarness } from './harness.js';
import { callback, orderUpdates, photo, text } from './updates.js';

for (const { name, make } of ENGINES) {
  describe(`bot ordering flow on ${name}`, () => {
    let engine: TestEngine;
    let h: BotHarness;
    let chatSeq = name === 'sqlite' ? 710_000 : 720_000;

    const userWith = async (credits: number) => {
      const chat = ++chatSeq;
      const user = await h.store.ensureTelegramUser(chat);
      if (credits) await h.store.grantCredits(user.id, credits, 'test', { actor: 'test' });
      return { chat, user };
    };
    const balance = async (userId: number) => {
      const fresh = (await h.store.findUserById(userId))!;
      const sum = (await h.store.ledger(userId, 1000)).reduce((s, e) => s + e.delta, 0);
      assert.equal(sum, fresh.credits, 'the ledger sums to the balance');
      return fresh.credits;
    };
    const sendAll = async (updates: Record<string, unknown>[]) => {
      for (const u of updates) assert.equal((await h.send(u)).status, 200);
    };
    const orderJobs = async (userId: number) => (await h.store.listJobs({ userId, limit: 100 })).filter((j) => j.kind === 'video.generate');
    const count = (texts: string[], part: string) => texts.filter((t) => t.includes(part)).length;

    before(async () => {
      engine = await make();
      h = await startHarness(engine);
    });
    after(async () => {
      await h.close();
      await engine.cleanup();
    });

    test('one video, then three: 102 → 101 → 98, one «started» per order, each video once', async () => {
      const { chat, user } = await userWith(102);
      await sendAll([text(chat, '/start'), ...orderUpdates(chat, { name: 'Кружка', count: 1, photoId: `P${chat}` })]);
      const texts = h.textsTo(chat);
      assert.match(texts[0], /102 кредит/);
      assert.ok(texts.some((t) => t.startsWith('Пришлите фото товара')), texts.join(' | '));
      assert.ok(texts.some((t) => t.includes('Товар: Кружка') && t.includes('Шаблон: UGC Блогер') && t.includes('Количество: 1 видео')), texts.join(' | '));
      assert.match(texts.at(-1)!, /Заказ принят: 1 видео. Остаток: 101/);
      assert.equal(await balance(user.id), 101);

      // The buttons carry the old bot's labels.
      const markups = h.tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(chat)).map((c) => JSON.stringify(c.payload.reply_markup ?? ''));
      for (const label of ['Сделать Reels', 'UGC Блогер', 'Реклама', '1 видео', '3 видео', '5 видео', 'Подтвердить']) assert.ok(markups.some((m) => m.includes(label)), label);

      // The photo was fetched once into our own media, and the job points there (no token in the URL).
      const [job] = await orderJobs(user.id);
      const imageUrl = String(job.payload.image_url);
      assert.ok(imageUrl.startsWith(`${h.url}/static/photos/`), imageUrl);
      assert.ok(!imageUrl.includes(h.tg.token));
      assert.ok(existsSync(path.join(h.config.mediaDir, 'static', 'photos', path.basename(imageUrl))));
      assert.ok(h.tg.downloads.includes(`photos/P${chat}_big.jpg`), 'the largest size was downloaded');
      assert.equal((await fetch(imageUrl)).status, 200, 'the provider can fetch it');
      assert.equal(job.payload.chat_id, String(chat), 'the outbox targets this chat');

      await h.finished([job.id]);
      await waitFor(() => count(h.textsTo(chat), 'Видео готово') === 1, 8000, 'the first video');
      assert.equal(count(h.textsTo(chat), 'Генерация'), 1);

      await sendAll(orderUpdates(chat, { name: 'Лампа', template: 'promo', wishes: 'тёплый свет', count: 3, photoId: `Q${chat}` }));
      assert.equal(await balance(user.id), 98);
      const jobs = await orderJobs(user.id);
      assert.equal(jobs.length, 4);
      const three = jobs.filter((j) => j.id !== job.id);
      assert.ok(three.every((j) => j.payload.template === 'promo' && j.payload.wishes === 'тёплый свет' && j.orderId === three[0].orderId));
      await h.finished(three.map((j) => j.id));
      await waitFor(() => count(h.textsTo(chat), 'Видео готово') === 4, 8000, 'three more videos');
      await new Promise((r) => setTimeout(r, 300));
      const all = h.textsTo(chat);
      assert.equal(count(all, 'Генерация'), 2, 'one «started» message per order');
      assert.equal(count(all, 'Видео готово'), 4, 'each video once');

      // «Мои заказы» lists them; a finished one can be sent again on request.
      await sendAll([text(chat, 'Мои заказы')]);
      assert.match(h.textsTo(chat).at(-1)!, new RegExp(`#${job.id} — готово`));
      await sendAll([callback(chat, `resend:${job.id}`)]);
      const [url] = (await h.store.findJob(job.id))!.result!.result_urls as string[];
      assert.equal(h.textsTo(chat).at(-1), `✅ Видео готово:\n${url}`);
      // Someone else's job is not resent.
      const other = await userWith(0);
      await sendAll([callback(other.chat, `resend:${job.id}`)]);
      assert.equal(h.textsTo(other.chat).at(-1), 'Такого готового видео нет.');
    });

    test('not enough credits: the message with a «Пополнить баланс» button, nothing charged or queued', async () => {
      const { chat, user } = await userWith(2);
      await sendAll(orderUpdates(chat, { name: 'Стул', count: 3 }));
      const calls = h.tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(chat));
      const last = calls.at(-1)!;
      assert.equal(last.payload.text, 'Недостаточно кредитов: нужно 3, на балансе 2.');
      assert.ok(JSON.stringify(last.payload.reply_markup).includes('Пополнить баланс'));
      assert.equal(await balance(user.id), 2);
      assert.deepEqual(await orderJobs(user.id), []);
      // The button reaches the top-up feature: the Stars shop.
      await sendAll([callback(chat, 'topup')]);
      assert.match(h.textsTo(chat).at(-1)!, /Telegram Stars/);
    });

    test('a content-policy refusal: the rule message once and the credit back', async () => {
      const { chat, user } = await userWith(1);
      h.kie.scriptNextTask({ outcome: 'fail', failMsg: POLICY_FAIL_MSG, durationMs: 20 });
      await sendAll(orderUpdates(chat, { name: 'Фото с человеком', count: 1 }));
      assert.equal(await balance(user.id), 0);
      const [job] = await orderJobs(user.id);
      const [done] = await h.finished([job.id]);
      assert.equal(done.status, 'failed');
      assert.equal(done.refunded, true);
      await waitFor(() => count(h.textsTo(chat), 'правила') === 1, 8000, 'the policy message');
      assert.equal(await balance(user.id), 1, 'the credit came back');
      assert.equal(count(h.textsTo(chat), 'Кредит возвращён'), 1);
    });

    test('a restart mid-conversation resumes where the user was', async () => {
      const { chat, user } = await userWith(5);
      const [menu, pic, productName, ...rest] = orderUpdates(chat, { name: 'Чайник', count: 1 });
      await sendAll([menu, pic, productName]);
      assert.equal(h.textsTo(chat).at(-1), 'Выберите шаблон видео:');
      await h.restart();
      await sendAll(rest);
      assert.match(h.textsTo(chat).at(-1)!, /Заказ принят: 1 видео. Остаток: 4/);
      const [job] = await orderJobs(user.id);
      assert.equal(job.payload.product_name, 'Чайник');
    });

    test('/cancel leaves the flow; a wrong answer is asked again', async () => {
      const { chat, user } = await userWith(5);
      await sendAll([text(chat, 'Сделать Reels'), text(chat, 'not a photo')]);
      assert.equal(h.textsTo(chat).at(-1), 'Нужна фотография товара — пришлите её как фото, не файлом.');
      await sendAll([photo(chat), text(chat, '/cancel')]);
      assert.equal(h.textsTo(chat).at(-1), 'Заказ отменён.');
      await sendAll([text(chat, 'Кружка')]);
      assert.notEqual(h.textsTo(chat).at(-1), 'Выберите шаблон видео:', 'the flow is over');
      assert.equal(await balance(user.id), 5);
    });

    test('a wrong webhook secret is refused with 401 and nothing runs; a duplicate update_id runs once', async () => {
      const { chat } = await userWith(0);
      const before = h.tg.calls.length;
      const start = { update_id: chatSeq * 10, ...text(chat, '/start') };
      const wrong = await h.tg.postWebhook(start, { secret: 'wrong' });
      assert.equal(wrong.status, 401);
      assert.equal(JSON.parse(wrong.body).error.code, 'telegram_secret_invalid');
      const missing = await h.tg.postWebhook(start, { secret: null });
      assert.equal(missing.status, 401);
      assert.equal(h.tg.calls.length, before, 'no Bot API call was made');
      // The refused update was not recorded: delivered properly, it runs — once.
      assert.equal((await h.send(start)).status, 200);
      assert.equal((await h.send(start)).status, 200);
      assert.equal(h.textsTo(chat).length, 1);
      // The documented fixed path works with the secret too.
      const fixed = await h.tg.postWebhook(text(chat, '/help'), { url: `${h.url}/v2/telegram/webhook` });
      assert.equal(fixed.status, 200);
      assert.equal(h.textsTo(chat).length, 2);
    });

    test('English by language_code, switchable and remembered', async () => {
      const { chat } = await userWith(0);
      await sendAll([text(chat, '/start', 'en')]);
      assert.match(h.textsTo(chat).at(-1)!, /^Hi!/);
      await sendAll([text(chat, 'Русский', 'en'), text(chat, '/start', 'en')]);
      assert.match(h.textsTo(chat).at(-1)!, /^Привет!/);
    });
  });
}
