/**
 * What runs behind the buyer's back, on both engines: reconciliation finds a payment whose
 * notification was lost and fulfils it, fails an order its provider cancelled, and alerts on
 * a Stars payment Telegram has and ttops never recorded; expiry gives promo uses back; a
 * refund through the provider takes the credits back once and marks the order refunded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ordersExpireHandler, reconcile, RECONCILE_AFTER_MS } from '../../src/jobs/checkout-jobs.js';
import { alertTarget } from '../../src/jobs/alerts.js';
import { KeySeal } from '../../src/orders/sealed-key.js';
import { refundPayment } from '../../src/orders/refund.js';
import { makeProviders } from '../../src/payments/registry.js';
import type { JobRecord } from '../../src/store/types.js';
import { startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { startFakeYookassa, type FakeYookassaServer } from '../fakes/yookassa-server.js';
import { JWT_SECRET, makeListeningApp, makeStreamer, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { assertLedgerBalanced, assertPromoUsesCounted, sqlRows } from '../helpers/ledger.js';

for (const { name, make } of ENGINES) {
  describe(`reconciliation, expiry and refunds on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp & { base: string };
    let yookassa: FakeYookassaServer;
    let telegram: FakeTelegramServer;
    let creditsTen: number;

    before(async () => {
      engine = await make();
      yookassa = await startFakeYookassa({ shopId: '500200', secretKey: 'live_reconcile-key' });
      telegram = await startFakeTelegram();
      t = await makeListeningApp(engine, { YOOKASSA_SHOP_ID: yookassa.shopId, YOOKASSA_SECRET_KEY: yookassa.secretKey, YOOKASSA_API_URL: yookassa.apiUrl, ADMIN_CHAT_ID: '-100555' });
      yookassa.setNotifyUrl(`${t.base}/v2/payments/yookassa/webhook`);
      creditsTen = (await t.store.findProductByCode('credits-10'))!.id;
    });
    after(async () => {
      await t?.close();
      await yookassa?.close();
      await telegram?.close();
      await engine?.cleanup();
    });

    const deps = (stars?: boolean) => {
      const alerts = alertTarget(t.config, t.store);
      return {
        store: t.store,
        providers: makeProviders(t.config.payments),
        fulfil: { store: t.store, seal: new KeySeal(JWT_SECRET), alerts, referralBonus: 0 },
        alerts,
        stars: stars ? { apiRoot: telegram.apiRoot, token: telegram.token, timeoutMs: 2000 } : undefined,
        // Pending orders are asked about once they are older than RECONCILE_AFTER_MS.
        now: () => Date.now() + RECONCILE_AFTER_MS + 60_000,
      };
    };
    async function placeOrder(token: string, promo?: string): Promise<number> {
      const r = await fetch(`${t.base}/v2/orders`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ product_id: creditsTen, provider: 'yookassa', ...(promo ? { promo_code: promo } : {}) }) });
      assert.equal(r.status, 201, await r.clone().text());
      return (await r.json()).order_id;
    }

    test('a lost notification is found by reconciliation and fulfilled once; a cancelled payment fails its order', async () => {
      const buyer = await makeStreamer(t, 'lost_notice');
      const paid = await placeOrder(buyer.token);
      const cancelled = await placeOrder(buyer.token);
      yookassa.setStatus((await t.store.findShopOrder(paid))!.providerOrderId!, 'succeeded');
      yookassa.setStatus((await t.store.findShopOrder(cancelled))!.providerOrderId!, 'canceled');
      const report = await reconcile(deps());
      assert.equal(report.fulfilled, 1);
      assert.equal(report.failed, 1);
      assert.equal((await t.store.findShopOrder(paid))!.status, 'paid');
      assert.equal((await t.store.findShopOrder(cancelled))!.status, 'failed');
      assert.equal((await t.store.findUserById(buyer.userId))!.credits, 10);
      const again = await reconcile(deps());
      assert.equal(again.fulfilled, 0, 'a paid order is not pending any more');
      assert.equal((await t.store.findUserById(buyer.userId))!.credits, 10);
      await assertLedgerBalanced(t.store);
    });

    test('a provider that cannot answer is counted and does not stop the pass', async () => {
      const buyer = await makeStreamer(t, 'provider_down');
      await placeOrder(buyer.token);
      yookassa.failNext({ status: 500 }, 4); // the client's four attempts
      const report = await reconcile(deps());
      assert.ok(report.lookupErrors >= 1, JSON.stringify(report));
    });

    test('a Stars payment Telegram has and the payments table does not alerts the admin', async () => {
      // 150 transactions, oldest first as Telegram lists them: the unrecorded one is on the second page.
      const user = { id: 42, is_bot: false, first_name: 'A' };
      const all = Array.from({ length: 150 }, (_, i) => ({ id: i === 140 ? 'stxUNRECORDED1' : `stxREFUND${i}`, amount: 150, date: i, ...(i === 140 ? { source: { type: 'user', user, invoice_payload: 'x' } } : { receiver: { type: 'user', user } }) }));
      telegram.setMethod('getStarTransactions', (p) => ({ transactions: all.slice(Number(p.offset ?? 0), Number(p.offset ?? 0) + Number(p.limit ?? 100)) }));
      const report = await reconcile(deps(true));
      assert.deepEqual(report.starsUnrecorded, ['stxUNRECORDED1'], 'outgoing refunds are not payments');
      assert.equal(telegram.callsOf('getStarTransactions').length, 2, 'paged to the end');
      const alerts = await sqlRows(t.store, "SELECT message FROM outbox WHERE kind = 'admin_alert'");
      assert.ok(alerts.some((a) => String(a.message).includes('stxUNRECORDED1')));
    });

    test('an abandoned order expires and gives its promo use back', async () => {
      const buyer = await makeStreamer(t, 'abandons');
      await t.store.addPromo({ code: 'ONCE', kind: 'fixed', value: 1000, maxUses: 1, expiresAt: null }, { actor: 'test' });
      const id = await placeOrder(buyer.token, 'ONCE');
      assert.equal((await t.store.findPromoByCode('ONCE'))!.uses, 1);
      const expire = ordersExpireHandler(t.store, () => new Date(Date.now() + 2 * t.config.payments.orderTtlMs));
      await expire({} as JobRecord, {} as never);
      assert.equal((await t.store.findShopOrder(id))!.status, 'expired');
      assert.equal((await t.store.findPromoByCode('ONCE'))!.uses, 0);
      await assertPromoUsesCounted(t.store);
    });

    test('a refund goes through YooKassa, takes the credits back once and marks the order refunded', async () => {
      const buyer = await makeStreamer(t, 'refunds');
      const id = await placeOrder(buyer.token);
      await yookassa.pay((await t.store.findShopOrder(id))!.providerOrderId!);
      const order = (await t.store.findShopOrder(id))!;
      assert.equal(order.status, 'paid');
      const refundDeps = { store: t.store, providers: makeProviders(t.config.payments) };
      const done = await refundPayment(refundDeps, order.paymentId!, { actor: 'test' });
      assert.equal(done.refunded, true);
      assert.equal(done.debited, 10);
      assert.equal(yookassa.refunds.size, 1);
      assert.equal((await t.store.findShopOrder(id))!.status, 'refunded');
      assert.equal((await t.store.findUserById(buyer.userId))!.credits, 0);
      await assert.rejects(refundPayment(refundDeps, order.paymentId!, { actor: 'test' }), { code: 'payment_already_refunded' });
      assert.equal(yookassa.refunds.size, 1, 'the provider is not asked again');
      assert.equal((await t.store.findUserById(buyer.userId))!.credits, 0);
      await assertLedgerBalanced(t.store);
    });
  });
}
