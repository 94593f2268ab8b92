/**
 * Refunding a payment of any provider the way Stars refunds work: the payment is marked
 * `refund_requested` first, then the provider is asked (YooKassa's refund API, Telegram's
 * refundStarPayment), then the payment is marked `refunded` with its compensating ledger row,
 * the license it bought is revoked and its order marked refunded. Robokassa and WATA refunds
 * are made in their cabinets: `manual` records one made there. When the provider call fails
 * the payment stays requested with the error, and running the refund again picks up from there.
 */
import { finishRefund, refundStarsPayment, type RefundStarPayment, type StarsRefund } from '../billing/refund.js';
import { STARS_PROVIDER, type StarsStore } from '../billing/stars.js';
import { ConfigError, FailureError, NotFoundError, TtopsError } from '../errors.js';
import type { PaymentProvider } from '../payments/types.js';
import type { Actor, OrderProvider, PaymentStore, ShopOrderStore } from '../store/types.js';

export type RefundStore = StarsStore & Pick<PaymentStore, 'findPaymentById'> & Pick<ShopOrderStore, 'findShopOrder' | 'markOrderRefunded'>;

export interface RefundDeps {
  store: RefundStore;
  providers: ReadonlyMap<OrderProvider, PaymentProvider>;
  /** Telegram's refundStarPayment, when a bot token is configured. */
  refundStarPayment?: RefundStarPayment;
}

export interface PaymentRefund extends StarsRefund {
  provider: string;
  orderId: number | null;
  /** How the money went back: through the provider's API now, or by hand earlier. */
  via: 'api' | 'manual';
}

/** Refunds payment `paymentId` (see the module comment); `manual` records a refund made in the provider's cabinet. */
export async function refundPayment(deps: RefundDeps, paymentId: number, by: Actor, options: { manual?: boolean } = {}): Promise<PaymentRefund> {
  const { store } = deps;
  const payment = await store.findPaymentById(paymentId);
  if (!payment) throw new NotFoundError('payment_not_found', `there is no payment ${paymentId} — \`ttops payments list\` shows them`);
  const base = { provider: payment.provider, orderId: payment.orderId, via: options.manual ? ('manual' as const) : ('api' as const) };
  if (payment.provider === STARS_PROVIDER && !options.manual) {
    if (!deps.refundStarPayment) throw new ConfigError('a Stars refund goes through the bot — set TELEGRAM_BOT_TOKEN, or refund it in Telegram and run again with --manual', { code: 'bot_not_configured' });
    return { ...base, ...(await refundStarsPayment(store, payment.providerPaymentId, by, deps.refundStarPayment)) };
  }
  await store.requestRefund(payment.provider, payment.providerPaymentId, by);
  if (!options.manual) {
    const provider = deps.providers.get(payment.provider as OrderProvider);
    const order = payment.orderId === null ? undefined : await store.findShopOrder(payment.orderId);
    if (!provider || !order) throw new FailureError('refund_manual', `${payment.provider} is not configured here (or the payment has no order) — refund it in the provider's cabinet, then run again with --manual`);
    try {
      await provider.refund(order, payment);
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      await store.failRefund(payment.provider, payment.providerPaymentId, message.slice(0, 500));
      if (error instanceof TtopsError && error.code === 'refund_manual') throw error;
      throw new FailureError('refund_failed', `${payment.provider} did not refund payment ${paymentId} (${message}) — it stays refund_requested with this error; run the refund again once the cause is fixed`, { cause: error });
    }
  }
  const done = await finishRefund(store, payment.provider, payment.providerPaymentId, by);
  await store.markOrderRefunded(payment.id);
  return { ...base, ...done };
}
