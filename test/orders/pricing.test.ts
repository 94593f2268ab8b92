/** What an order costs and grants with each kind of promo code, and which promos are refused. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkPromo, MIN_CHARGE_KOPECKS, priceOf } from '../../src/orders/pricing.js';
import type { ProductRecord, PromoRecord } from '../../src/store/types.js';

const pack: ProductRecord = { id: 1, kind: 'credits', code: 'credits-10', titleRu: '10 кредитов', titleEn: '10 credits', credits: 10, plan: null, ttlDays: null, priceRub: 29000, priceStars: 150, enabled: true, sort: 0, createdAt: '', updatedAt: '' };
const plan: ProductRecord = { ...pack, id: 2, kind: 'license', code: 'license-30d', credits: null, plan: 'pro', ttlDays: 30, priceRub: 99000 };
const promo = (kind: PromoRecord['kind'], value: number, extra: Partial<PromoRecord> = {}): PromoRecord => ({ id: 7, code: 'SPRING', kind, value, maxUses: null, uses: 0, expiresAt: null, enabled: true, createdAt: '', ...extra });

test('prices: list price, percent and fixed discounts, bonus credits, never below the minimum charge', () => {
  assert.deepEqual(priceOf(pack), { amount: 29000, listPrice: 29000, credits: 10 });
  assert.deepEqual(priceOf(plan), { amount: 99000, listPrice: 99000, credits: 0 });
  assert.deepEqual(priceOf(pack, promo('percent', 20)), { amount: 23200, listPrice: 29000, credits: 10 });
  assert.equal(priceOf(pack, promo('percent', 33)).amount, 19430, 'rounded to the kopeck');
  assert.deepEqual(priceOf(plan, promo('fixed', 10000)), { amount: 89000, listPrice: 99000, credits: 0 });
  assert.deepEqual(priceOf(plan, promo('credits', 5)), { amount: 99000, listPrice: 99000, credits: 5 });
  assert.equal(priceOf(pack, promo('percent', 100)).amount, MIN_CHARGE_KOPECKS);
  assert.equal(priceOf(pack, promo('fixed', 10_000_000)).amount, MIN_CHARGE_KOPECKS);
});

test('a promo is refused when missing, off, expired or used up', () => {
  const now = new Date('2026-11-30T12:00:00Z');
  assert.throws(() => checkPromo(undefined, now), { code: 'promo_not_found', status: 404 });
  assert.throws(() => checkPromo(promo('percent', 10, { enabled: false }), now), { code: 'promo_disabled', status: 409 });
  assert.throws(() => checkPromo(promo('percent', 10, { expiresAt: '2026-11-30T12:00:00.000Z' }), now), { code: 'promo_expired' });
  assert.throws(() => checkPromo(promo('percent', 10, { maxUses: 3, uses: 3 }), now), { code: 'promo_exhausted' });
  assert.equal(checkPromo(promo('percent', 10, { maxUses: 3, uses: 2, expiresAt: '2026-12-01T00:00:00.000Z' }), now).id, 7);
});
