/**
 * Telegram Stars: the invoice for a product, the pre-checkout answer, and fulfilment of a
 * successful_payment. Pre-checkout only reads (Telegram wants an answer within 10 s and
 * nothing is charged yet); fulfilment is one store transaction keyed on
 * telegram_payment_charge_id, so any number of deliveries of one payment grant it once.
 */
import { ConflictError } from '../errors.js';
import { generateKey, hashKey, keySuffix } from '../licenses/key.js';
import type { AccountStore, Actor, LicenseStore, NewLicense, PaymentOutcome, PaymentRecord, PaymentStore, ProductRecord, ProductStore } from '../store/types.js';
import { addDays } from '../time.js';
import { makePayload, parsePayload } from './payload.js';

/** The provider name of Stars payments in the `payments` table. */
export const STARS_PROVIDER = 'telegram_stars';
/** Telegram's currency code for Stars. */
export const XTR = 'XTR';

/** What the store must offer Stars billing. */
export type StarsStore = ProductStore & PaymentStore & Pick<LicenseStore, 'findLicenseById' | 'revokeLicense'> & Pick<AccountStore, 'findUserById'>;

/** The fields of sendInvoice for a product, bought by one Telegram user. */
export interface StarsInvoice {
  title: string;
  description: string;
  payload: string;
  provider_token: '';
  currency: typeof XTR;
  prices: [{ label: string; amount: number }];
}

/** sendInvoice's fields for `product` offered to `telegramId` (texts in `lang`). */
export function starsInvoice(product: ProductRecord, telegramId: number, lang: 'ru' | 'en' = 'ru'): StarsInvoice {
  const title = lang === 'ru' ? product.titleRu : product.titleEn;
  const description =
    product.kind === 'credits'
      ? lang === 'ru' ? `${product.credits} кредитов на балансе сразу после оплаты` : `${product.credits} credits on your balance right after payment`
      : lang === 'ru' ? `Лицензионный ключ (${product.plan}, ${product.ttlDays} дн.) сразу после оплаты` : `A license key (${product.plan}, ${product.ttlDays} days) right after payment`;
  return { title, description, payload: makePayload(product.id, product.priceStars, telegramId), provider_token: '', currency: XTR, prices: [{ label: title, amount: product.priceStars }] };
}

/** The parts of pre_checkout_query that matter. */
export interface PreCheckoutQuery {
  from: { id: number };
  currency: string;
  total_amount: number;
  invoice_payload: string;
}

/** Why a pre-checkout or a payment is refused (stable codes the bot maps to its texts). */
export type RefusalReason = 'invalid_payload' | 'product_not_found' | 'product_disabled' | 'price_changed' | 'wrong_currency' | 'amount_mismatch' | 'wrong_buyer';

/** The pre-checkout verdict: answer `ok`, or refuse with `reason` (and `message` for the buyer). */
export type PreCheckoutVerdict = { ok: true; product: ProductRecord } | { ok: false; reason: RefusalReason; message: string };

const MESSAGES: Record<RefusalReason, string> = {
  invalid_payload: 'This invoice is not valid. Please open the shop again.',
  product_not_found: 'This product no longer exists. Please open the shop again.',
  product_disabled: 'This product is not on sale right now.',
  price_changed: 'The price has changed. Please open the shop again for a new invoice.',
  wrong_currency: 'This invoice is not valid. Please open the shop again.',
  amount_mismatch: 'This invoice is not valid. Please open the shop again.',
  wrong_buyer: 'This invoice was made for someone else. Please open the shop yourself.',
};

function refuse(reason: RefusalReason): PreCheckoutVerdict {
  return { ok: false, reason, message: MESSAGES[reason] };
}

/** Decides a pre_checkout_query from the catalogue as it is now; changes nothing. */
export async function checkPreCheckout(store: Pick<ProductStore, 'findProduct'>, query: PreCheckoutQuery): Promise<PreCheckoutVerdict> {
  const payload = parsePayload(query.invoice_payload);
  if (!payload) return refuse('invalid_payload');
  if (query.currency !== XTR) return refuse('wrong_currency');
  if (query.total_amount !== payload.stars) return refuse('amount_mismatch');
  if (query.from.id !== payload.telegramId) return refuse('wrong_buyer');
  const product = await store.findProduct(payload.productId);
  if (!product) return refuse('product_not_found');
  if (!product.enabled) return refuse('product_disabled');
  if (product.priceStars !== payload.stars) return refuse('price_changed');
  return { ok: true, product };
}

/** The parts of message.successful_payment that matter. */
export interface SuccessfulPayment {
  telegram_payment_charge_id: string;
  provider_payment_charge_id?: string;
  total_amount: number;
  currency: string;
  invoice_payload: string;
}

/** What a delivery of successful_payment did. `fulfilled` is false on a replay: nothing was granted again. */
export interface StarsFulfilment {
  fulfilled: boolean;
  paymentId: number;
  productId: number;
  kind: ProductRecord['kind'];
  /** Credits the payment granted (also on a replay, to say "already credited"). */
  credits?: number;
  /** The buyer's balance now. */
  balance: number;
  /** The license key: present exactly once, on the delivery that issued it. Send it, then call confirmKeySent. */
  licenseKey?: string;
  licenseId?: number;
  /** When a license key's redeem-by date is. */
  licenseExpiresAt?: string;
}

/** A successful_payment that does not match what was sold: nothing is granted; alert an admin (and refund). */
export class StarsPaymentRejected extends ConflictError {
  constructor(readonly reason: RefusalReason, chargeId: string, detail: Record<string, unknown>) {
    super('stars_payment_rejected', `Stars payment ${chargeId} was not fulfilled (${reason}) — check it and refund it if the buyer was charged`, { context: { reason, charge_id: chargeId, ...detail } });
  }
}

/** Why a payment does not match its payload and product, or undefined when it does. */
function mismatch(payment: SuccessfulPayment, telegramId: number, product: ProductRecord | undefined, stars: number | undefined, buyer: number | undefined): RefusalReason | undefined {
  if (stars === undefined || buyer === undefined) return 'invalid_payload';
  if (payment.currency !== XTR) return 'wrong_currency';
  if (payment.total_amount !== stars) return 'amount_mismatch';
  if (telegramId !== buyer) return 'wrong_buyer';
  if (!product) return 'product_not_found';
  return undefined;
}

/**
 * Fulfils one successful_payment: in one transaction the payment row (unique on the charge id),
 * the credits (ledger row + balance) or a license key (only its hash stored), and the audit
 * rows. A replay answers the earlier result and never issues or reveals another key. The price
 * is the one the payload pinned and pre-checkout approved, so a price edit between the two
 * does not cost a buyer who already paid. A mismatch records the payment as rejected and throws
 * StarsPaymentRejected (again on every replay) for an admin alert.
 */
export async function fulfilStarsPayment(store: StarsStore, payment: SuccessfulPayment, telegramUser: { id: number }, options: { now?: Date; referralBonus?: number } = {}): Promise<StarsFulfilment> {
  const now = options.now ?? new Date();
  const payload = parsePayload(payment.invoice_payload);
  const product = payload && (await store.findProduct(payload.productId));
  const reason = mismatch(payment, telegramUser.id, product, payload?.stars, payload?.telegramId);
  const by: Actor = { actor: `telegram:${telegramUser.id}` };
  const base = {
    ...by,
    provider: STARS_PROVIDER,
    providerPaymentId: payment.telegram_payment_charge_id,
    providerChargeId: payment.provider_payment_charge_id,
    telegramId: telegramUser.id,
    productId: product ? product.id : null,
    amount: String(payment.total_amount),
    currency: payment.currency,
    payload: payment.invoice_payload,
  };
  if (reason || !product) {
    const outcome = await store.recordPayment({ ...base, rejectReason: reason ?? 'product_not_found' });
    // The charge id decides: a replay of a payment fulfilled earlier answers that result.
    if (outcome.payment.status !== 'rejected') return result(outcome);
    throw rejection(outcome.payment);
  }
  let key: string | undefined;
  let license: NewLicense | undefined;
  if (product.kind === 'license') {
    key = generateKey();
    license = { keyHash: hashKey(key), keySuffix: keySuffix(key), plan: product.plan!, ttlDays: product.ttlDays!, note: `${STARS_PROVIDER} ${payment.telegram_payment_charge_id}`, expiresAt: addDays(now.toISOString(), product.ttlDays!) };
  }
  const outcome = await store.recordPayment({ ...base, credits: product.kind === 'credits' ? product.credits! : undefined, license, referralBonus: options.referralBonus });
  if (outcome.payment.status === 'rejected') throw rejection(outcome.payment);
  return result(outcome, key && license ? { key, expiresAt: license.expiresAt } : undefined);
}

function rejection(row: PaymentRecord): StarsPaymentRejected {
  return new StarsPaymentRejected(row.rejectReason as RefusalReason, row.providerPaymentId, { amount: row.amount, currency: row.currency, payment_id: row.id, user_id: row.userId });
}

/** The answer for a recorded payment; the key only when this very call issued it. */
function result(outcome: PaymentOutcome, issued?: { key: string; expiresAt: string }): StarsFulfilment {
  const row = outcome.payment;
  return {
    fulfilled: outcome.created,
    paymentId: row.id,
    productId: row.productId!,
    kind: row.licenseId !== null ? 'license' : 'credits',
    ...(row.credits > 0 ? { credits: row.credits } : {}),
    balance: outcome.balance,
    ...(row.licenseId !== null ? { licenseId: row.licenseId } : {}),
    ...(outcome.created && issued ? { licenseKey: issued.key, licenseExpiresAt: issued.expiresAt } : {}),
  };
}

/** Records that the bot delivered a payment's license key (the message was accepted). */
export async function confirmKeySent(store: Pick<PaymentStore, 'markKeySent'>, paymentId: number): Promise<void> {
  await store.markKeySent(paymentId);
}
