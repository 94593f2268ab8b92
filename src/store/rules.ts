/**
 * Business rules both adapters apply, written once: what each audit row records, that an
 * outbox row is delivered by its own `notify.telegram` job, and what a refund writes to the
 * ledger. The adapters only say them in their SQL dialect, inside their transactions.
 */
import type { Actor, LicenseRecord, NewJob, PaymentRecord, ProductPatch, ProductRecord, PromoRecord } from './types.js';

/** One `audit_log` row, ready to insert. */
export interface AuditRow {
  actor: string;
  action: string;
  subject: string;
  /** JSON text. */
  detail: string;
}

function row(by: Actor, action: string, subject: string, detail: Record<string, unknown>): AuditRow {
  return { actor: by.actor, action, subject, detail: JSON.stringify(detail) };
}

/** What the payment rules read of a payment: known before its row is written, once its id is taken. */
export type PaymentFacts = Pick<PaymentRecord, 'id' | 'provider' | 'productId' | 'userId' | 'amount' | 'currency' | 'credits' | 'licenseId' | 'status' | 'rejectReason'>;

/** The audit rows ttops writes: license lifecycle, manual credits, restores. */
export const audit = {
  licenseIssued: (by: Actor, l: Pick<LicenseRecord, 'id' | 'plan' | 'ttlDays' | 'keySuffix'>) => row(by, 'license.issue', `license:${l.id}`, { plan: l.plan, ttl_days: l.ttlDays, suffix: l.keySuffix }),
  licenseRevoked: (by: Actor, l: LicenseRecord) => row(by, 'license.revoke', `license:${l.id}`, { suffix: l.keySuffix, redeemed_by: l.redeemedBy }),
  licenseExtended: (by: Actor, id: number, days: number) => row(by, 'license.extend', `license:${id}`, { days }),
  licenseRedeemed: (by: Actor, l: LicenseRecord, userId: number, newAccount: boolean) => row(by, 'license.redeem', `license:${l.id}`, { user_id: userId, new_account: newAccount }),
  creditsGranted: (by: Actor, userId: number, amount: number, reason: string) => row(by, 'credits.grant', `user:${userId}`, { amount, reason }),
  productAdded: (by: Actor, p: ProductRecord) => row(by, 'product.add', `product:${p.id}`, { code: p.code, kind: p.kind, price_rub: p.priceRub, price_stars: p.priceStars }),
  productEdited: (by: Actor, p: ProductRecord, patch: ProductPatch) => row(by, patch.enabled === false && Object.keys(patch).length === 1 ? 'product.disable' : 'product.edit', `product:${p.id}`, { code: p.code, ...patch }),
  paymentFulfilled: (by: Actor, p: PaymentFacts) =>
    row(by, 'payment.fulfil', `payment:${p.id}`, { provider: p.provider, product_id: p.productId, user_id: p.userId, amount: p.amount, currency: p.currency, credits: p.credits, license_id: p.licenseId }),
  paymentRejected: (by: Actor, p: PaymentFacts) => row(by, 'payment.reject', `payment:${p.id}`, { provider: p.provider, user_id: p.userId, amount: p.amount, currency: p.currency, reason: p.rejectReason }),
  refundRequested: (by: Actor, p: PaymentRecord) => row(by, 'payment.refund_request', `payment:${p.id}`, { provider: p.provider, user_id: p.userId }),
  paymentRefunded: (by: Actor, p: PaymentRecord, debited: number) => row(by, 'payment.refund', `payment:${p.id}`, { provider: p.provider, user_id: p.userId, debited, license_id: p.licenseId }),
  promoAdded: (by: Actor, p: PromoRecord) => row(by, 'promo.add', `promo:${p.id}`, { code: p.code, kind: p.kind, value: p.value, max_uses: p.maxUses, expires_at: p.expiresAt }),
  promoEnabled: (by: Actor, p: PromoRecord) => row(by, p.enabled ? 'promo.enable' : 'promo.disable', `promo:${p.id}`, { code: p.code, uses: p.uses }),
  /** Filed under the payment that paid it, so `ttops payments show` lists it with the payment. */
  referralRewarded: (by: Actor, paymentId: number, inviteeId: number, inviterId: number, bonus: number) =>
    row(by, 'referral.reward', `payment:${paymentId}`, { invitee_user_id: inviteeId, inviter_user_id: inviterId, bonus }),
  /** Any other action (restores record themselves with their own detail). */
  other: (by: Actor, action: string, subject: string, detail: Record<string, unknown>) => row(by, action, subject, detail),
};

/** What every outbox row's delivery job is: ahead of other work, once per row (keyed on the row). */
export const DELIVERY_JOB = { kind: 'notify.telegram', priority: -10, dedupePrefix: 'outbox:', payloadKey: 'outbox_id' } as const;

/** The job that delivers outbox row `outboxId` (PostgreSQL builds the same row in SQL from DELIVERY_JOB). */
export function deliveryJob(outboxId: number): NewJob {
  return { kind: DELIVERY_JOB.kind, payload: { [DELIVERY_JOB.payloadKey]: outboxId }, priority: DELIVERY_JOB.priority, dedupeKey: `${DELIVERY_JOB.dedupePrefix}${outboxId}` };
}

/** A ledger row to insert: a refund is keyed on its job, so a job is refunded at most once. */
export interface LedgerRow {
  userId: number;
  delta: number;
  kind: 'refund';
  reason: string;
  jobId: number;
}

/** The refund a failing job's transition asks for, or nothing when it asks for none. */
export function refundRow(jobId: number, refund: { userId: number; amount: number; reason: string } | undefined): LedgerRow | undefined {
  if (!refund || refund.amount <= 0) return undefined;
  return { userId: refund.userId, delta: refund.amount, kind: 'refund', reason: refund.reason, jobId };
}

/** A ledger row tied to a payment: unique per (payment, kind), so each is written at most once. */
export interface PaymentLedgerRow {
  userId: number;
  delta: number;
  kind: 'purchase' | 'payment_refund' | 'referral_bonus' | 'referral_reward';
  reason: string;
  paymentId: number;
}

/** The credits a fulfilled payment adds; nothing for a license or a rejected payment. */
export function purchaseRow(p: PaymentFacts): PaymentLedgerRow | undefined {
  if (p.userId === null || p.credits <= 0 || p.status === 'rejected') return undefined;
  return { userId: p.userId, delta: p.credits, kind: 'purchase', reason: `${p.provider} payment ${p.id}`, paymentId: p.id };
}

/**
 * What a refunded payment takes back: all the credits it granted, even when the buyer has
 * spent some and the balance goes below zero — the money went back, so the ledger says so,
 * and a negative balance blocks new orders until topped up.
 */
export function paymentRefundRow(p: PaymentRecord): PaymentLedgerRow | undefined {
  const purchase = purchaseRow(p);
  return purchase && { ...purchase, delta: -purchase.delta, kind: 'payment_refund', reason: `refund of ${p.provider} payment ${p.id}` };
}
