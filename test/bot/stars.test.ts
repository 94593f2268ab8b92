/**
 * Telegram Stars in the bot on both engines, driven by webhook updates into the listening app
 * with the fake Bot API and a worker: the shop's buttons, the invoice in XTR, pre-checkout,
 * fulfilment once per charge id (also under 100 concurrent deliveries through two bot
 * instances on one store), the license key sent once and redeemable, and a tampered payment
 * held with one admin alert.
 */
// First: the harness loads the app and with it npm undici, whose global dispatcher the outbox's
// sends need; helpers/engines (through pg) would otherwise install Node's bundled one first.
import { botInfoOf, startHarness, TOKEN, type BotHarness } from './harness.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STARS_PROVIDER } from '../../src/billing/stars.js';
import { makePayload } from '../../src/billing/payload.js';
import { makeBot } from '../../src/bot/make-bot.js';
import { TEXTS } from '../../src/bot/texts.js';
import type { ProductRecord } from '../../src/store/types.js';
import { waitFor } from '../fakes/http.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { callback, preCheckout, successfulPayment, text } from './updates.js';

const ADMIN = 990_001;

for (const { name, make } of ENGINES) {
  describe(`bot Stars payments on ${name}`, () => {
    let engine: TestEngine;
    let h: BotHarness;
    let chatSeq = name === 'sqlite' ? 730_000 : 740_000;
    let charge = 0;

    const newUser = async () => {
      const chat = ++chatSeq;
      return { chat, user: await h.store.ensureTelegramUser(chat) };
    };
    const product = async (code: string) => (await h.store.findProductByCode(code)) as ProductRecord;
    const sendAll = async (updates: Record<string, unknown>[]) => {
      for (const u of updates) assert.equal((await h.send(u)).status, 200);
    };
    const credits = async (userId: number) => {
      const fresh = (await h.store.findUserById(userId))!;
      assert.equal((await h.store.ledger(userId, 1000)).reduce((s, e) => s + e.delta, 0), fresh.credits, 'the ledger sums to the balance');
      return fresh.credits;
    };
    const invoicesTo = (chat: number) => h.tg.callsOf('sendInvoice').filter((c) => String(c.payload.chat_id) === String(chat));
    const answers = () => h.tg.callsOf('answerPreCheckoutQuery');
    const prices = (raw: unknown) => (typeof raw === 'string' ? JSON.parse(raw) : raw) as { label: string; amount: number }[];
    /** The outbox rows queued so far are delivered (or given up on): no delivery job is left. */
    const outboxDrained = async () => {
      for (let i = 0; i < 300; i++) {
        const counts = await h.store.queueCounts();
        if (counts.queued + counts.running + counts.waiting_provider === 0) return;
        await new Promise((r) => setTimeout(r, 30));
      }
      throw new Error('the outbox did not drain');
    };
    /** /buy → a product's button → the invoice it sent. */
    const invoiceFor = async (chat: number, p: ProductRecord) => {
      await sendAll([text(chat, '/buy'), callback(chat, `buy:${p.id}`)]);
      return invoicesTo(chat).at(-1)!.payload;
    };

    before(async () => {
      engine = await make();
      h = await startHarness(engine, { env: { ADMIN_CHAT_ID: String(ADMIN) } });
    });
    after(async () => {
      await h.close();
      await engine.cleanup();
    });

    test('a credit pack end to end: buttons → invoice in XTR → pre-checkout ok → one payment, credits and one message', async () => {
      const { chat, user } = await newUser();
      const pack = await product('credits-10');
      await sendAll([text(chat, 'Пополнить баланс')]);
      const shop = h.tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(chat)).at(-1)!;
      assert.equal(shop.payload.text, TEXTS.ru.shop);
      const buttons = JSON.stringify(shop.payload.reply_markup);
      const enabled = await h.store.listProducts({ enabledOnly: true });
      assert.ok(enabled.some((p) => p.kind === 'credits') && enabled.some((p) => p.kind === 'license'));
      for (const p of enabled) assert.ok(buttons.includes(`${p.titleRu} — ${p.priceStars} ⭐`) && buttons.includes(`buy:${p.id}`), p.code);

      await sendAll([callback(chat, `buy:${pack.id}`)]);
      const invoice = invoicesTo(chat).at(-1)!.payload;
      assert.equal(invoice.currency, 'XTR');
      assert.equal(invoice.provider_token, '');
      assert.equal(invoice.title, '10 кредитов');
      assert.deepEqual(prices(invoice.prices).map((p) => p.amount), [pack.priceStars]);

      await sendAll([preCheckout(chat, { payload: String(invoice.payload), amount: pack.priceStars })]);
      assert.equal(answers().at(-1)!.payload.ok, true);

      const chargeId = `ch_${name}_${++charge}`;
      await sendAll([successfulPayment(chat, { payload: String(invoice.payload), amount: pack.priceStars, chargeId })]);
      assert.equal(await credits(user.id), 10);
      assert.deepEqual(h.textsTo(chat).filter((t) => t.startsWith('✅')), [TEXTS.ru.creditsAdded(10, 10)]);
      const payment = (await h.store.findPayment(STARS_PROVIDER, chargeId))!;
      assert.equal(payment.status, 'paid');
      assert.equal(payment.credits, 10);
    });

    test('100 concurrent deliveries of one payment (two bot instances, one store): one fulfilment, one message', async () => {
      const { chat, user } = await newUser();
      const pack = await product('credits-50');
      const invoice = await invoiceFor(chat, pack);
      const chargeId = `ch_${name}_${++charge}`;
      // A second process on the same store: its own bot, fed the same payment directly.
      const other = makeBot({ token: TOKEN, apiRoot: h.tg.apiRoot, store: h.store, botInfo: botInfoOf(h.tg), videoCost: 1, mediaDir: h.config.mediaDir, mediaBaseUrl: () => h.url });
      const deliveries = Array.from({ length: 100 }, (_, i) => {
        const update = { update_id: 5_000_000 + chatSeq * 100 + i, ...successfulPayment(chat, { payload: String(invoice.payload), amount: pack.priceStars, chargeId }) };
        return i % 2 ? h.send(update).then((r) => assert.equal(r.status, 200)) : other.bot.handleUpdate(update as never);
      });
      await Promise.all(deliveries);
      assert.equal(await credits(user.id), 50);
      assert.equal((await h.store.ledger(user.id, 1000)).filter((e) => e.kind === 'purchase').length, 1);
      assert.equal(h.textsTo(chat).filter((t) => t.startsWith('✅')).length, 1, 'one credits message');
      assert.equal((await h.store.findPayment(STARS_PROVIDER, chargeId))!.status, 'paid');
    });

    test('a license plan: the key is sent once, key_sent is recorded, and it redeems through the API', async () => {
      const { chat } = await newUser();
      const plan = await product('license-30d');
      const invoice = await invoiceFor(chat, plan);
      assert.equal(invoice.title, 'Лицензия на 30 дней');
      await sendAll([preCheckout(chat, { payload: String(invoice.payload), amount: plan.priceStars })]);
      assert.equal(answers().at(-1)!.payload.ok, true);
      const chargeId = `ch_${name}_${++charge}`;
      const paid = successfulPayment(chat, { payload: String(invoice.payload), amount: plan.priceStars, chargeId });
      await sendAll([paid, paid, successfulPayment(chat, { payload: String(invoice.payload), amount: plan.priceStars, chargeId })]);
      const keyMessages = h.textsTo(chat).filter((t) => t.includes('лицензионный ключ'));
      assert.equal(keyMessages.length, 1, 'the key is sent once');
      const key = /TTB-[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(keyMessages[0])?.[0];
      assert.ok(key, keyMessages[0]);
      assert.match(keyMessages[0], /\/v2\/auth\/redeem-license/);
      const payment = (await h.store.findPayment(STARS_PROVIDER, chargeId))!;
      assert.ok(payment.keySentAt, 'key_sent_at is recorded');
      assert.ok(payment.licenseId);

      const redeem = await fetch(`${h.url}/v2/auth/redeem-license`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: `buyer_${name}_${chat}`, password: 'correct horse battery', license_key: key }) });
      assert.equal(redeem.status, 200, await redeem.clone().text());
      const body = (await redeem.json()) as { token?: string; access_token?: string };
      assert.ok(body.token ?? body.access_token ?? Object.keys(body).length, 'a token came back');
      const license = (await h.store.findLicenseById(payment.licenseId!))!;
      assert.equal(license.status, 'redeemed');
    });

    test('pre-checkout for a disabled product or a wrong amount is refused with the reason', async () => {
      const { chat } = await newUser();
      const pack = await product('credits-100');
      const invoice = await invoiceFor(chat, pack);
      await sendAll([preCheckout(chat, { payload: String(invoice.payload), amount: pack.priceStars - 1 })]);
      assert.deepEqual([answers().at(-1)!.payload.ok, answers().at(-1)!.payload.error_message], [false, TEXTS.ru.refusal.amount_mismatch]);
      await h.store.updateProduct(pack.id, { enabled: false }, { actor: 'test' });
      try {
        await sendAll([preCheckout(chat, { payload: String(invoice.payload), amount: pack.priceStars })]);
        assert.deepEqual([answers().at(-1)!.payload.ok, answers().at(-1)!.payload.error_message], [false, TEXTS.ru.refusal.product_disabled]);
        // Not offered any more, and an old button says so instead of invoicing.
        await sendAll([text(chat, '/buy')]);
        assert.ok(!JSON.stringify(h.tg.callsOf('sendMessage').at(-1)!.payload.reply_markup).includes(`buy:${pack.id}`));
        const before = invoicesTo(chat).length;
        await sendAll([callback(chat, `buy:${pack.id}`)]);
        assert.equal(invoicesTo(chat).length, before);
        assert.equal(h.textsTo(chat).at(-1), TEXTS.ru.productGone);
      } finally {
        await h.store.updateProduct(pack.id, { enabled: true }, { actor: 'test' });
      }
      // English for an English speaker.
      await sendAll([{ pre_checkout_query: { ...(preCheckout(chat, { payload: 'nonsense', amount: 1 }).pre_checkout_query as object), from: { id: chat, is_bot: false, first_name: 'T', language_code: 'en' } } }]);
      assert.equal(answers().at(-1)!.payload.error_message, TEXTS.en.refusal.invalid_payload);
    });

    test('a tampered successful_payment grants nothing; delivered twice, one admin alert and one notice', async () => {
      const { chat, user } = await newUser();
      const pack = await product('credits-10');
      const invoice = await invoiceFor(chat, pack);
      const chargeId = `ch_${name}_${++charge}`;
      const tampered = () => successfulPayment(chat, { payload: String(invoice.payload), amount: 1, chargeId });
      await sendAll([tampered(), tampered()]);
      assert.equal(await credits(user.id), 0);
      assert.equal((await h.store.findPayment(STARS_PROVIDER, chargeId))!.status, 'rejected');
      await waitFor(() => h.textsTo(ADMIN).some((t) => t.includes(chargeId)), 8000, 'the admin alert');
      await outboxDrained();
      const alerts = h.textsTo(ADMIN).filter((t) => t.includes(chargeId));
      assert.equal(alerts.length, 1);
      assert.match(alerts[0], /amount_mismatch/);
      assert.match(alerts[0], new RegExp(`/refund ${chargeId}`));
      assert.deepEqual(h.textsTo(chat).filter((t) => t === TEXTS.ru.paymentHeld).length, 1);
      // A payload that is not ours at all is held the same way.
      const forged = `ch_${name}_${++charge}`;
      await sendAll([successfulPayment(chat, { payload: makePayload(pack.id, pack.priceStars, chat + 1), amount: pack.priceStars, chargeId: forged })]);
      assert.equal(await credits(user.id), 0);
      await waitFor(() => h.textsTo(ADMIN).some((t) => t.includes(forged) && t.includes('wrong_buyer')), 8000, 'the wrong-buyer alert');
    });

    test('/paysupport and /terms answer in Russian first', async () => {
      const { chat } = await newUser();
      await sendAll([text(chat, '/paysupport'), text(chat, '/terms'), text(chat, '/terms', 'en')]);
      assert.deepEqual(h.textsTo(chat), [TEXTS.ru.paySupport, TEXTS.ru.terms, TEXTS.en.terms]);
    });
  });
}
