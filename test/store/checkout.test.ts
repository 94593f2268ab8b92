/**
 * The checkout part of the store on both engines: orders and their promo uses, fulfilment
 * once per provider event (also under 100 concurrent copies), every refusal recorded and
 * granting nothing, a key revealed once, referrals paid once. After each test the money
 * invariants hold: every ledger sums to its balance, every promo's uses = its redemptions.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, afterEach, before, describe, test } from 'node:test';
import { generateKey, hashKey, keySuffix } from '../../src/licenses/key.js';
import { openStore } from '../../src/store/open.js';
import type { FulfilInput, NewPromo, NewShopOrder, ProductRecord, ShopOrderRecord, Store } from '../../src/store/types.js';
import { addDays } from '../../src/time.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { assertLedgerBalanced, assertPromoUsesCounted, sqlRows } from '../helpers/ledger.js';

const by = { actor: 'test' };
const MINUTE = 60_000;
const at = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
let seq = 0;

for (const { name, make } of ENGINES) {
  describe(`checkout store on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let pack: ProductRecord;
    let plan: ProductRecord;

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      pack = (await store.findProductByCode('credits-10'))!;
      plan = (await store.findProductByCode('license-30d'))!;
    });
    afterEach(async () => {
      await assertLedgerBalanced(store);
      await assertPromoUsesCounted(store);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    const newUser = async () => (await store.ensureTelegramUser(7_000_000 + ++seq)).id;
    const promo = (p: Partial<NewPromo> = {}) => store.addPromo({ code: `P${++seq}X`, kind: 'percent', value: 10, maxUses: null, expiresAt: null, ...p }, by);
    const open = (userId: number | null, o: Partial<NewShopOrder> = {}) =>
      store.openOrder({
        productId: pack.id,
        provider: 'robokassa',
        userId,
        telegramId: null,
        lang: 'ru',
        amount: pack.priceRub,
        listPrice: pack.priceRub,
        credits: pack.credits!,
        test: false,
        idempotenceKey: randomUUID(),
        expiresAt: at(30 * MINUTE),
        ...o,
      });
    const event = (order: ShopOrderRecord, i: Partial<FulfilInput> = {}): FulfilInput => ({
      actor: 'test:provider',
      orderId: order.id,
      provider: order.provider,
      providerPaymentId: `ev-${++seq}`,
      amount: `${order.amount / 100}.000000`,
      amountKopecks: order.amount,
      currency: 'RUB',
      test: order.test,
      referralBonus: 0,
      ...i,
    });
    const balance = async (userId: number) => (await store.findUserById(userId))!.credits;
    const ledgerKinds = async (userId: number) => (await store.ledger(userId, 100)).map((e) => [e.kind, e.delta]);

    test('an order opens without a promo, goes pending once, and is listed for its buyer', async () => {
      const user = await newUser();
      const order = await open(user, { refCode: 'abc', lang: 'en' });
      assert.deepEqual([order.status, order.userId, order.amount, order.credits, order.promoCodeId, order.refCode, order.lang, order.keyPending], ['created', user, 29000, 10, null, 'abc', 'en', false]);
      const pending = await store.markOrderPending(order.id, { payUrl: 'https://pay.example/1', providerOrderId: 'yk-1', test: true });
      assert.deepEqual([pending?.status, pending?.payUrl, pending?.providerOrderId, pending?.test], ['pending', 'https://pay.example/1', 'yk-1', true]);
      assert.equal(await store.markOrderPending(order.id, { payUrl: 'https://pay.example/2' }), undefined);
      assert.equal((await store.findShopOrder(order.id))?.payUrl, 'https://pay.example/1');
      assert.equal(await store.findShopOrder(987654321), undefined);
      const other = await open(user);
      assert.deepEqual((await store.listShopOrders({ userId: user })).map((o) => o.id), [other.id, order.id]);
      assert.deepEqual((await store.listShopOrders({ userId: user, status: 'pending' })).map((o) => o.id), [order.id]);
      assert.deepEqual((await store.listPendingOrders(at(MINUTE), 100)).map((o) => o.id).filter((id) => id === order.id), [order.id]);
      assert.deepEqual(await store.listPendingOrders(at(-MINUTE), 100), []);
    });

    test('an order with a promo takes one use; codes are upper-cased, unique and audited', async () => {
      const p = await store.addPromo({ code: ' spring25 ', kind: 'percent', value: 25, maxUses: 5, expiresAt: null }, by);
      assert.deepEqual([p.code, p.uses, p.enabled], ['SPRING25', 0, true]);
      assert.equal((await store.findPromoByCode('Spring25'))?.id, p.id);
      await assert.rejects(store.addPromo({ code: 'SPRING25', kind: 'fixed', value: 100, maxUses: null, expiresAt: null }, by), { code: 'promo_code_taken', status: 409 });
      const order = await open(await newUser(), { promo: { id: p.id, buyer: 'user:x1' }, amount: 21750 });
      assert.deepEqual([order.promoCodeId, order.amount, order.listPrice], [p.id, 21750, 29000]);
      assert.equal((await store.findPromoByCode('spring25'))?.uses, 1);
      assert.ok((await store.listPromos()).some((x) => x.id === p.id));
      assert.equal((await store.listAudit(5)).find((a) => a.subject === `promo:${p.id}`)?.action, 'promo.add');
    });

    test('every promo refusal has its code and creates nothing', async () => {
      const user = await newUser();
      const count = async () => (await store.listShopOrders({ userId: user })).length;
      const off = await promo();
      assert.equal((await store.setPromoEnabled(off.code.toLowerCase(), false, by))?.enabled, false);
      await assert.rejects(open(user, { promo: { id: off.id, buyer: `user:${user}` } }), { code: 'promo_disabled', status: 409 });
      assert.equal((await store.setPromoEnabled(off.code, true, by))?.enabled, true);
      assert.equal(await store.setPromoEnabled('NO-SUCH-CODE', true, by), undefined);
      const actions = (await store.listAudit(10)).filter((a) => a.subject === `promo:${off.id}`).map((a) => a.action);
      assert.deepEqual(actions, ['promo.enable', 'promo.disable', 'promo.add']);

      const old = await promo({ expiresAt: at(-MINUTE) });
      await assert.rejects(open(user, { promo: { id: old.id, buyer: `user:${user}` } }), { code: 'promo_expired' });
      const one = await promo({ maxUses: 1 });
      await open(await newUser(), { promo: { id: one.id, buyer: 'someone-else' } });
      await assert.rejects(open(user, { promo: { id: one.id, buyer: `user:${user}` } }), { code: 'promo_exhausted' });
      await assert.rejects(open(user, { promo: { id: 987654321, buyer: `user:${user}` } }), { code: 'promo_not_found', status: 404 });

      const once = await promo();
      await open(user, { promo: { id: once.id, buyer: `user:${user}` } });
      const before = await count();
      await assert.rejects(open(user, { promo: { id: once.id, buyer: `user:${user}` } }), { code: 'promo_already_used', status: 409 });
      assert.equal(await count(), before);
      assert.equal((await store.findPromoByCode(once.code))?.uses, 1);
    });

    test('50 concurrent orders for a promo with 10 uses: exactly 10 get it', async () => {
      const p = await promo({ maxUses: 10 });
      const user = await newUser();
      const results = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => open(user, { promo: { id: p.id, buyer: `tg:${i}` } })));
      const made = results.filter((r) => r.status === 'fulfilled');
      assert.equal(made.length, 10);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'promo_exhausted');
      assert.equal((await store.findPromoByCode(p.code))?.uses, 10);
      const [row] = await sqlRows(store, `SELECT count(*) AS n FROM promo_redemptions WHERE promo_code_id = ${p.id}`);
      assert.equal(Number(row.n), 10);
      assert.equal((await store.listShopOrders({ userId: user })).length, 10);
    });

    test('a failed or expired order gives its promo use back, once; the buyer may use it again', async () => {
      const p = await promo({ maxUses: 1 });
      const user = await newUser();
      const buyer = { id: p.id, buyer: `user:${user}` };
      const failing = await open(user, { promo: buyer });
      const failed = await store.failOrder(failing.id, 'provider said no');
      assert.deepEqual([failed?.status, failed?.failReason], ['failed', 'provider said no']);
      assert.equal(await store.failOrder(failing.id, 'again'), undefined);
      assert.equal((await store.findPromoByCode(p.code))?.uses, 0);

      const stale = await open(user, { promo: buyer, expiresAt: at(-MINUTE) });
      const fresh = await open(user, { expiresAt: at(30 * MINUTE) });
      assert.equal((await store.findPromoByCode(p.code))?.uses, 1);
      const expired = await store.expireOrders(new Date().toISOString(), 1000);
      assert.ok(expired.some((o) => o.id === stale.id && o.status === 'expired'));
      assert.ok(!expired.some((o) => o.id === fresh.id));
      assert.equal((await store.findPromoByCode(p.code))?.uses, 0);
      assert.equal((await store.expireOrders(new Date().toISOString(), 1000)).length, 0);
      assert.equal((await store.failOrder(stale.id, 'late'))?.status, undefined);
      await open(user, { promo: buyer });
      assert.equal((await store.findPromoByCode(p.code))?.uses, 1);
    });

    test('fulfilment grants the credits once and answers a replay without granting again', async () => {
      const user = await newUser();
      const order = await open(user);
      const e = event(order, { grant: () => ({ notify: [{ dedupeKey: `order:${order.id}:paid`, kind: 'order.paid', chatId: '42', message: 'thanks' }] }) });
      const first = await store.fulfilOrder(e);
      assert.equal(first.result, 'fulfilled');
      assert.deepEqual([first.order?.status, first.order?.paymentId, first.balance], ['paid', first.payment.id, 10]);
      assert.deepEqual([first.payment.status, first.payment.credits, first.payment.orderId, first.payment.amount, first.payment.currency], ['paid', 10, order.id, e.amount, 'RUB']);
      assert.ok(first.payment.fulfilledAt && first.order?.paidAt);
      const again = await store.fulfilOrder(e);
      assert.deepEqual([again.result, again.payment.id, again.balance, again.order?.status], ['replay', first.payment.id, 10, 'paid']);
      assert.deepEqual(await ledgerKinds(user), [['purchase', 10]]);
      const outbox = await sqlRows(store, `SELECT id FROM outbox WHERE dedupe_key = 'order:${order.id}:paid'`);
      assert.equal(outbox.length, 1);
      const jobs = await sqlRows(store, `SELECT id FROM jobs WHERE dedupe_key = 'outbox:${outbox[0].id}'`);
      assert.equal(jobs.length, 1);
      assert.deepEqual((await store.listAuditFor([`payment:${first.payment.id}`], 10)).map((a) => a.action), ['payment.fulfil']);
    });

    test('100 concurrent copies of one event: one fulfilled, 99 replays, one ledger row', async () => {
      const user = await newUser();
      const order = await open(user);
      const e = event(order);
      const outcomes = await Promise.all(Array.from({ length: 100 }, () => store.fulfilOrder(e)));
      assert.equal(outcomes.filter((o) => o.result === 'fulfilled').length, 1);
      assert.equal(outcomes.filter((o) => o.result === 'replay').length, 99);
      assert.equal(new Set(outcomes.map((o) => o.payment.id)).size, 1);
      assert.deepEqual(await ledgerKinds(user), [['purchase', 10]]);
      assert.equal(await balance(user), 10);
    });

    test('an event already recorded for another order grants this one nothing: no credits, no key, no message, the order stays unpaid', async () => {
      const user = await newUser();
      const first = await store.fulfilOrder(event(await open(user)));
      const other = await open(user, { productId: plan.id, amount: pack.priceRub, listPrice: pack.priceRub, credits: 0 });
      let asked = 0;
      const again = await store.fulfilOrder(event(other, { providerPaymentId: first.payment.providerPaymentId, referralBonus: 5, grant: () => (asked++, { license: { keyHash: hashKey('TT-none'), keySuffix: 'none', plan: 'pro', ttlDays: 30, expiresAt: addDays(new Date().toISOString(), 30), sealedKey: 'sealed' }, notify: [{ dedupeKey: `order:${other.id}:x`, kind: 'order.paid', chatId: '1', message: 'no' }] }) }));
      assert.deepEqual([again.result, again.payment.id, again.payment.orderId], ['replay', first.payment.id, first.order?.id]);
      assert.ok(asked <= 1, 'asked at most once');
      const unpaid = (await store.findShopOrder(other.id))!;
      assert.deepEqual([unpaid.status, unpaid.paymentId, unpaid.licenseId, unpaid.keyPending], [other.status, null, null, false]);
      assert.equal(await store.findLicenseByHash(hashKey('TT-none')), undefined);
      assert.equal((await sqlRows(store, `SELECT id FROM outbox WHERE dedupe_key = 'order:${other.id}:x'`)).length, 0);
      assert.deepEqual(await ledgerKinds(user), [['purchase', 10]]);
    });

    test('a license order issues its key once, sealed, and 20 concurrent reveals show it to exactly one', async () => {
      const user = await newUser();
      const order = await open(user, { productId: plan.id, amount: plan.priceRub, listPrice: plan.priceRub, credits: 0 });
      const key = generateKey();
      const license = { keyHash: hashKey(key), keySuffix: keySuffix(key), plan: 'pro', ttlDays: 30, expiresAt: addDays(new Date().toISOString(), 30), sealedKey: `sealed:${key}` };
      const e = event(order, { grant: () => ({ license }) });
      const done = await store.fulfilOrder(e);
      assert.equal(done.result, 'fulfilled');
      assert.ok(done.order?.licenseId && done.order.keyPending);
      assert.equal(done.payment.licenseId, done.order?.licenseId);
      assert.equal((await store.findLicenseByHash(license.keyHash))?.id, done.order?.licenseId);
      assert.equal((await store.fulfilOrder(e)).result, 'replay');
      assert.equal((await store.listLicenses({ limit: 1000 })).filter((l) => l.keyHash === license.keyHash).length, 1);
      assert.equal(done.balance, 0);

      const reveals = await Promise.all(Array.from({ length: 20 }, () => store.revealOrderKey(order.id)));
      assert.deepEqual(reveals.filter((r) => r !== undefined), [`sealed:${key}`]);
      const after = await store.findShopOrder(order.id);
      assert.equal(after?.keyPending, false);
      assert.ok(after?.keyRevealedAt);
      assert.equal(await store.revealOrderKey(order.id), undefined);
      const actions = (await store.listAuditFor([`payment:${done.payment.id}`, `license:${done.order?.licenseId}`], 10)).map((a) => a.action);
      assert.deepEqual(actions, ['license.issue', 'payment.fulfil']);
    });

    test('each refused notification is recorded as rejected, grants nothing, and stays rejected on replay', async () => {
      const user = await newUser();
      const order = await open(user);
      const cases: [Partial<FulfilInput>, string][] = [
        [{ amountKopecks: order.amount - 1, amount: '289.990000' }, 'amount_mismatch'],
        [{ currency: 'USD' }, 'wrong_currency'],
        [{ provider: 'yookassa' }, 'wrong_provider'],
        [{ test: true }, 'test_mode_mismatch'],
        [{ orderId: 987654321 }, 'order_not_found'],
      ];
      for (const [change, reason] of cases) {
        const e = event(order, change);
        const out = await store.fulfilOrder(e);
        assert.deepEqual([out.result, out.reason, out.payment.status, out.payment.rejectReason, out.payment.credits], ['rejected', reason, 'rejected', reason, 0], reason);
        const replayed = await store.fulfilOrder(e);
        assert.deepEqual([replayed.result, replayed.reason, replayed.payment.id], ['rejected', reason, out.payment.id]);
        assert.deepEqual((await store.listAuditFor([`payment:${out.payment.id}`], 10)).map((a) => a.action), ['payment.reject']);
      }
      assert.equal((await store.findShopOrder(order.id))?.status, 'created');
      assert.equal(await balance(user), 0);

      const paid = await store.fulfilOrder(event(order));
      assert.equal(paid.result, 'fulfilled');
      const second = await store.fulfilOrder(event(order));
      assert.deepEqual([second.result, second.reason, second.payment.status, second.balance], ['rejected', 'order_already_paid', 'rejected', 10]);
      assert.equal((await store.findShopOrder(order.id))?.paymentId, paid.payment.id);
      assert.deepEqual(await ledgerKinds(user), [['purchase', 10]]);
    });

    test('a late payment of an expired order is fulfilled and takes its promo use again', async () => {
      const p = await promo({ kind: 'credits', value: 5, maxUses: 3 });
      const user = await newUser();
      const order = await open(user, { promo: { id: p.id, buyer: `user:${user}` }, credits: 15, expiresAt: at(-MINUTE) });
      await store.expireOrders(new Date().toISOString(), 1000);
      assert.equal((await store.findShopOrder(order.id))?.status, 'expired');
      assert.equal((await store.findPromoByCode(p.code))?.uses, 0);
      const late = await store.fulfilOrder(event(order));
      assert.deepEqual([late.result, late.order?.status, late.balance], ['fulfilled', 'paid', 15]);
      assert.equal((await store.findPromoByCode(p.code))?.uses, 1);
      // A failed order paid late is honoured the same way.
      const failing = await open(user);
      await store.failOrder(failing.id, 'cancelled');
      assert.equal((await store.fulfilOrder(event(failing))).result, 'fulfilled');
    });

    test('a refunded payment marks its order refunded; a new event for it is refused', async () => {
      const user = await newUser();
      const order = await open(user);
      const done = await store.fulfilOrder(event(order));
      await store.completeRefund('robokassa', done.payment.providerPaymentId, by);
      const refunded = await store.markOrderRefunded(done.payment.id);
      assert.equal(refunded?.status, 'refunded');
      assert.equal((await store.markOrderRefunded(done.payment.id))?.status, 'refunded');
      assert.equal(await store.markOrderRefunded(987654321), undefined);
      assert.equal((await store.fulfilOrder(event(order))).reason, 'order_already_paid');
      assert.equal(await balance(user), 0);
    });

    test("a buyer's payments are listed newest first, rejected ones too", async () => {
      const user = await newUser();
      const order = await open(user);
      const bad = await store.fulfilOrder(event(order, { currency: 'EUR' }));
      const good = await store.fulfilOrder(event(order));
      assert.deepEqual((await store.listUserPayments(user, 10)).map((p) => [p.id, p.status]), [[good.payment.id, 'paid'], [bad.payment.id, 'rejected']]);
      assert.deepEqual((await store.listUserPayments(user, 1)).map((p) => p.id), [good.payment.id]);
      assert.equal((await store.findPaymentById(good.payment.id))?.orderId, order.id);
      assert.deepEqual((await store.listPayments({ provider: 'robokassa', status: 'rejected', limit: 1000 })).filter((p) => p.userId === user).map((p) => p.id), [bad.payment.id]);
    });

    test('referral codes are made once; attach refuses an own, unknown or second code and a buyer who paid', async () => {
      const inviter = await newUser();
      const code = await store.referralCodeOf(inviter);
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
      assert.equal(await store.referralCodeOf(inviter), code);
      await assert.rejects(store.referralCodeOf(987654321), { code: 'user_not_found' });
      const invitee = await newUser();
      assert.equal(await store.attachReferral(inviter, code), false);
      assert.equal(await store.attachReferral(invitee, 'ZZZZZZZZ'), false);
      assert.equal(await store.attachReferral(invitee, code.toLowerCase()), true);
      assert.equal(await store.attachReferral(invitee, await store.referralCodeOf(await newUser())), false);
      const payer = await newUser();
      await store.fulfilOrder(event(await open(payer)));
      assert.equal(await store.attachReferral(payer, code), false);
      assert.deepEqual(await store.referralStats(inviter), { invited: 1, rewarded: 0 });
    });

    test('the referral bonus is paid to both sides once, on the first payment, under 20 concurrent events', async () => {
      const inviter = await newUser();
      const code = await store.referralCodeOf(inviter);
      const invitee = await newUser();
      const a = await open(invitee, { refCode: code });
      const b = await open(invitee, { refCode: code });
      const events = Array.from({ length: 20 }, (_, i) => event(i % 2 ? a : b, { referralBonus: 5 }));
      const outcomes = await Promise.all(events.map((e) => store.fulfilOrder(e)));
      assert.equal(outcomes.filter((o) => o.result === 'fulfilled').length, 2);
      assert.deepEqual(
        outcomes.filter((o) => o.result === 'rejected').map((o) => o.reason),
        Array(18).fill('order_already_paid'),
      );
      assert.deepEqual(outcomes.filter((o) => o.referralInviterId !== undefined).map((o) => o.referralInviterId), [inviter]);
      const kinds = (await ledgerKinds(invitee)).map(([k]) => k).sort();
      assert.deepEqual(kinds, ['purchase', 'purchase', 'referral_bonus']);
      assert.deepEqual(await ledgerKinds(inviter), [['referral_reward', 5]]);
      assert.equal(await balance(invitee), 25);
      assert.deepEqual(await store.referralStats(inviter), { invited: 1, rewarded: 1 });

      const third = await store.fulfilOrder(event(await open(invitee, { refCode: code }), { referralBonus: 5 }));
      assert.deepEqual([third.result, third.referralInviterId, third.balance], ['fulfilled', undefined, 35]);
      assert.equal(await balance(inviter), 5);
      const rewarded = outcomes.find((o) => o.referralInviterId !== undefined)!;
      assert.deepEqual((await store.listAuditFor([`payment:${rewarded.payment.id}`], 10)).map((a) => a.action).sort(), ['payment.fulfil', 'referral.reward']);
    });

    test('a referral attached before is paid on the first payment; a buyer who paid before never makes one', async () => {
      const inviter = await newUser();
      const code = await store.referralCodeOf(inviter);
      const invitee = await newUser();
      assert.equal(await store.attachReferral(invitee, code), true);
      const paid = await store.fulfilOrder(event(await open(invitee), { referralBonus: 3 }));
      assert.deepEqual([paid.referralInviterId, paid.balance], [inviter, 13]);

      const veteran = await newUser();
      await store.fulfilOrder(event(await open(veteran), { referralBonus: 3 }));
      const later = await store.fulfilOrder(event(await open(veteran, { refCode: code }), { referralBonus: 3 }));
      assert.deepEqual([later.result, later.referralInviterId], ['fulfilled', undefined]);
      assert.deepEqual(await store.referralStats(inviter), { invited: 1, rewarded: 1 });
      // Without a bonus configured, nothing referral-related happens.
      const quiet = await newUser();
      const none = await store.fulfilOrder(event(await open(quiet, { refCode: code }), { referralBonus: 0 }));
      assert.deepEqual([none.result, none.referralInviterId, none.balance], ['fulfilled', undefined, 10]);
    });
  });
}
