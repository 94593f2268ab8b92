/**
 * Card payments from the bot, on both engines: /buy shows card buttons next to the Stars ones
 * when a provider is set up; a card button makes an order for this Telegram user and answers
 * with the pay link; once the (fake) Robokassa notifies the app, what was bought arrives by bot
 * message — credits, or the license key — exactly once. `/start ref_<code>` records the inviter,
 * and the invitee's first payment (a Stars one here) pays both sides their bonus.
 */
// First: the harness loads the app and with it npm undici (see stars.test.ts).
import { startHarness, type BotHarness } from './harness.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makePayload } from '../../src/billing/payload.js';
import type { ProductRecord } from '../../src/store/types.js';
import { startFakeRobokassa, type FakeRobokassaServer } from '../fakes/robokassa-server.js';
import { waitFor } from '../fakes/http.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { assertLedgerBalanced } from '../helpers/ledger.js';
import { callback, successfulPayment, text } from './updates.js';

const RK = { ROBOKASSA_MERCHANT_LOGIN: 'bot-shop', ROBOKASSA_PASSWORD_1: 'bot-one', ROBOKASSA_PASSWORD_2: 'bot-two' };

for (const { name, make } of ENGINES) {
  describe(`bot card payments and referrals on ${name}`, () => {
    let engine: TestEngine;
    let h: BotHarness;
    let robokassa: FakeRobokassaServer;
    let chat = name === 'sqlite' ? 760_000 : 770_000;

    before(async () => {
      engine = await make();
      robokassa = await startFakeRobokassa({ login: RK.ROBOKASSA_MERCHANT_LOGIN, password1: RK.ROBOKASSA_PASSWORD_1, password2: RK.ROBOKASSA_PASSWORD_2 });
      h = await startHarness(engine, { env: { ...RK, ROBOKASSA_URL: robokassa.merchantUrl, REFERRAL_BONUS_CREDITS: '3' } });
      robokassa.setUrls({ resultUrl: `${h.url}/v2/payments/robokassa/result`, successUrl: `${h.url}/v2/payments/robokassa/success` });
    });
    after(async () => {
      await h?.close();
      await robokassa?.close();
      await engine?.cleanup();
    });

    const product = async (code: string) => (await h.store.findProductByCode(code)) as ProductRecord;
    const markupOf = (call: { payload: Record<string, unknown> } | undefined) => {
      const raw = call?.payload.reply_markup;
      return (typeof raw === 'string' ? JSON.parse(raw) : raw) as { inline_keyboard: { text: string; callback_data?: string; url?: string }[][] };
    };
    const lastMessageTo = (to: number) => h.tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(to)).at(-1);
    /** A card button pressed: the pay link it answered with, and the order's number. */
    const buyByCard = async (to: number, p: ProductRecord) => {
      assert.equal((await h.send(callback(to, `card:${p.id}`))).status, 200);
      const button = markupOf(lastMessageTo(to)).inline_keyboard.flat().find((b) => b.url)!;
      assert.ok(button.url!.startsWith(robokassa.merchantUrl), button.url);
      assert.equal((await fetch(button.url!)).status, 200, 'the buyer opens the pay page');
      return Number(new URL(button.url!).searchParams.get('InvId'));
    };

    test('/buy offers card buttons; paying by card sends the credits once, then a license key once', async () => {
      const me = ++chat;
      assert.equal((await h.send(text(me, '/buy'))).status, 200);
      const shop = markupOf(lastMessageTo(me)).inline_keyboard.flat();
      const pack = await product('credits-10');
      assert.ok(shop.some((b) => b.callback_data === `buy:${pack.id}`), 'the Stars button stays');
      assert.ok(shop.some((b) => b.callback_data === `card:${pack.id}` && /290\.00 ₽/.test(b.text)), JSON.stringify(shop));

      const creditsOrder = await buyByCard(me, pack);
      const order = (await h.store.findShopOrder(creditsOrder))!;
      assert.equal(order.telegramId, me);
      await robokassa.pay(creditsOrder);
      await robokassa.notify(creditsOrder, { copies: 20 });
      const user = (await h.store.findUserByTelegramId(me))!;
      assert.equal(user.credits, 10);
      await waitFor(() => h.textsTo(me).some((m) => m.includes(`Заказ №${creditsOrder} оплачен`)), 10_000);

      const licenseOrder = await buyByCard(me, await product('license-30d'));
      await robokassa.pay(licenseOrder);
      await robokassa.notify(licenseOrder, { copies: 20 });
      await waitFor(() => h.textsTo(me).some((m) => m.includes(`Заказ №${licenseOrder} оплачен`)), 10_000);
      const delivered = h.textsTo(me).filter((m) => m.includes(`№${licenseOrder}`));
      assert.equal(delivered.length, 1, 'sent once');
      assert.match(delivered[0], /TTB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/);
      await assertLedgerBalanced(h.store);
    });

    test('/start ref_<code> records the inviter; the first Stars payment pays both sides once', async () => {
      const inviterChat = ++chat;
      const inviteeChat = ++chat;
      const inviter = await h.store.ensureTelegramUser(inviterChat);
      const code = await h.store.referralCodeOf(inviter.id);
      assert.equal((await h.send(text(inviteeChat, `/start ref_${code}`))).status, 200);
      const invitee = (await h.store.findUserByTelegramId(inviteeChat))!;
      const pack = await product('credits-10');
      const pay = (chargeId: string) => h.send(successfulPayment(inviteeChat, { payload: makePayload(pack.id, pack.priceStars, inviteeChat), amount: pack.priceStars, chargeId }));
      assert.equal((await pay(`ref-charge-1-${name}`)).status, 200);
      assert.equal((await pay(`ref-charge-1-${name}`)).status, 200, 'a redelivery');
      assert.equal((await pay(`ref-charge-2-${name}`)).status, 200, 'a second payment');
      assert.equal((await h.store.findUserById(invitee.id))!.credits, 10 + 3 + 10);
      assert.equal((await h.store.findUserById(inviter.id))!.credits, 3);
      assert.deepEqual(await h.store.referralStats(inviter.id), { invited: 1, rewarded: 1 });
      // Someone who has paid already cannot be claimed by a later link.
      const late = await h.store.ensureTelegramUser(++chat);
      assert.equal(await h.store.attachReferral(invitee.id, await h.store.referralCodeOf(late.id)), false);
      await assertLedgerBalanced(h.store);
    });
  });
}
