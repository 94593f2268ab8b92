/**
 * What an order costs and grants: the catalogue price, less a percent or fixed promo
 * discount, or plus a promo's bonus credits. Checked here for a clear answer before the
 * order is made; the store checks the promo's uses again inside the transaction that takes one,
 * with the same refusals (store/checkout-rules.ts).
 */
import { promoRefusal } from '../store/checkout-rules.js';
import type { ProductRecord, PromoRecord } from '../store/types.js';

/** The smallest charge: card providers refuse less than a ruble, and a free order needs no provider. */
export const MIN_CHARGE_KOPECKS = 100;

export interface Price {
  /** Kopecks to pay. */
  amount: number;
  listPrice: number;
  /** Credits the order grants: the pack plus any promo bonus. */
  credits: number;
}

/** The price of `product` with `promo` applied (already checked usable). */
export function priceOf(product: ProductRecord, promo?: PromoRecord): Price {
  const listPrice = product.priceRub;
  let amount = listPrice;
  let credits = product.kind === 'credits' ? product.credits! : 0;
  if (promo?.kind === 'percent') amount = Math.round((listPrice * (100 - promo.value)) / 100);
  if (promo?.kind === 'fixed') amount = listPrice - promo.value;
  if (promo?.kind === 'credits') credits += promo.value;
  return { amount: Math.max(MIN_CHARGE_KOPECKS, amount), listPrice, credits };
}

/** The promo when it can be used now; otherwise the refusal the store would give inside its transaction. */
export function checkPromo(promo: PromoRecord | undefined, now: Date): PromoRecord {
  const usable = promo?.enabled && (promo.expiresAt === null || Date.parse(promo.expiresAt) > now.getTime()) && (promo.maxUses === null || promo.uses < promo.maxUses);
  if (!promo || !usable) throw promoRefusal(promo, now.toISOString());
  return promo;
}
