/**
 * The checkout end to end over real HTTP, on both engines: orders through the API, the fake
 * providers' pay flow and notifications into the real app, the real checkout and store.
 * Per provider: a paid order is fulfilled once however many copies of its notification come
 * at once; a notification whose signed amount is not the order's grants nothing and alerts
 * the admin; YooKassa's word in its API decides, not the notification's body. Licenses bought
 * without an account show their key once; promo codes and referrals pay as promised.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { noticeBase, robokassaHash, shpPairs } from '../../src/payments/robokassa-sign.js';
import { startFakeRobokassa, type FakeRobokassaServer } from '../fakes/robokassa-server.js';
import { startFakeWata, type FakeWataServer } from '../fakes/wata-server.js';
import { startFakeYookassa, type FakeYookassaServer } from '../fakes/yookassa-server.js';
import { makeListeningApp, makeStreamer, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { assertLedgerBalanced, assertPromoUsesCounted, sqlRows } from '../helpers/ledger.js';

const ROBOKASSA = {
  ROBOKASSA_MERCHANT_LOGIN: 'ttops-shop',
  ROBOKASSA_PASSWORD_1: 'pass-one-live',
  ROBOKASSA_PASSWORD_2: 'pass-two-live',
  ROBOKASSA_TEST_PASSWORD_1: 'pass-one-test',
  ROBOKASSA_TEST_PASSWORD_2: 'pass-two-test',
};
const ADMIN_CHAT = '-100777';

for (const { name, make } of ENGINES) {
  describe(`card checkout end to end on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp & { base: string };
    let robokassa: FakeRobokassaServer;
    let yookassa: FakeYookassaServer;
    let wata: FakeWataServer;
    let products: { id: number; code: string }[];
    const productId = (code: string) => products.find((p) => p.code === code)!.id;

    before(async () => {
      engine = await make();
      robokassa = await startFakeRobokassa({
        login: ROBOKASSA.ROBOKASSA_MERCHANT_LOGIN,
        password1: ROBOKASSA.ROBOKASSA_PASSWORD_1,
        password2: ROBOKASSA.ROBOKASSA_PASSWORD_2,
        testPassword1: ROBOKASSA.ROBOKASSA_TEST_PASSWORD_1,
        testPassword2: ROBOKASSA.ROBOKASSA_TEST_PASSWORD_2,
      });
      yookassa = await startFakeYookassa({ shopId: '500100', secretKey: 'live_secret-key-for-tests' });
      wata = await startFakeWata({ token: 'wata-token-for-tests' });
      t = await makeListeningApp(engine, {
        ...ROBOKASSA,
        ROBOKASSA_URL: robokassa.merchantUrl,
        YOOKASSA_SHOP_ID: yookassa.shopId,
        YOOKASSA_SECRET_KEY: yookassa.secretKey,
        YOOKASSA_API_URL: yookassa.apiUrl,
        WATA_TOKEN: 'wata-token-for-tests',
        WATA_API_URL: wata.apiUrl,
        ADMIN_CHAT_ID: ADMIN_CHAT,
        REFERRAL_BONUS_CREDITS: '5',
      });
      robokassa.setUrls({ resultUrl: `${t.base}/v2/payments/robokassa/result`, successUrl: `${t.base}/v2/payments/robokassa/success`, failUrl: `${t.base}/v2/payments/robokassa/fail` });
      yookassa.setNotifyUrl(`${t.base}/v2/payments/yookassa/webhook`);
      wata.setNotifyUrl(`${t.base}/v2/payments/wata/webhook`);
      products = (await (await fetch(`${t.base}/v2/products`)).json()).products;
    });
    after(async () => {
      await t?.close();
      await Promise.all([robokassa?.close(), yookassa?.close(), wata?.close()]);
      await engine?.cleanup();
    });

    async function order(body: Record<string, unknown>, token?: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, any> }> {
      const r = await fetch(`${t.base}/v2/orders`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers }, body: JSON.stringify(body) });
      const json = await r.json();
      // The buyer opens the pay link: that is when Robokassa's page learns the invoice.
      if (r.status === 201 && body.provider === 'robokassa') assert.equal((await fetch(json.pay_url)).status, 200);
      return { status: r.status, json };
    }
    const credits = async (userId: number) => (await t.store.findUserById(userId))!.credits;
    const paymentsOf = (provider: string) => sqlRows(t.store, `SELECT status, order_id FROM payments WHERE provider = '${provider}' ORDER BY id`);
    const alerts = () => sqlRows(t.store, "SELECT message FROM outbox WHERE kind = 'admin_alert'");

    test('Robokassa: pay link, ResultURL answered OK{InvId}, 100 concurrent copies fulfil once', async () => {
      const buyer = await makeStreamer(t, 'rk_buyer');
      const made = await order({ product_id: productId('credits-10'), provider: 'robokassa' }, buyer.token);
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.equal(made.json.amount, '290.00');
      assert.ok(made.json.pay_url.startsWith(robokassa.merchantUrl), made.json.pay_url);
      const id = made.json.order_id as number;
      const first = await robokassa.pay(id);
      assert.equal(first.body, `OK${id}`);
      const copies = await robokassa.notify(id, { copies: 100 });
      assert.deepEqual(new Set(copies.map((c) => `${c.status} ${c.body}`)), new Set([`200 OK${id}`]), 'every copy gets the acknowledgement');
      assert.equal(await credits(buyer.userId), 10, 'granted once');
      assert.deepEqual((await paymentsOf('robokassa')).filter((p) => Number(p.order_id) === id).map((p) => p.status), ['paid']);
      const mine = await fetch(`${t.base}/v2/orders/${id}`, { headers: buyer.auth });
      assert.equal(mine.status, 200);
      assert.deepEqual([(await mine.json()).status], ['paid']);
      const byLink = await (await fetch(made.json.status_url, { headers: { accept: 'application/json' } })).json();
      assert.equal(byLink.status, 'paid');
      assert.equal(byLink.delivered.credits, 10);
      await assertLedgerBalanced(t.store);
    });

    test('Robokassa: a correctly signed notification for another amount grants nothing, is recorded rejected and alerts the admin', async () => {
      const buyer = await makeStreamer(t, 'rk_tamper');
      const made = await order({ product_id: productId('credits-10'), provider: 'robokassa' }, buyer.token);
      const id = made.json.order_id as number;
      robokassa.invoices.get(String(id))!.kopecks = 100; // the buyer paid 1.00 RUB, signed as Robokassa would
      const reply = await robokassa.pay(id);
      assert.equal(reply.body, `OK${id}`, 'acknowledged: resending would not change the answer');
      assert.equal(await credits(buyer.userId), 0);
      const order2 = (await t.store.findShopOrder(id))!;
      assert.notEqual(order2.status, 'paid');
      assert.deepEqual((await paymentsOf('robokassa')).filter((p) => Number(p.order_id) === id).map((p) => p.status), ['rejected']);
      assert.ok((await alerts()).some((a) => /amount_mismatch/.test(String(a.message)) && String(a.message).includes(`order ${id}`)), 'the admin is alerted');
      const forged = await robokassa.notify(id, { tamper: 'signature' });
      assert.equal(forged[0].status, 400, 'a wrong signature is refused');
    });

    test('Robokassa: a test-mode payment, signed with the test password, never pays a live order', async () => {
      const buyer = await makeStreamer(t, 'rk_testmode');
      const made = await order({ product_id: productId('credits-10'), provider: 'robokassa' }, buyer.token);
      const id = made.json.order_id as number;
      assert.equal((await t.store.findShopOrder(id))!.test, false);
      // What Robokassa sends for a test payment: IsTest=1, signed with the test password #2.
      const asTest = (fields: URLSearchParams) => {
        fields.set('IsTest', '1');
        fields.set('SignatureValue', robokassaHash(noticeBase(fields.get('OutSum')!, String(id), ROBOKASSA.ROBOKASSA_TEST_PASSWORD_2, shpPairs(fields)), 'md5'));
      };
      const [reply] = await robokassa.notify(id, { tamper: asTest });
      assert.equal(reply.body, `OK${id}`, 'authentic (test set), so acknowledged');
      assert.equal(await credits(buyer.userId), 0);
      assert.deepEqual((await sqlRows(t.store, `SELECT status, reject_reason FROM payments WHERE order_id = ${id}`)).map((p) => [p.status, p.reject_reason]), [['rejected', 'test_mode_mismatch']]);
    });

    test('YooKassa: the notification body is not believed — only the payment as its API reports it', async () => {
      const buyer = await makeStreamer(t, 'yk_buyer');
      const made = await order({ product_id: productId('credits-10'), provider: 'yookassa' }, buyer.token);
      assert.equal(made.status, 201, JSON.stringify(made.json));
      const paymentId = (await t.store.findShopOrder(made.json.order_id))!.providerOrderId!;
      assert.ok(yookassa.payments.has(paymentId));
      const lie = await yookassa.notify(paymentId, { object: { status: 'succeeded' } });
      assert.equal(lie[0].status, 200);
      assert.equal(await credits(buyer.userId), 0, 'the API says pending: nothing granted');
      await yookassa.pay(paymentId);
      const copies = await yookassa.notify(paymentId, { copies: 100 });
      assert.ok(copies.every((c) => c.status === 200));
      assert.equal(await credits(buyer.userId), 10);
      assert.equal((await paymentsOf('yookassa')).filter((p) => Number(p.order_id) === made.json.order_id).length, 1);
      assert.deepEqual(yookassa.violations, []);
      await assertLedgerBalanced(t.store);
    });

    test('WATA: a signed webhook fulfils once over 100 copies; a forged signature is refused', async () => {
      const buyer = await makeStreamer(t, 'wata_buyer');
      const made = await order({ product_id: productId('credits-50'), provider: 'wata' }, buyer.token);
      assert.equal(made.status, 201, JSON.stringify(made.json));
      const linkId = (await t.store.findShopOrder(made.json.order_id))!.providerOrderId!;
      const forgedPay = await wata.pay(linkId);
      assert.equal(forgedPay.status, 200);
      const tx = forgedPay.transaction.transactionId;
      const forged = await wata.notify(tx, { signWith: 'forged' });
      assert.equal(forged[0].status, 400);
      const copies = await wata.notify(tx, { copies: 100 });
      assert.ok(copies.every((c) => c.status === 200));
      assert.equal(await credits(buyer.userId), 50);
      assert.equal((await paymentsOf('wata')).filter((p) => Number(p.order_id) === made.json.order_id).length, 1);
      await assertLedgerBalanced(t.store);
    });

    test('a license bought without an account: the status link shows the key once, and the key redeems', async () => {
      const made = await order({ product_id: productId('license-30d'), provider: 'robokassa', lang: 'en' });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      await robokassa.pay(made.json.order_id);
      const first = await (await fetch(made.json.status_url, { headers: { accept: 'application/json' } })).json();
      assert.equal(first.status, 'paid');
      assert.equal(first.delivered.license_delivery, 'shown_now');
      assert.match(first.delivered.license_key, /^TTB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      const again = await (await fetch(made.json.status_url, { headers: { accept: 'application/json' } })).json();
      assert.equal(again.delivered.license_delivery, 'shown_before');
      assert.equal(again.delivered.license_key, undefined, 'shown once only');
      const redeemed = await fetch(`${t.base}/v2/auth/redeem-license`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '10.77.0.1' },
        body: JSON.stringify({ username: 'web_buyer', password: 'correct-horse-battery', license_key: first.delivered.license_key }),
      });
      assert.equal(redeemed.status, 200, await redeemed.text());
      const tampered = made.json.status_url.replace(/sig=(.)/, (_: string, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
      assert.notEqual((await fetch(tampered, { headers: { accept: 'application/json' } })).status, 200);
    });

    test('promo code and referral: the discount is charged, the use counted once per buyer, the bonus paid to both sides once', async () => {
      const inviter = await makeStreamer(t, 'inviter');
      const invitee = await makeStreamer(t, 'invitee');
      const code = await t.store.referralCodeOf(inviter.userId);
      await t.store.addPromo({ code: 'HALF', kind: 'percent', value: 50, maxUses: 10, expiresAt: null }, { actor: 'test' });
      const made = await order({ product_id: productId('credits-10'), provider: 'robokassa', promo_code: 'half', ref: code }, invitee.token);
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.equal(made.json.amount, '145.00');
      const twice = await order({ product_id: productId('credits-10'), provider: 'robokassa', promo_code: 'HALF' }, invitee.token);
      assert.equal(twice.status, 409);
      assert.equal(twice.json.error.code, 'promo_already_used');
      const anonymous = await order({ product_id: productId('license-30d'), provider: 'robokassa', promo_code: 'HALF' });
      assert.equal(anonymous.json.error.code, 'account_required');
      await robokassa.pay(made.json.order_id);
      assert.equal(await credits(invitee.userId), 10 + 5);
      assert.equal(await credits(inviter.userId), 5);
      const second = await order({ product_id: productId('credits-10'), provider: 'robokassa' }, invitee.token);
      await robokassa.pay(second.json.order_id);
      assert.equal(await credits(invitee.userId), 10 + 5 + 10, 'no bonus on a second payment');
      assert.equal(await credits(inviter.userId), 5);
      assert.deepEqual(await t.store.referralStats(inviter.userId), { invited: 1, rewarded: 1 });
      assert.equal((await t.store.findPromoByCode('HALF'))!.uses, 1);
      await assertPromoUsesCounted(t.store);
      await assertLedgerBalanced(t.store);
    });

    test('a retry with the same Idempotency-Key answers the same order, also with a promo code; a key reused for another purchase is refused', async () => {
      const buyer = await makeStreamer(t, 'retrier');
      await t.store.addPromo({ code: 'RETRY', kind: 'percent', value: 10, maxUses: 5, expiresAt: null }, { actor: 'test' });
      const key = { 'idempotency-key': 'c0ffee00-1111-4222-8333-444455556666' };
      const body = { product_id: productId('credits-10'), provider: 'yookassa', promo_code: 'RETRY' };
      const [first, second] = await Promise.all([order(body, buyer.token, key), order(body, buyer.token, key)]);
      assert.equal(first.status, 201, JSON.stringify(first.json));
      assert.equal(second.status, 201, JSON.stringify(second.json));
      assert.equal(second.json.order_id, first.json.order_id);
      assert.equal(second.json.pay_url, first.json.pay_url);
      const third = await order(body, buyer.token, key);
      assert.equal(third.json.order_id, first.json.order_id, 'a later retry too');
      assert.equal(third.json.pay_url, first.json.pay_url);
      // WATA has no idempotence key of its own: two retries at once still answer one recorded link.
      const wataKey = { 'idempotency-key': 'wata-retry-0000-1111-2222' };
      const wataBody = { product_id: productId('credits-10'), provider: 'wata' };
      const [w1, w2] = await Promise.all([order(wataBody, buyer.token, wataKey), order(wataBody, buyer.token, wataKey)]);
      assert.equal(w1.json.order_id, w2.json.order_id);
      assert.equal(w1.json.pay_url, w2.json.pay_url);
      assert.equal(w1.json.pay_url, (await t.store.findShopOrder(w1.json.order_id))!.payUrl);
      assert.equal((await sqlRows(t.store, `SELECT id FROM orders WHERE user_id = ${buyer.userId}`)).length, 2, 'one order per key');
      assert.equal((await t.store.findPromoByCode('RETRY'))!.uses, 1, 'the promo use is taken once');
      const other = await order({ product_id: productId('credits-50'), provider: 'yookassa' }, buyer.token, key);
      assert.equal(other.status, 422);
      assert.equal(other.json.error.code, 'idempotency_key_reused');
      const bad = await order(body, buyer.token, { 'idempotency-key': 'short' });
      assert.equal(bad.status, 400);
      await assertPromoUsesCounted(t.store);
    });

    test('a retry that arrives while the first attempt is still asking YooKassa, a second later, gets the same payment', async () => {
      const buyer = await makeStreamer(t, 'slow_retrier');
      const key = { 'idempotency-key': 'c0ffee00-2222-4333-8444-555566667777' };
      const body = { product_id: productId('credits-10'), provider: 'yookassa' };
      const calls = yookassa.calls.length;
      yookassa.failNext({ delayMs: 1500 });
      const first = order(body, buyer.token, key);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const [a, b] = await Promise.all([first, order(body, buyer.token, key)]);
      assert.equal(a.status, 201, JSON.stringify(a.json));
      assert.equal(b.status, 201, JSON.stringify(b.json));
      assert.equal(b.json.order_id, a.json.order_id);
      assert.equal(b.json.pay_url, a.json.pay_url);
      assert.equal(b.json.status_url, a.json.status_url, 'one status link per order');
      const created = yookassa.calls.slice(calls).filter((c) => c.method === 'POST' && c.path === '/v3/payments');
      assert.deepEqual(created.map((c) => c.status), [200, 200], 'the provider saw the same request twice');
      assert.deepEqual(yookassa.violations, []);
      assert.equal((await t.store.findShopOrder(a.json.order_id))!.status, 'pending');
    });

    test('bad orders are refused with stable codes and create nothing', async () => {
      const buyer = await makeStreamer(t, 'bad_orders');
      const before = await sqlRows(t.store, 'SELECT count(*) AS n FROM orders');
      const cases: [Record<string, unknown>, string | undefined, number, string][] = [
        [{ product_id: 999_999, provider: 'robokassa' }, buyer.token, 404, 'product_not_found'],
        [{ product_id: productId('credits-10'), provider: 'wata' }, undefined, 401, 'account_required'],
        [{ product_id: productId('credits-10'), provider: 'robokassa', promo_code: 'NOSUCH' }, buyer.token, 404, 'promo_not_found'],
      ];
      for (const [body, token, status, code] of cases) {
        const r = await order(body, token);
        assert.equal(r.status, status, JSON.stringify(r.json));
        assert.equal(r.json.error.code, code);
      }
      assert.deepEqual(await sqlRows(t.store, 'SELECT count(*) AS n FROM orders'), before);
    });
  });
}
