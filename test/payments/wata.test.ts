/**
 * WATA against the fake over real HTTP: payment links, webhook signatures (valid, forged,
 * over a modified body, missing), the public key cached per API URL and fetched again
 * once when it rotated (and not on every forged webhook), test mode from the sandbox
 * host, lookup by our order id, and refunds left to the cabinet.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IncomingNotice } from '../../src/payments/types.js';
import { WataKeyCache } from '../../src/payments/wata-keys.js';
import { WataProvider } from '../../src/payments/wata.js';
import type { ShopOrderRecord } from '../../src/store/order-types.js';
import { startFakeWata, type FakeWataServer } from '../fakes/wata-server.js';
import { testConfig } from '../helpers/config.js';

let fake: FakeWataServer;
let other: FakeWataServer;

before(async () => {
  [fake, other] = await Promise.all([startFakeWata(), startFakeWata()]);
});
after(async () => {
  await Promise.all([fake.close(), other.close()]);
});

function make(server: FakeWataServer, keys = new WataKeyCache(0)): WataProvider {
  const { wata } = testConfig({ WATA_TOKEN: server.token, WATA_API_URL: server.apiUrl }).payments;
  return new WataProvider(wata, { keys, retryDelaysMs: [1, 1] });
}

const checkout = (orderId: number) => ({ orderId, amount: 118_850, description: 'VPN, 3 месяца', returnUrl: `http://app/orders/${orderId}`, idempotenceKey: `k${orderId}`, expiresAt: '2030-01-01T00:00:00.000Z', lang: 'ru' as const });

const incoming = (hook: { body: string; signature?: string }): IncomingNotice => ({ rawBody: Buffer.from(hook.body), contentType: 'application/json', headers: hook.signature === undefined ? {} : { 'x-signature': hook.signature }, ip: '127.0.0.1' });

async function paidTransaction(server: FakeWataServer, provider: WataProvider, orderId: number): Promise<string> {
  const link = await provider.createCheckout(checkout(orderId));
  // The webhook goes nowhere here: these tests verify the signed bodies themselves.
  const tx = server.transactions.size;
  server.setNotifyUrl('http://127.0.0.1:9/unused');
  const { transaction } = await server.pay(link.providerOrderId!);
  assert.equal(server.transactions.size, tx + 1);
  return transaction.transactionId;
}

test('createCheckout posts the link with Bearer auth, amount in rubles and our order id', async () => {
  const provider = make(fake);
  const link = await provider.createCheckout(checkout(1));
  const stored = fake.links.get(link.providerOrderId!)!;
  assert.deepEqual(
    { amount: stored.amount, currency: stored.currency, orderId: stored.orderId, successRedirectUrl: stored.successRedirectUrl, failRedirectUrl: stored.failRedirectUrl, expirationDateTime: stored.expirationDateTime },
    { amount: 1188.5, currency: 'RUB', orderId: '1', successRedirectUrl: 'http://app/orders/1', failRedirectUrl: 'http://app/orders/1', expirationDateTime: '2030-01-01T00:00:00.000Z' },
  );
  assert.equal(link.payUrl, stored.url);
  assert.equal(link.test, false);
  const wrong = new WataProvider(testConfig({ WATA_TOKEN: 'nope', WATA_API_URL: fake.apiUrl }).payments.wata, { keys: new WataKeyCache(0) });
  await assert.rejects(wrong.createCheckout(checkout(2)), { code: 'provider_refused' });
});

test('without an idempotence key a 500 on link creation is not resent (unreachable); a 503 is', async () => {
  const provider = make(fake);
  const links = fake.links.size;
  fake.failNext({ status: 500 });
  fake.failNext({ status: 200, body: '{"id":"should-not-be-reached"}' });
  await assert.rejects(provider.createCheckout(checkout(2)), { code: 'provider_unreachable' });
  assert.equal(fake.links.size, links);
  await assert.rejects(provider.createCheckout(checkout(2)), { code: 'provider_malformed' }, 'the next call took the scripted answer: the 500 was not retried');
  fake.failNext({ status: 503 });
  const link = await provider.createCheckout(checkout(2));
  assert.ok(fake.links.has(link.providerOrderId!));
});

test('the sandbox host makes test orders', () => {
  const sandbox = new WataProvider(testConfig({ WATA_TOKEN: 't', WATA_API_URL: 'https://api-sandbox.wata.pro/api/h2h' }).payments.wata);
  assert.equal(sandbox.test, true);
});

test('a signed webhook verifies; forged, missing and modified-body signatures do not', async () => {
  const provider = make(fake);
  const txId = await paidTransaction(fake, provider, 3);
  const good = await provider.verify(incoming(fake.webhook(txId)));
  assert.ok(good.ok, !good.ok ? good.message : '');
  assert.deepEqual(
    [good.notice.eventKey, good.notice.orderId, good.notice.amount, good.notice.amountKopecks, good.notice.currency, good.notice.outcome, good.notice.test],
    [txId, 3, '1188.5', 118_850, 'RUB', 'paid', false],
  );
  assert.deepEqual(provider.ack(), { status: 200, contentType: 'text/plain; charset=utf-8', body: '' });
  for (const hook of [fake.webhook(txId, { signWith: 'forged' }), fake.webhook(txId, { tamper: 'amount' }), fake.webhook(txId, { tamper: (b) => (b.orderId = '4') }), { body: fake.webhook(txId).body }, { body: fake.webhook(txId).body, signature: 'bm90IGEgc2lnbmF0dXJl' }]) {
    const result = await provider.verify(incoming(hook));
    assert.equal(result.ok ? 'ok' : result.reason, 'bad_signature');
  }
  // Re-serialising the JSON (other whitespace) breaks the signature: the raw bytes are what count.
  const { body, signature } = fake.webhook(txId);
  const reformatted = await provider.verify(incoming({ body: JSON.stringify(JSON.parse(body), null, 1), signature }));
  assert.equal(reformatted.ok, false);
});

test('a declined payment is a failed notice; a signed body without our fields is malformed', async () => {
  const provider = make(fake);
  const link = await provider.createCheckout(checkout(5));
  const { transaction } = await fake.decline(link.providerOrderId!);
  const declined = await provider.verify(incoming(fake.webhook(transaction.transactionId)));
  assert.ok(declined.ok && declined.notice.outcome === 'failed');
  const body = JSON.stringify({ transactionId: 'x', transactionStatus: 'Paid', amount: 1, currency: 'RUB', orderId: 'not-ours' });
  const malformed = await provider.verify(incoming({ body, signature: fake.sign(body) }));
  assert.equal(malformed.ok ? 'ok' : malformed.reason, 'malformed');
});

test('the key is cached per API URL, and fetched again once when it rotated', async () => {
  const keys = new WataKeyCache(0);
  const provider = make(fake, keys);
  const otherProvider = make(other, keys);
  const txId = await paidTransaction(fake, provider, 6);
  const otherTx = await paidTransaction(other, otherProvider, 6);
  const [fetchesA, fetchesB] = [fake.keyFetches(), other.keyFetches()];
  for (let i = 0; i < 3; i++) {
    assert.ok((await provider.verify(incoming(fake.webhook(txId)))).ok);
    assert.ok((await otherProvider.verify(incoming(other.webhook(otherTx)))).ok);
  }
  assert.deepEqual([fake.keyFetches() - fetchesA, other.keyFetches() - fetchesB], [1, 1], 'one fetch per environment');
  // Environments do not share keys: the other fake's signature fails here.
  assert.equal((await provider.verify(incoming(other.webhook(otherTx)))).ok, false);

  fake.rotateKey();
  const before = fake.keyFetches();
  assert.ok((await provider.verify(incoming(fake.webhook(txId)))).ok, 'the new key was fetched');
  assert.equal(fake.keyFetches() - before, 1);
  assert.ok((await provider.verify(incoming(fake.webhook(txId)))).ok);
  assert.equal(fake.keyFetches() - before, 1, 'and then cached');
  const stale = await provider.verify(incoming(fake.webhook(txId, { signWith: 'previous' })));
  assert.equal(stale.ok ? 'ok' : stale.reason, 'bad_signature', 'refetched once, still the new key: refused');
  assert.equal(fake.keyFetches() - before, 2);
});

test('forged webhooks do not each cause a key fetch: refetches are spaced out', async () => {
  const keys = new WataKeyCache(60_000);
  const provider = make(fake, keys);
  const txId = await paidTransaction(fake, provider, 7);
  assert.ok((await provider.verify(incoming(fake.webhook(txId)))).ok);
  const before = fake.keyFetches();
  const results = await Promise.all(Array.from({ length: 20 }, () => provider.verify(incoming(fake.webhook(txId, { signWith: 'forged' })))));
  assert.ok(results.every((r) => !r.ok));
  assert.equal(fake.keyFetches() - before, 0, 'the key was fetched moments ago');
});

test('lookup finds the transaction by our order id; refunds are manual', async () => {
  const provider = make(fake);
  const txId = await paidTransaction(fake, provider, 8);
  const now = new Date().toISOString();
  const order: ShopOrderRecord = { id: 8, productId: 1, provider: 'wata', status: 'pending', userId: null, telegramId: null, lang: 'ru', amount: 118_850, listPrice: 118_850, credits: 0, promoCodeId: null, refCode: null, test: false, providerOrderId: null, idempotenceKey: 'k8', payUrl: null, paymentId: null, licenseId: null, keyPending: false, keyRevealedAt: null, failReason: null, createdAt: now, updatedAt: now, expiresAt: now, paidAt: null };
  const found = await provider.lookup(order);
  assert.deepEqual([found?.eventKey, found?.outcome, found?.amountKopecks], [txId, 'paid', 118_850]);
  assert.equal(await provider.lookup({ ...order, id: 404 }), undefined);
  fake.failNext({ status: 503 });
  assert.equal((await provider.lookup(order))?.outcome, 'paid', 'a 503 on a GET is retried');
  await assert.rejects(provider.refund(order, { providerPaymentId: txId, amount: '1188.5' }), { code: 'refund_manual' });
});
