/**
 * From a verified provider notification to a fulfilled order: the license key is made here
 * (sealed for the return page, written in the bot message for a Telegram buyer), then one
 * store transaction records the payment, grants the order, counts the promo use and the
 * referral bonus, and queues the bot message. A notification that does not match its order
 * is recorded as rejected and alerts the admin; the provider still gets its acknowledgement,
 * since sending it again would not change the answer.
 */
import { raiseBillingAlert, type AlertTarget } from '../jobs/alerts.js';
import { generateKey, hashKey, keySuffix } from '../licenses/key.js';
import type { VerifiedNotice } from '../payments/types.js';
import type { FulfilOutcome, NewLicense, OutboxInsert, ProductRecord, ProductStore, ShopOrderStore } from '../store/types.js';
import { addDays } from '../time.js';
import type { KeySeal } from './sealed-key.js';
import { deliveryMessage } from './texts.js';

export interface FulfilDeps {
  store: Pick<ShopOrderStore, 'findShopOrder' | 'fulfilOrder' | 'failOrder'> & Pick<ProductStore, 'findProduct'>;
  seal: KeySeal;
  alerts: AlertTarget;
  /** REFERRAL_BONUS_CREDITS: each side's bonus on an invitee's first payment (0: off). */
  referralBonus: number;
  now?: () => Date;
}

/** Acts on a verified notice: fulfils a paid one, fails the order of a declined one; pending ones change nothing. */
export async function handleNotice(deps: FulfilDeps, notice: VerifiedNotice): Promise<FulfilOutcome | undefined> {
  if (notice.outcome === 'pending') return undefined;
  if (notice.outcome === 'failed') {
    await deps.store.failOrder(notice.orderId, 'declined');
    return undefined;
  }
  const outcome = await fulfil(deps, notice);
  if (outcome.result === 'rejected') {
    await raiseBillingAlert(deps.alerts, {
      code: `payment_${outcome.reason}`,
      detail: `${notice.provider} payment ${notice.eventKey} for order ${notice.orderId} was not fulfilled (${outcome.reason}): ${notice.amount} ${notice.currency}${notice.test ? ' (test)' : ''}; the order wants ${outcome.order ? `${(outcome.order.amount / 100).toFixed(2)} RUB${outcome.order.test ? ' (test)' : ''}` : 'nothing (no such order)'} — check it at the provider and refund if the buyer was charged.`,
    });
  }
  return outcome;
}

/**
 * Products read for fulfilment, kept a few seconds: a burst of notifications would otherwise read
 * the same few rows once each. Only kind, plan, days and titles are used here (the price was
 * fixed in the order), and those may lag an edit by this long.
 */
const PRODUCT_TTL_MS = 5_000;
const productCache = new WeakMap<object, Map<number, { product: ProductRecord | undefined; at: number }>>();

async function productOf(store: FulfilDeps['store'], id: number): Promise<ProductRecord | undefined> {
  let byId = productCache.get(store);
  if (!byId) productCache.set(store, (byId = new Map()));
  const hit = byId.get(id);
  if (hit && Date.now() - hit.at < PRODUCT_TTL_MS) return hit.product;
  const product = await store.findProduct(id);
  byId.set(id, { product, at: Date.now() });
  return product;
}

async function fulfil(deps: FulfilDeps, notice: VerifiedNotice): Promise<FulfilOutcome> {
  const now = deps.now?.() ?? new Date();
  const order = await deps.store.findShopOrder(notice.orderId);
  const product = order && (await productOf(deps.store, order.productId));
  // Only an order not yet paid can issue a key; the store decides the rest inside its transaction.
  const fresh = order && product && order.status !== 'paid' && order.status !== 'refunded';
  let key: { key: string; expiresAt: string } | undefined;
  let license: (NewLicense & { sealedKey: string }) | undefined;
  if (fresh && product.kind === 'license') {
    const plain = generateKey();
    key = { key: plain, expiresAt: addDays(now.toISOString(), product.ttlDays!) };
    license = { keyHash: hashKey(plain), keySuffix: keySuffix(plain), plan: product.plan!, ttlDays: product.ttlDays!, note: `${notice.provider} order ${order.id}`, expiresAt: key.expiresAt, sealedKey: deps.seal.seal(plain) };
  }
  const notify: OutboxInsert[] =
    fresh && order.telegramId !== null
      ? [{ dedupeKey: `order:${order.id}:delivered`, kind: 'order_delivered', chatId: String(order.telegramId), message: deliveryMessage(order.lang, order.id, product, order.credits, key) }]
      : [];
  return deps.store.fulfilOrder({
    actor: `${notice.provider}:${notice.eventKey}`,
    orderId: notice.orderId,
    provider: notice.provider,
    providerPaymentId: notice.eventKey,
    amount: notice.amount,
    amountKopecks: notice.amountKopecks,
    currency: notice.currency,
    test: notice.test,
    license,
    referralBonus: deps.referralBonus,
    notify,
  });
}
