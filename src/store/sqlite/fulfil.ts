/**
 * SQLite fulfilment of a card order: one immediate transaction (SQLite's single writer, so
 * no two fulfilments interleave) records the provider's event as a payments row (unique on
 * provider + event id) and grants what the order bought — credits, a license key sealed for
 * one reveal, the promo use, the referral bonus, the buyer's messages. The decisions are
 * checkout-rules.ts's, the same as on PostgreSQL.
 */
import { toPayment } from '../billing-rows.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { cardPaymentRow, fulfilRejection, normalizeRefCode, orderBuyer, referralRows } from '../checkout-rules.js';
import { toLicense } from '../rows.js';
import { audit, purchaseRow } from '../rules.js';
import type { Actor, FulfilInput, FulfilOutcome, PaymentRecord, ShopOrderRecord } from '../types.js';
import { insertAudit } from './accounts.js';
import { applyLedger, balanceOf, findPayment, findProduct } from './billing.js';
import { findShopOrder } from './checkout.js';
import type { SqliteDb } from './db.js';
import { insertOutbox, jobSignals } from './jobs.js';

type Row = Record<string, unknown>;
const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

const balanceOrNull = (db: SqliteDb, userId: number | null) => (userId === null ? null : balanceOf(db, userId));

/** The answer to an event recorded before: nothing is granted again. */
function replay(db: SqliteDb, existing: PaymentRecord): FulfilOutcome {
  return {
    result: existing.status === 'rejected' ? 'rejected' : 'replay',
    reason: (existing.rejectReason ?? undefined) as FulfilOutcome['reason'],
    order: existing.orderId === null ? undefined : findShopOrder(db, existing.orderId),
    payment: existing,
    balance: balanceOrNull(db, existing.userId),
  };
}

/** Records the payment and grants the order, once per provider event. */
export function fulfilOrder(db: SqliteDb, input: FulfilInput): FulfilOutcome {
  let queued = 0;
  const outcome = db
    .transaction((): FulfilOutcome => {
      const seen = findPayment(db, input.provider, input.providerPaymentId);
      if (seen) return replay(db, seen);
      const order = findShopOrder(db, input.orderId);
      const rejection = fulfilRejection(order, input);
      const p = cardPaymentRow(input, order, rejection);
      const now = new Date().toISOString();
      const inserted = db
        .prepare(
          `INSERT INTO payments (provider, provider_payment_id, order_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, paid_at, fulfilled_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`,
        )
        .get(p.provider, p.providerPaymentId, p.orderId, p.userId, p.productId, p.amount, p.currency, p.credits, p.status, p.payload, p.rejectReason, now, rejection ? null : now) as Row | undefined;
      if (!inserted) return replay(db, findPayment(db, input.provider, input.providerPaymentId)!);
      let payment = toPayment(inserted);
      if (rejection || !order) {
        insertAudit(db, audit.paymentRejected(input, payment));
        return { result: 'rejected', reason: rejection, order, payment, balance: balanceOrNull(db, p.userId) };
      }

      const credit = purchaseRow(payment);
      if (credit) applyLedger(db, credit);
      const grant = input.grant?.(order, findProduct(db, order.productId)) ?? {};
      let licenseId: number | null = null;
      if (grant.license) {
        const l = grant.license;
        const license = toLicense(db.prepare('INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *').get(l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt) as Row);
        licenseId = license.id;
        insertAudit(db, audit.licenseIssued(input, license));
        payment = toPayment(db.prepare('UPDATE payments SET license_id = ? WHERE id = ? RETURNING *').get(license.id, payment.id) as Row);
      }
      retakePromoUse(db, order);
      const referralInviterId = input.referralBonus > 0 && order.userId !== null ? payReferral(db, { userId: order.userId, refCode: order.refCode }, payment, input.referralBonus, input) : undefined;
      const paid = db
        .prepare("UPDATE orders SET status = 'paid', paid_at = ?, updated_at = ?, payment_id = ?, license_id = coalesce(?, license_id), sealed_key = coalesce(?, sealed_key) WHERE id = ? RETURNING *")
        .get(now, now, payment.id, licenseId, grant.license?.sealedKey ?? null, order.id) as Row;
      queued = insertOutbox(db, grant.notify);
      insertAudit(db, audit.paymentFulfilled(input, payment));
      return { result: 'fulfilled', order: toShopOrder(paid), payment, balance: balanceOrNull(db, order.userId), ...(referralInviterId === undefined ? {} : { referralInviterId }) };
    })
    .immediate();
  if (queued > 0) jobSignals.emit(db.name);
  return outcome;
}

/** A late payment of an order whose promo use was given back (expired, failed) takes it again, unless the buyer has used the code since. */
function retakePromoUse(db: SqliteDb, order: ShopOrderRecord): void {
  if (order.promoCodeId === null) return;
  const taken = db.prepare('INSERT INTO promo_redemptions (promo_code_id, order_id, buyer) VALUES (?, ?, ?) ON CONFLICT DO NOTHING').run(order.promoCodeId, order.id, orderBuyer(order));
  if (taken.changes === 1) db.prepare('UPDATE promo_codes SET uses = uses + 1 WHERE id = ?').run(order.promoCodeId);
}

/** Makes the referral the buyer came with (if they have none) and pays it, both only on the buyer's first fulfilled payment (card or Stars). */
export function payReferral(db: SqliteDb, buyer: { userId: number; refCode: string | null }, payment: PaymentRecord, bonus: number, by: Actor): number | undefined {
  const { userId, refCode } = buyer;
  if (db.prepare(`SELECT 1 FROM payments WHERE user_id = ? AND id <> ? AND status IN ${FULFILLED} LIMIT 1`).get(userId, payment.id)) return undefined;
  let referral = db.prepare('SELECT * FROM referrals WHERE invitee_user_id = ?').get(userId) as Row | undefined;
  if (!referral && refCode) {
    const inviter = db.prepare('SELECT id FROM users WHERE ref_code = ? AND id <> ?').get(normalizeRefCode(refCode), userId) as Row | undefined;
    if (inviter) referral = db.prepare('INSERT INTO referrals (invitee_user_id, inviter_user_id) VALUES (?, ?) ON CONFLICT (invitee_user_id) DO NOTHING RETURNING *').get(userId, inviter.id) as Row | undefined;
  }
  if (!referral || referral.bonus_granted_at !== null) return undefined;
  const inviterId = Number(referral.inviter_user_id);
  for (const row of referralRows(payment.id, userId, inviterId, bonus)) applyLedger(db, row);
  db.prepare('UPDATE referrals SET bonus_granted_at = ?, bonus_payment_id = ? WHERE invitee_user_id = ?').run(new Date().toISOString(), payment.id, userId);
  insertAudit(db, audit.referralRewarded(by, payment.id, userId, inviterId, bonus));
  return inviterId;
}
