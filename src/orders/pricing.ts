/**
 * What an order costs and grants: the catalogue price, less a percent or fixed promo
 * discount, or plus a promo's bonus credits. Checked here for a clear answer before the
 * order is made; the store checks the promo's uses again inside the transaction that takes one.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { ProductRecord, PromoRecord } from '../store/types.js';

/** The smallest charge: card providers refuse less than a ruble, and a free order needs no provider. */
export const MIN_CHARGE_KOPECKS = 100;

/** The shape of a promo code as buyers type it (stored upper-case). */
export const PROMO_PATTERN = /^[A-Za-z0-9_-]{3,32}$/;

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

/** Refuses a promo that cannot be used now, with the code the store would give. */
export function checkPromo(promo: PromoRecord | undefined, code: string, now: Date): PromoRecord {
  if (!promo) throw new NotFoundError('promo_not_found', `there is no promo code ${code} — check its spelling`);
  if (!promo.enabled) throw new ConflictError('promo_disabled', `promo code ${promo.code} is switched off`);
  if (promo.expiresAt !== null && Date.parse(promo.expiresAt) <= now.getTime()) throw new ConflictError('promo_expired', `promo code ${promo.code} has expired`);
  if (promo.maxUses !== null && promo.uses >= promo.maxUses) throw new ConflictError('promo_exhausted', `promo code ${promo.code} has been used up`);
  return promo;
}
