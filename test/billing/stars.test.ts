/**
 * Stars billing on both engines: pre-checkout verdicts, fulfilment once per charge id (also
 * under 100 concurrent deliveries), tampered payments refused, refunds once and never silently
 * out of step with Telegram.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { finishStarsRefund, refundStarsPayment } from '../../src/billing/refund.js';
import { makePayload, parsePayload } from '../../src/billing/payload.js';
import { checkPreCheckout, fulfilStarsPayment, STARS_PROVIDER, starsInvoice, StarsPaymentRejected, confirmKeySent, type SuccessfulPayment } from '../../src/billing/stars.js';
import { hashKey, KEY_PATTERN } from '../../src/licenses/key.js';
import { openStore } from '../../src/store/open.js';
import type { ProductRecord, Store } from '../../src/store/types.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const admin = { actor: 'test:admin' };
let charge = 0;

/** A successful_payment for `product`, bought by `tg`, as Telegram would deliver it. */
function paid(product: ProductRecord, tg: number, overrides: Partial<SuccessfulPayment> = {}): SuccessfulPayment {
  charge += 1;
  return {
    telegram_payment_charge_id: `tgcharge_${Date.now()}_${charge}`,
    provider_payment_charge_id: `prov_${charge}`,
    total_amount: product.priceStars,
    currency: 'XTR',
    invoice_payload: starsInvoice(product, tg).payload,
    ...overrides,
  };
}

test('the invoice payload pins product, price and buyer, fits Telegram, and refuses anything else', () => {
  const p = makePayload(12, 150, 987654321012);
  assert.ok(Buffer.byteLength(p) <= 64, p);
  assert.deepEqual({ ...parsePayload(p), nonce: undefined }, { productId: 12, stars: 150, telegramId: 987654321012, nonce: undefined });
  assert.notEqual(makePayload(1, 1, 1), makePayload(1, 1, 1));
  for (const bad of ['', 'p:1:2:3', 'p:0:150:5:abcdefgh', 'p:1:0:5:abcdefgh', 'x:1:150:5:abcdefgh', 'p:1:150:5:abc', `p:1:150:5:abcdefgh:extra`]) assert.equal(parsePayload(bad), undefined, bad);
});

for (const { name, make } of ENGINES) {
  describe(`Stars billing on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let credits10: ProductRecord;
    let license30: ProductRecord;

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      credits10 = (await store.findProductByCode('credits-10'))!;
      license30 = (await store.findProductByCode('license-30d'))!;
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('the invoice is in XTR with one price and no provider token', () => {
      const inv = starsInvoice(credits10, 42, 'en');
      assert.equal(inv.currency, 'XTR');
      assert.equal(inv.provider_token, '');
      assert.deepEqual(inv.prices, [{ label: '10 credits', amount: credits10.priceStars }]);
      assert.ok(inv.title.length <= 32 && inv.description.length <= 255);
    });

    test('pre-checkout accepts a matching invoice and refuses each mismatch with its reason', async () => {
      const tg = 5001;
      const ok = { from: { id: tg }, currency: 'XTR', total_amount: credits10.priceStars, invoice_payload: starsInvoice(credits10, tg).payload };
      const verdict = await checkPreCheckout(store, ok);
      assert.equal(verdict.ok, true);
      const reason = async (q: typeof ok) => {
        const v = await checkPreCheckout(store, q);
        assert.equal(v.ok, false);
        return v.ok ? undefined : v.reason;
      };
      assert.equal(await reason({ ...ok, invoice_payload: 'garbage' }), 'invalid_payload');
      assert.equal(await reason({ ...ok, currency: 'USD' }), 'wrong_currency');
      assert.equal(await reason({ ...ok, total_amount: 1 }), 'amount_mismatch');
      assert.equal(await reason({ ...ok, from: { id: 6006 } }), 'wrong_buyer');
      assert.equal(await reason({ ...ok, total_amount: 7, invoice_payload: makePayload(999_999, 7, tg) }), 'product_not_found');
      assert.equal(await reason({ ...ok, total_amount: 3, invoice_payload: makePayload(credits10.id, 3, tg) }), 'price_changed');
      const extra = await store.addProduct({ ...credits10, code: `off-${name}`, enabled: false }, admin);
      assert.equal(await reason({ ...ok, invoice_payload: makePayload(extra.id, extra.priceStars, tg) }), 'product_disabled');
    });

    test('a successful_payment for credits is fulfilled once: one payment row, one ledger row, balance +N once, audited', async () => {
      const tg = 7001;
      const payment = paid(credits10, tg);
      const first = await fulfilStarsPayment(store, payment, { id: tg });
      assert.equal(first.fulfilled, true);
      assert.equal(first.credits, 10);
      assert.equal(first.balance, 10);
      const replay = await fulfilStarsPayment(store, payment, { id: tg });
      assert.deepEqual({ ...replay }, { ...first, fulfilled: false });
      const user = (await store.findUserByTelegramId(tg))!;
      assert.equal(user.credits, 10);
      const ledger = await store.ledger(user.id, 10);
      assert.deepEqual(ledger.map((e) => [e.kind, e.delta]), [['purchase', 10]]);
      const row = (await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!;
      assert.equal(row.status, 'paid');
      assert.equal(row.amount, String(credits10.priceStars));
      assert.equal(row.currency, 'XTR');
      assert.equal(row.providerChargeId, payment.provider_payment_charge_id);
      assert.ok(row.fulfilledAt);
      const audits = (await store.listAudit(50)).filter((a) => a.subject === `payment:${row.id}`);
      assert.deepEqual(audits.map((a) => a.action), ['payment.fulfil']);
    });

    test('a successful_payment for a license issues one key, returned once, only its hash stored', async () => {
      const tg = 7002;
      const payment = paid(license30, tg);
      const first = await fulfilStarsPayment(store, payment, { id: tg });
      assert.equal(first.fulfilled, true);
      assert.match(first.licenseKey!, KEY_PATTERN);
      const license = (await store.findLicenseByHash(hashKey(first.licenseKey!)))!;
      assert.equal(license.id, first.licenseId);
      assert.equal(license.plan, 'pro');
      assert.equal(license.ttlDays, 30);
      assert.equal(license.status, 'active');
      const replay = await fulfilStarsPayment(store, payment, { id: tg });
      assert.equal(replay.fulfilled, false);
      assert.equal(replay.licenseKey, undefined);
      assert.equal(replay.licenseId, first.licenseId);
      assert.equal((await store.listLicenses({})).filter((l) => l.note?.includes(payment.telegram_payment_charge_id)).length, 1);
      assert.equal((await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!.keySentAt, null);
      await confirmKeySent(store, first.paymentId);
      assert.ok((await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!.keySentAt);
      assert.equal((await store.findUserByTelegramId(tg))!.credits, 0);
    });

    test('100 concurrent deliveries of one successful_payment fulfil it exactly once (credits and license)', async () => {
      for (const [product, tg] of [[credits10, 8001], [license30, 8002]] as const) {
        const payment = paid(product, tg);
        const results = await Promise.all(Array.from({ length: 100 }, () => fulfilStarsPayment(store, payment, { id: tg })));
        assert.equal(results.filter((r) => r.fulfilled).length, 1);
        assert.ok(results.every((r) => r.paymentId === results[0].paymentId));
        assert.equal(results.filter((r) => r.licenseKey).length, product.kind === 'license' ? 1 : 0);
        const user = (await store.findUserByTelegramId(tg))!;
        assert.equal(user.credits, product.kind === 'credits' ? 10 : 0);
        assert.equal((await store.ledger(user.id, 1000)).length, product.kind === 'credits' ? 1 : 0);
        assert.equal((await store.listPayments({})).filter((p) => p.providerPaymentId === payment.telegram_payment_charge_id).length, 1);
        assert.equal((await store.listLicenses({})).filter((l) => l.note?.includes(payment.telegram_payment_charge_id)).length, product.kind === 'license' ? 1 : 0);
      }
    });

    test('a tampered amount or currency is refused: nothing granted, recorded as rejected, an error to alert on (also on replay)', async () => {
      const tg = 9001;
      for (const [overrides, reason] of [[{ total_amount: 1 }, 'amount_mismatch'], [{ currency: 'USD' }, 'wrong_currency'], [{ invoice_payload: 'forged' }, 'invalid_payload']] as const) {
        const payment = paid(credits10, tg, overrides);
        for (let i = 0; i < 2; i++) {
          await assert.rejects(fulfilStarsPayment(store, payment, { id: tg }), (error: unknown) => {
            assert.ok(error instanceof StarsPaymentRejected);
            assert.equal(error.code, 'stars_payment_rejected');
            assert.equal(error.context.reason, reason);
            assert.equal(error.context.charge_id, payment.telegram_payment_charge_id);
            return true;
          });
        }
        const row = (await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!;
        assert.equal(row.status, 'rejected');
        assert.equal(row.rejectReason, reason);
        assert.equal(row.credits, 0);
      }
      const user = (await store.findUserByTelegramId(tg))!;
      assert.equal(user.credits, 0);
      assert.equal((await store.ledger(user.id, 10)).length, 0);
      // Paid by someone else than the invoice was for: refused too.
      await assert.rejects(fulfilStarsPayment(store, paid(credits10, tg), { id: 9002 }), { code: 'stars_payment_rejected' });
    });

    test('a refund takes the credits back once (below zero if spent), and a failed Telegram call leaves it requested, saying so', async () => {
      const tg = 9101;
      const payment = paid(credits10, tg);
      const { paymentId } = await fulfilStarsPayment(store, payment, { id: tg });
      const user = (await store.findUserByTelegramId(tg))!;
      await store.createOrder({ userId: user.id, orderId: `o-${name}`, jobs: [{ kind: 'noop' }], costPerJob: 4 });

      const calls: unknown[] = [];
      await assert.rejects(
        refundStarsPayment(store, payment.telegram_payment_charge_id, admin, async () => {
          throw new Error('Bad Request: network is down');
        }),
        (error: Error & { code?: string }) => error.code === 'stars_refund_failed' && /stays refund_requested/.test(error.message),
      );
      let row = (await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!;
      assert.equal(row.status, 'refund_requested');
      assert.match(row.refundError!, /network is down/);
      assert.equal((await store.findUserById(user.id))!.credits, 6);

      const done = await refundStarsPayment(store, payment.telegram_payment_charge_id, admin, async (r) => void calls.push(r));
      assert.deepEqual(calls, [{ user_id: tg, telegram_payment_charge_id: payment.telegram_payment_charge_id }]);
      assert.deepEqual(done, { paymentId, refunded: true, debited: 10, balance: -4 });
      row = (await store.findPayment(STARS_PROVIDER, payment.telegram_payment_charge_id))!;
      assert.equal(row.status, 'refunded');
      assert.equal(row.refundError, null);

      // Telegram's refunded_payment message arriving afterwards changes nothing.
      assert.deepEqual(await finishStarsRefund(store, payment.telegram_payment_charge_id, admin), { paymentId, refunded: false, debited: 0, balance: -4 });
      await assert.rejects(refundStarsPayment(store, payment.telegram_payment_charge_id, admin, async () => {}), { code: 'payment_already_refunded' });
      const ledger = await store.ledger(user.id, 10);
      assert.deepEqual(ledger.map((e) => [e.kind, e.delta]), [['payment_refund', -10], ['charge', -4], ['purchase', 10]]);
      const actions = (await store.listAudit(100)).filter((a) => a.subject === `payment:${paymentId}`).map((a) => a.action);
      assert.deepEqual(actions.sort(), ['payment.fulfil', 'payment.refund', 'payment.refund_request', 'payment.refund_request'].sort());
      await assert.rejects(refundStarsPayment(store, 'no-such-charge', admin, async () => {}), { code: 'payment_not_found' });
    });

    test('refunding a license payment revokes its key; CHARGE_ALREADY_REFUNDED from Telegram still completes', async () => {
      const tg = 9201;
      const payment = paid(license30, tg);
      const first = await fulfilStarsPayment(store, payment, { id: tg });
      const done = await refundStarsPayment(store, payment.telegram_payment_charge_id, admin, async () => {
        throw new Error('Bad Request: CHARGE_ALREADY_REFUNDED');
      });
      assert.deepEqual(done, { paymentId: first.paymentId, refunded: true, debited: 0, balance: 0, revokedLicenseId: first.licenseId });
      assert.equal((await store.findLicenseById(first.licenseId!))!.status, 'revoked');
      assert.equal((await finishStarsRefund(store, payment.telegram_payment_charge_id, admin)).refunded, false);
    });
  });
}
