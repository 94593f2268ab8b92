/**
 * The admin's commands on both engines, through webhook updates: /stats, /grant and /refund
 * work in the ADMIN_CHAT_ID chat and are audited; a refund Telegram refuses alerts once; for
 * anyone else the commands do not exist (no answer, nothing changed).
 */
// First: the harness loads npm undici before helpers/engines (see stars.test.ts).
import { startHarness, type BotHarness } from './harness.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { STARS_PROVIDER } from '../../src/billing/stars.js';
import { TEXTS } from '../../src/bot/texts.js';
import { waitFor } from '../fakes/http.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { callback, successfulPayment, text } from './updates.js';

const ADMIN = 991_001;
const ADMIN_ACTOR = `telegram-admin:${ADMIN}`;

for (const { name, make } of ENGINES) {
  describe(`bot admin commands on ${name}`, () => {
    let engine: TestEngine;
    let h: BotHarness;
    let chatSeq = name === 'sqlite' ? 750_000 : 760_000;
    let charge = 0;

    const sendAll = async (updates: Record<string, unknown>[]) => {
      for (const u of updates) assert.equal((await h.send(u)).status, 200);
    };
    const newUser = async () => {
      const chat = ++chatSeq;
      return { chat, user: await h.store.ensureTelegramUser(chat) };
    };
    const credits = async (userId: number) => (await h.store.findUserById(userId))!.credits;
    const last = (chat: number) => h.textsTo(chat).at(-1);
    /** A user buys credits-10 through the bot; answers the charge id. */
    const buy = async (chat: number) => {
      const pack = (await h.store.findProductByCode('credits-10'))!;
      await sendAll([text(chat, '/buy'), callback(chat, `buy:${pack.id}`)]);
      const invoice = h.tg.callsOf('sendInvoice').at(-1)!.payload;
      const chargeId = `adm_${name}_${++charge}`;
      await sendAll([successfulPayment(chat, { payload: String(invoice.payload), amount: pack.priceStars, chargeId })]);
      return chargeId;
    };
    const auditBy = async (action: string) => (await h.store.listAudit(500)).filter((a) => a.actor === ADMIN_ACTOR && a.action === action);

    before(async () => {
      engine = await make();
      h = await startHarness(engine, { env: { ADMIN_CHAT_ID: String(ADMIN) } });
      await h.store.ensureTelegramUser(ADMIN);
    });
    after(async () => {
      await h.close();
      await engine.cleanup();
    });

    test('/stats counts users, credits sold and payments today, and jobs by status', async () => {
      const { chat } = await newUser();
      await buy(chat);
      await sendAll([text(ADMIN, '/stats')]);
      const stats = last(ADMIN)!;
      const users = (await h.store.countRows()).users;
      assert.match(stats, new RegExp(`Пользователей: ${users}\\n`));
      assert.match(stats, /Продано кредитов: сегодня 10, всего 10/);
      assert.match(stats, /оплачено 1 \(150 ⭐\), задержано 0, возвраты 0/);
      assert.match(stats, /Задачи: queued \d+, running \d+/);
    });

    test('/grant adds credits to a Telegram id or a username, audited; bad amounts are refused', async () => {
      const { chat, user } = await newUser();
      await sendAll([text(ADMIN, `/grant ${chat} 25 за отзыв`)]);
      assert.equal(last(ADMIN), TEXTS.ru.admin.granted(String(chat), 25, 25));
      assert.equal(await credits(user.id), 25);
      const [entry] = (await h.store.ledger(user.id, 10)).filter((e) => e.kind !== 'purchase');
      assert.equal(entry.reason, 'за отзыв');
      assert.ok((await auditBy('credits.grant')).some((a) => a.subject === `user:${user.id}` && a.detail?.amount === 25));

      await sendAll([text(ADMIN, `/grant tg:${chat} 5`)]);
      assert.equal(await credits(user.id), 30);
      for (const bad of ['0', '-5', '1000001', '2.5', 'ten']) {
        await sendAll([text(ADMIN, `/grant ${chat} ${bad}`)]);
        assert.equal(last(ADMIN), TEXTS.ru.admin.badAmount(1_000_000), bad);
      }
      await sendAll([text(ADMIN, '/grant'), text(ADMIN, `/grant ${chat}`)]);
      assert.deepEqual(h.textsTo(ADMIN).slice(-2), [TEXTS.ru.admin.grantUsage, TEXTS.ru.admin.grantUsage]);
      await sendAll([text(ADMIN, '/grant no_such_user 5')]);
      assert.match(last(ADMIN)!, /^Не выполнено: no user no_such_user/);
      assert.equal(await credits(user.id), 30);
    });

    test('/refund refunds through refundStarPayment for the payer, audited; again it says so; a Telegram failure alerts once', async () => {
      const { chat, user } = await newUser();
      const chargeId = await buy(chat);
      assert.equal(await credits(user.id), 10);
      await sendAll([text(ADMIN, `/refund ${chargeId}`)]);
      const call = h.tg.callsOf('refundStarPayment').at(-1)!.payload;
      assert.deepEqual([Number(call.user_id), call.telegram_payment_charge_id], [chat, chargeId]);
      const payment = (await h.store.findPayment(STARS_PROVIDER, chargeId))!;
      assert.equal(payment.status, 'refunded');
      assert.equal(last(ADMIN), TEXTS.ru.admin.refunded({ paymentId: payment.id, debited: 10, balance: 0 }));
      assert.equal(await credits(user.id), 0);
      assert.ok((await auditBy('payment.refund')).some((a) => a.subject === `payment:${payment.id}`));
      await sendAll([text(ADMIN, `/refund ${chargeId}`)]);
      assert.match(last(ADMIN)!, /^Не выполнено: .*refunded/);
      await sendAll([text(ADMIN, '/refund nope_charge')]);
      assert.match(last(ADMIN)!, /^Не выполнено: no telegram_stars payment/);

      const failing = await buy(chat);
      h.tg.failAlways('refundStarPayment', { error_code: 400, description: 'Bad Request: STARS_BALANCE_LOW' });
      try {
        await sendAll([text(ADMIN, `/refund ${failing}`), text(ADMIN, `/refund ${failing}`)]);
      } finally {
        h.tg.failAlways('refundStarPayment', null);
      }
      assert.match(last(ADMIN)!, /^Не выполнено: Telegram did not refund/);
      assert.equal((await h.store.findPayment(STARS_PROVIDER, failing))!.status, 'refund_requested');
      await waitFor(() => h.textsTo(ADMIN).some((t) => t.startsWith('🚨') && t.includes(failing)), 8000, 'the refund alert');
      // Both attempts are handled and their alert rows exist; the outbox keeps one per charge.
      for (let i = 0; i < 300 && (await h.store.queueCounts()).queued > 0; i++) await new Promise((r) => setTimeout(r, 30));
      assert.equal(h.textsTo(ADMIN).filter((t) => t.startsWith('🚨') && t.includes(failing)).length, 1);
      // Fixed: running it again finishes the refund.
      await sendAll([text(ADMIN, `/refund ${failing}`)]);
      assert.equal((await h.store.findPayment(STARS_PROVIDER, failing))!.status, 'refunded');
    });

    test('for anyone else the commands do not exist: no answer, nothing changes', async () => {
      const { chat, user } = await newUser();
      const target = await buy(chat);
      const before = h.textsTo(chat).length;
      const refunds = h.tg.callsOf('refundStarPayment').length;
      await sendAll([text(chat, '/stats'), text(chat, `/grant ${chat} 100`), text(chat, `/refund ${target}`)]);
      assert.equal(h.textsTo(chat).length, before);
      assert.equal(h.tg.callsOf('refundStarPayment').length, refunds);
      assert.equal(await credits(user.id), 10);
      assert.equal((await h.store.findPayment(STARS_PROVIDER, target))!.status, 'paid');
      // The admin's id as a user in another chat is not the admin chat either.
      const group = { message: { ...(text(chat, '/stats').message as object), chat: { id: -100_500, type: 'supergroup', title: 'g' }, from: { id: ADMIN, is_bot: false, first_name: 'A' } } };
      await sendAll([group]);
      assert.equal(h.tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === '-100500').length, 0);
    });
  });
}
