/**
 * YooKassa against the fake API over real HTTP: creating a payment retries 500 / 202 /
 * 429 / a lost answer with the SAME Idempotence-Key (one payment, and the fake sees no
 * second key for the order), notifications are decided by the re-fetched payment only,
 * the IP allowlist, unknown payments, lookup and an idempotent refund.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IncomingNotice } from '../../src/payments/types.js';
import { YookassaProvider } from '../../src/payments/yookassa.js';
import type { ShopOrderRecord } from '../../src/store/order-types.js';
import { startFakeYookassa, type FakeYookassaServer } from '../fakes/yookassa-server.js';
import { testConfig } from '../helpers/config.js';

let fake: FakeYookassaServer;
let provider: YookassaProvider;

before(async () => {
  fake = await startFakeYookassa();
  provider = make();
});
after(() => fake.close());

function make(env: Record<string, string> = {}): YookassaProvider {
  const { yookassa } = testConfig({ YOOKASSA_SHOP_ID: fake.shopId, YOOKASSA_SECRET_KEY: fake.secretKey, YOOKASSA_API_URL: fake.apiUrl, ...env }).payments;
  return new YookassaProvider(yookassa, { retryDelaysMs: [1, 1, 1], timeoutMs: 2000 });
}

const checkout = (orderId: number, key = `order-${orderId}-key`) => ({ orderId, amount: 29_050, description: 'Пакет кредитов', returnUrl: `http://app/orders/${orderId}/status`, idempotenceKey: key, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), lang: 'ru' as const });

const notice = (body: string, ip = '127.0.0.1'): IncomingNotice => ({ rawBody: Buffer.from(body), contentType: 'application/json', headers: {}, ip });

function order(id: number, providerOrderId: string | null): ShopOrderRecord {
  const now = new Date().toISOString();
  return { id, productId: 1, provider: 'yookassa', status: 'pending', userId: null, telegramId: null, lang: 'ru', amount: 29_050, listPrice: 29_050, credits: 0, promoCodeId: null, refCode: null, test: true, providerOrderId, idempotenceKey: `order-${id}-key`, payUrl: null, paymentId: null, licenseId: null, keyPending: false, keyRevealedAt: null, failReason: null, createdAt: now, updatedAt: now, expiresAt: now, paidAt: null };
}

test('createCheckout sends Basic auth, the Idempotence-Key and the documented body; answers the confirmation URL', async () => {
  const link = await provider.createCheckout(checkout(1));
  const call = fake.calls.at(-1)!;
  assert.equal(call.idempotenceKey, 'order-1-key');
  assert.deepEqual(call.body, {
    amount: { value: '290.50', currency: 'RUB' },
    capture: true,
    confirmation: { type: 'redirect', return_url: 'http://app/orders/1/status', locale: 'ru_RU' },
    description: 'Пакет кредитов',
    metadata: { order_id: '1' },
  });
  const payment = fake.payments.get(link.providerOrderId!)!;
  assert.equal(link.payUrl, (payment.confirmation as { confirmation_url: string }).confirmation_url);
  assert.equal(link.test, true);
  assert.equal(provider.test, true, 'a test_ secret key');
});

test('a 500 after the payment was made, a 202 and a 429 are retried with the same key: one payment', async () => {
  const before = fake.payments.size;
  fake.failNext({ status: 500, afterCreate: true });
  fake.failNext({ status: 202 });
  fake.failNext({ status: 429 });
  const link = await provider.createCheckout(checkout(2));
  const attempts = fake.calls.filter((c) => c.path === '/v3/payments' && (c.body as { metadata?: { order_id?: string } } | undefined)?.metadata?.order_id === '2');
  assert.deepEqual(attempts.map((c) => c.status), [500, 202, 429, 200]);
  assert.deepEqual(new Set(attempts.map((c) => c.idempotenceKey)), new Set(['order-2-key']));
  assert.equal(fake.payments.size, before + 1, 'the first attempt made it; the retry got the same payment');
  assert.ok(fake.payments.has(link.providerOrderId!));
  assert.deepEqual(fake.violations, []);
});

test('a network failure (a hung answer past the deadline) is retried with the same key', async () => {
  const slow = make();
  (slow as unknown as { options: { timeoutMs: number } }).options.timeoutMs = 200;
  fake.failNext({ hang: true });
  const link = await slow.createCheckout(checkout(3));
  assert.ok(link.providerOrderId);
  assert.deepEqual(fake.violations, []);
});

test('500 on every attempt ends as provider_unreachable; a 401 is provider_refused at once', async () => {
  fake.failNext({ status: 500 }, 4);
  await assert.rejects(provider.createCheckout(checkout(4)), { code: 'provider_unreachable' });
  const wrong = make({ YOOKASSA_SECRET_KEY: 'test_wrong' });
  await assert.rejects(wrong.createCheckout(checkout(5)), { code: 'provider_refused' });
});

test('a different key for the same order is what the fake flags (guarding the assertion above)', async () => {
  const probe = await startFakeYookassa();
  try {
    const p = new YookassaProvider(testConfig({ YOOKASSA_SHOP_ID: probe.shopId, YOOKASSA_SECRET_KEY: probe.secretKey, YOOKASSA_API_URL: probe.apiUrl }).payments.yookassa);
    await p.createCheckout(checkout(6, 'a'));
    await p.createCheckout(checkout(6, 'b'));
    assert.equal(probe.violations.length, 1);
  } finally {
    await probe.close();
  }
});

test('the re-fetched payment decides: a notice claiming success for a pending payment is pending', async () => {
  const { providerOrderId: id } = await provider.createCheckout(checkout(7));
  const lie = fake.notificationBody(id!, { event: 'payment.succeeded', object: { status: 'succeeded', paid: true, amount: { value: '1.00', currency: 'RUB' }, metadata: { order_id: '999' } } });
  const pending = await provider.verify(notice(lie));
  assert.ok(pending.ok);
  assert.deepEqual([pending.notice.outcome, pending.notice.orderId, pending.notice.amount, pending.notice.eventKey], ['pending', 7, '290.50', id]);

  fake.setStatus(id!, 'succeeded');
  const paid = await provider.verify(notice(fake.notificationBody(id!, { object: { amount: { value: '1.00', currency: 'RUB' } } })));
  assert.ok(paid.ok);
  assert.deepEqual([paid.notice.outcome, paid.notice.amountKopecks, paid.notice.currency, paid.notice.test], ['paid', 29_050, 'RUB', true]);
  assert.deepEqual(provider.ack(), { status: 200, contentType: 'text/plain; charset=utf-8', body: '' });

  const { providerOrderId: other } = await provider.createCheckout(checkout(8));
  fake.setStatus(other!, 'canceled');
  const canceled = await provider.verify(notice(fake.notificationBody(other!, { event: 'payment.succeeded' })));
  assert.ok(canceled.ok && canceled.notice.outcome === 'failed');
});

test('unknown payments, bodies that are not notifications, and senders off the allowlist are refused', async () => {
  const unknown = await provider.verify(notice(JSON.stringify({ type: 'notification', event: 'payment.succeeded', object: { id: 'no-such-payment' } })));
  assert.equal(unknown.ok ? 'ok' : unknown.reason, 'unknown_payment');
  for (const body of ['not json', '{}', JSON.stringify({ type: 'notification', event: 'payment.succeeded', object: {} }), JSON.stringify({ type: 'notification', event: 'payout.succeeded', object: { id: 'x' } })]) {
    const result = await provider.verify(notice(body));
    assert.equal(result.ok ? 'ok' : result.reason, 'malformed', body);
  }
  const guarded = make({ YOOKASSA_ALLOWED_IPS: '185.71.76.0/27,77.75.153.0/25,2a02:5180::/32' });
  const { providerOrderId: id } = await provider.createCheckout(checkout(9));
  const body = fake.notificationBody(id!);
  const getsBefore = fake.calls.filter((c) => c.method === 'GET').length;
  const outsider = await guarded.verify(notice(body, '203.0.113.5'));
  assert.equal(outsider.ok ? 'ok' : outsider.reason, 'forbidden_ip');
  assert.equal(fake.calls.filter((c) => c.method === 'GET').length, getsBefore, 'no re-fetch for a refused sender');
  assert.ok((await guarded.verify(notice(body, '185.71.76.10'))).ok);
  assert.ok((await guarded.verify(notice(body, '2a02:5180::1'))).ok);
});

test('a refund notification is decided by its payment', async () => {
  const { providerOrderId: id } = await provider.createCheckout(checkout(10));
  fake.setStatus(id!, 'succeeded');
  const result = await provider.verify(notice(JSON.stringify({ type: 'notification', event: 'refund.succeeded', object: { id: 'rf-1', payment_id: id, status: 'succeeded' } })));
  assert.ok(result.ok && result.notice.eventKey === id && result.notice.outcome === 'paid');
});

test('lookup fetches by providerOrderId; refund is idempotent per payment', async () => {
  const { providerOrderId: id } = await provider.createCheckout(checkout(11));
  assert.equal((await provider.lookup(order(11, id!)))?.outcome, 'pending');
  await fake.pay(id!).catch(() => undefined); // no notify URL set: only the status matters here
  assert.equal((await provider.lookup(order(11, id!)))?.outcome, 'paid');
  assert.equal(await provider.lookup(order(11, null)), undefined);
  assert.equal(await provider.lookup(order(11, 'missing')), undefined);

  await provider.refund(order(11, id!), { providerPaymentId: id!, amount: '290.50' });
  fake.failNext({ status: 500, afterCreate: true });
  await provider.refund(order(11, id!), { providerPaymentId: id!, amount: '290.50' });
  const refundCalls = fake.calls.filter((c) => c.path === '/v3/refunds');
  assert.deepEqual(new Set(refundCalls.map((c) => c.idempotenceKey)), new Set([`refund-${id}`]));
  assert.equal(fake.refunds.size, 1);
  const { providerOrderId: unpaid } = await provider.createCheckout(checkout(12));
  await assert.rejects(provider.refund(order(12, unpaid!), { providerPaymentId: unpaid!, amount: '290.50' }), { code: 'refund_failed' });
});
