/**
 * Checkout rules both adapters apply, written once: why a promo code cannot be taken, when a
 * provider's notification is refused instead of fulfilled, what the payment row of a card
 * notification says, who a redemption belongs to, and the two ledger rows of a referral. The
 * adapters only say them in their SQL dialect, inside their transactions.
 */
import { randomInt } from 'node:crypto';
import { ConflictError, NotFoundError, type TtopsError } from '../errors.js';
import type { FulfilInput, FulfilRejection, PromoRecord, ShopOrderRecord } from './order-types.js';
import type { PaymentLedgerRow } from './rules.js';

/** The one currency card orders are priced and paid in. */
export const CARD_CURRENCY = 'RUB';

/** How promo codes are stored and looked up: trimmed, upper-case. */
export function normalizePromoCode(code: string): string {
  return code.trim().toUpperCase();
}

/** Why `promo` (as it is now, after the conditional UPDATE took nothing) cannot be taken at `now`. */
export function promoRefusal(promo: PromoRecord | undefined, now: string): TtopsError {
  if (!promo) return new NotFoundError('promo_not_found', 'no such promo code — check it for typos');
  if (!promo.enabled) return new ConflictError('promo_disabled', `promo code ${promo.code} is switched off — order without it`, { context: { code: promo.code } });
  if (promo.expiresAt !== null && Date.parse(promo.expiresAt) <= Date.parse(now)) {
    return new ConflictError('promo_expired', `promo code ${promo.code} expired at ${promo.expiresAt} — order without it`, { status: 410, context: { code: promo.code } });
  }
  return new ConflictError('promo_exhausted', `promo code ${promo.code} has been used up — order without it`, { context: { code: promo.code } });
}

/** An order with this idempotence key exists: the caller answers with that one. */
export function orderKeyTaken(): ConflictError {
  return new ConflictError('order_key_taken', 'an order with this idempotence key exists already');
}

/** The refusal when this buyer already has an order with this promo code. */
export function promoAlreadyUsed(promoId: number): ConflictError {
  return new ConflictError('promo_already_used', 'you have already used this promo code — order without it', { context: { promo_code_id: promoId } });
}

/** The refusal when a promo code exists. */
export function promoCodeTaken(code: string): ConflictError {
  return new ConflictError('promo_code_taken', `promo code ${code} exists — pick another code, or enable it with \`ttops promo enable ${code}\``, { context: { code } });
}

/** Who a promo use counts against when the caller's `buyer` is gone (a late payment re-takes a released use). */
export function orderBuyer(order: ShopOrderRecord): string {
  if (order.userId !== null) return `user:${order.userId}`;
  if (order.telegramId !== null) return `tg:${order.telegramId}`;
  return `order:${order.id}`;
}

/**
 * Why a verified notification must not pay this order, or undefined when it pays it. An
 * order that failed or expired is still paid: the money arrived, so it is honoured.
 */
export function fulfilRejection(order: ShopOrderRecord | undefined, input: FulfilInput): FulfilRejection | undefined {
  if (!order) return 'order_not_found';
  if (order.provider !== input.provider) return 'wrong_provider';
  if (input.currency !== CARD_CURRENCY) return 'wrong_currency';
  if (input.amountKopecks !== order.amount) return 'amount_mismatch';
  if (input.test !== order.test) return 'test_mode_mismatch';
  if (order.status === 'paid' || order.status === 'refunded') return 'order_already_paid';
  return undefined;
}

/** The payments row a card notification writes: paid with the order's credits, or rejected with nothing. */
export interface CardPaymentRow {
  provider: string;
  providerPaymentId: string;
  orderId: number | null;
  userId: number | null;
  productId: number | null;
  amount: string;
  currency: string;
  credits: number;
  status: 'paid' | 'rejected';
  payload: string;
  rejectReason: FulfilRejection | null;
}

/** What to insert for `input` against `order` (`order_id` only when the order exists: it is a foreign key). */
export function cardPaymentRow(input: FulfilInput, order: ShopOrderRecord | undefined, rejection: FulfilRejection | undefined): CardPaymentRow {
  return {
    provider: input.provider,
    providerPaymentId: input.providerPaymentId,
    orderId: order ? order.id : null,
    userId: order?.userId ?? null,
    productId: order?.productId ?? null,
    amount: input.amount,
    currency: input.currency,
    credits: rejection ? 0 : (order?.credits ?? 0),
    status: rejection ? 'rejected' : 'paid',
    payload: `order:${input.orderId}`,
    rejectReason: rejection ?? null,
  };
}

/** The bonus both sides of a referral get, each keyed on the payment (the ledger's unique (payment, kind) makes it once). */
export function referralRows(paymentId: number, inviteeId: number, inviterId: number, bonus: number): PaymentLedgerRow[] {
  return [
    { userId: inviteeId, delta: bonus, kind: 'referral_bonus', reason: `referral bonus for payment ${paymentId}`, paymentId },
    { userId: inviterId, delta: bonus, kind: 'referral_reward', reason: `referral reward: user ${inviteeId} paid (payment ${paymentId})`, paymentId },
  ];
}

/** Crockford's base32: no I, L, O, U, so a code read aloud or retyped survives. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 symbols: 40 random bits, short enough for a `/start ref_…` deep link. */
export const REF_CODE_LENGTH = 8;

/** A fresh random referral code (8 × 5 bits; a clash is retried by the adapter). */
export function newRefCode(): string {
  let code = '';
  for (let i = 0; i < REF_CODE_LENGTH; i++) code += CROCKFORD[randomInt(CROCKFORD.length)];
  return code;
}

/** A referral code as typed or linked (lower case, O for 0, I or L for 1) in the stored form. */
export function normalizeRefCode(code: string): string {
  return code.trim().toUpperCase().replace(/O/g, '0').replace(/[IL]/g, '1');
}
