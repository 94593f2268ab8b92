/**
 * The admin alerts of the bot's payment path — a Stars payment held because it did not match
 * its invoice, a refund Telegram did not make — put through the outbox to ADMIN_CHAT_ID. The
 * outbox is unique per dedupe key and the key is the charge id, so however often the same
 * payment is delivered or retried, its alert is sent at most once. The general alert jobs
 * (src/jobs/alerts*.ts, dedupe windows and reminders) may replace `sendPaymentAlert`.
 */
import type { OutboxInsert, OutboxStore } from '../store/types.js';

/** The two payment problems an admin must look at. */
export type PaymentAlertKind = 'stars_rejected' | 'stars_refund_failed';

/** The alert's text (English, like the worker's admin alerts in src/jobs/texts.ts). */
export const PAYMENT_ALERTS = {
  stars_rejected: (d: { chargeId: string; reason: string; telegramId: number; amount: number; currency: string }) =>
    `🚨 ttops: a Stars payment was held, nothing granted (${d.reason}): ${d.amount} ${d.currency} from Telegram user ${d.telegramId}, charge ${d.chargeId}. Check it and refund it with /refund ${d.chargeId} if the buyer should get the Stars back.`,
  stars_refund_failed: (d: { chargeId: string; error: string }) =>
    `🚨 ttops: Telegram did not refund charge ${d.chargeId} (${d.error}). The payment stays refund_requested; run /refund ${d.chargeId} again once the cause is fixed.`,
};

/** The dedupe key of an alert: one per kind and charge, ever. */
export function paymentAlertKey(kind: PaymentAlertKind, chargeId: string): string {
  return `alert:${kind}:${chargeId}`;
}

/**
 * Queues the alert (and `also`, e.g. the buyer's notice, in the same transaction); answers
 * whether the alert is new. Without an admin chat only `also` is queued.
 */
export async function sendPaymentAlert(store: Pick<OutboxStore, 'enqueueOutbox'>, adminChatId: string | undefined, kind: PaymentAlertKind, chargeId: string, message: string, also: OutboxInsert[] = []): Promise<boolean> {
  const alert: OutboxInsert[] = adminChatId ? [{ dedupeKey: paymentAlertKey(kind, chargeId), kind: 'admin_alert', chatId: adminChatId, message }] : [];
  return (await store.enqueueOutbox([...alert, ...also])) > 0;
}
