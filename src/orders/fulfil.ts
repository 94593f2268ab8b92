/**
 * From a verified provider notification to a fulfilled order: one store transaction records
 * the payment, grants the order, counts the promo use and the referral bonus, and queues the
 * bot message; the license key is made here when the store says the order is being paid
 * (sealed for the return page, written in the bot message for a Telegram buyer). A
 * notification that does not match its order is recorded as rejected and alerts the admin;
 * the provider still gets its acknowledgement, since sending it again would not change the answer.
 */
import { raiseBillingAlert, type AlertTarget } from '../jobs/alerts.js';
import { generateKey, hashKey, keySuffix } from '../licenses/key.js';
import type { VerifiedNotice } from '../payments/types.js';
import type { FulfilGrant, FulfilOutcome, OutboxInsert, ShopOrderStore } from '../store/types.js';
import { addDays } from '../time.js';
import type { KeySeal } from './sealed-key.js';
import { deliveryMessage } from './texts.js';

export interface FulfilDeps {
  store: Pick<ShopOrderStore, 'fulfilOrder' | 'failOrder'>;
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

function fulfil(deps: FulfilDeps, notice: VerifiedNotice): Promise<FulfilOutcome> {
  const now = deps.now?.() ?? new Date();
  return deps.store.fulfilOrder({
    actor: `${notice.provider}:${notice.eventKey}`,
    orderId: notice.orderId,
    provider: notice.provider,
    providerPaymentId: notice.eventKey,
    amount: notice.amount,
    amountKopecks: notice.amountKopecks,
    currency: notice.currency,
    test: notice.test,
    referralBonus: deps.referralBonus,
    // Asked by the store inside its transaction, only when this notice pays the order.
    grant: (order, product) => {
      if (!product) return {};
      let key: { key: string; expiresAt: string } | undefined;
      let license: FulfilGrant['license'];
      if (product.kind === 'license') {
        const plain = generateKey();
        key = { key: plain, expiresAt: addDays(now.toISOString(), product.ttlDays!) };
        license = { keyHash: hashKey(plain), keySuffix: keySuffix(plain), plan: product.plan!, ttlDays: product.ttlDays!, note: `${notice.provider} order ${order.id}`, expiresAt: key.expiresAt, sealedKey: deps.seal.seal(plain) };
      }
      const notify: OutboxInsert[] =
        order.telegramId !== null ? [{ dedupeKey: `order:${order.id}:delivered`, kind: 'order_delivered', chatId: String(order.telegramId), message: deliveryMessage(order.lang, order.id, product, order.credits, key) }] : [];
      return { license, notify };
    },
  });
}
