/**
 * Refunding a Stars payment so that the database and Telegram never disagree silently:
 * the payment is marked `refund_requested` first, then the caller's refundStarPayment call
 * runs, then the payment is marked `refunded` with its compensating ledger row (and a
 * license bought with it is revoked). When the call fails the payment stays requested with
 * the error recorded, and the error says so; running the refund again picks up from there.
 */
import { FailureError } from '../errors.js';
import type { Actor } from '../store/types.js';
import { STARS_PROVIDER, type StarsStore } from './stars.js';

/** The Bot API call the caller makes (e.g. `(r) => bot.api.refundStarPayment(r.user_id, r.telegram_payment_charge_id)`). */
export type RefundStarPayment = (request: { user_id: number; telegram_payment_charge_id: string }) => Promise<unknown>;

/** What a refund did. `refunded` is false when the payment was refunded before (nothing taken twice). */
export interface StarsRefund {
  paymentId: number;
  refunded: boolean;
  /** Credits taken back; the balance may go below zero when the buyer already spent them. */
  debited: number;
  balance: number | null;
  /** The license key bought with this payment, now revoked. */
  revokedLicenseId?: number;
}

/** Telegram's answer when the charge was refunded already: the money is back, so finish. */
const ALREADY_REFUNDED = /CHARGE_ALREADY_REFUNDED/i;

/** Requests, calls Telegram, completes. Throws FailureError `stars_refund_failed` (payment left requested) when the call fails. */
export async function refundStarsPayment(store: StarsStore, chargeId: string, by: Actor, refundStarPayment: RefundStarPayment, now = new Date()): Promise<StarsRefund> {
  const payment = await store.requestRefund(STARS_PROVIDER, chargeId, by);
  const user = payment.userId === null ? undefined : await store.findUserById(payment.userId);
  if (!user || user.telegramId === null) throw new FailureError('stars_refund_failed', `payment ${chargeId} has no Telegram buyer to refund — it stays refund_requested; refund it in Telegram by hand`);
  try {
    await refundStarPayment({ user_id: user.telegramId, telegram_payment_charge_id: chargeId });
  } catch (error) {
    const message = (error as Error)?.message ?? String(error);
    if (!ALREADY_REFUNDED.test(message)) {
      await store.failRefund(STARS_PROVIDER, chargeId, message.slice(0, 500));
      throw new FailureError('stars_refund_failed', `Telegram did not refund payment ${chargeId} (${message}) — it stays refund_requested with this error; run the refund again once the cause is fixed`, {
        cause: error,
        context: { payment_id: payment.id, charge_id: chargeId },
      });
    }
  }
  return finishStarsRefund(store, chargeId, by, now);
}

/**
 * Records a refund Telegram has made (after our call, or on a `refunded_payment` message):
 * once only. Repeating it after a crash also finishes revoking the license.
 */
export function finishStarsRefund(store: StarsStore, chargeId: string, by: Actor, now = new Date()): Promise<StarsRefund> {
  return finishRefund(store, STARS_PROVIDER, chargeId, by, now);
}

/** Marks any provider's payment refunded with its compensating ledger row, and revokes the license it bought; once only. */
export async function finishRefund(store: Pick<StarsStore, 'completeRefund' | 'findLicenseById' | 'revokeLicense'>, provider: string, providerPaymentId: string, by: Actor, now = new Date()): Promise<StarsRefund> {
  const outcome = await store.completeRefund(provider, providerPaymentId, by);
  const licenseId = outcome.payment.licenseId;
  if (licenseId !== null) {
    const license = await store.findLicenseById(licenseId);
    if (license && license.status !== 'revoked') {
      // A concurrent finish may revoke it first: that is the outcome wanted.
      await store.revokeLicense(licenseId, now.toISOString(), by).catch((error: unknown) => {
        if ((error as { code?: string })?.code !== 'license_revoked') throw error;
      });
    }
  }
  return {
    paymentId: outcome.payment.id,
    refunded: outcome.refunded,
    debited: outcome.debited,
    balance: outcome.balance,
    ...(licenseId !== null ? { revokedLicenseId: licenseId } : {}),
  };
}
