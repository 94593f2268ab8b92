/**
 * PostgreSQL fulfilment of a card order: one transaction records the provider's event as a
 * payments row (unique on provider + event id) and grants what the order bought — credits, a
 * license key sealed for one reveal, the promo use, the referral bonus, the buyer's messages.
 *
 * Locks, always in this order: the order row (FOR UPDATE, so two events for one order are
 * decided one after the other, and a copy of an event recorded meanwhile conflicts on the
 * payments key and grants nothing), then the buyer's users row (FOR NO KEY UPDATE, so two first payments
 * of one buyer cannot both pay the referral), then the inviter's.
 */
import type pg from 'pg';
import { toPayment } from '../billing-rows.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { cardPaymentRow, fulfilRejection, normalizeRefCode, orderBuyer, referralRows } from '../checkout-rules.js';
import { isRowId, toLicense } from '../rows.js';
import { audit, purchaseRow } from '../rules.js';
import type { Actor, FulfilInput, FulfilOutcome, PaymentRecord, ShopOrderRecord } from '../types.js';
import { insertAudit } from './accounts.js';
import { applyLedger, balanceOf, findPayment } from './billing.js';
import { findShopOrder } from './checkout.js';
import { q, withTransaction, type Prepared, type Queryable } from './db.js';
import { insertOutbox, notify } from './jobs.js';

const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

// The statements every fulfilment runs, kept parsed and planned per connection. A fulfilment is
// round trips to PostgreSQL more than anything else (bench/payments), so each step is one statement.
const LOCK_ORDER: Prepared = { name: 'fulfil_lock_order', text: 'SELECT * FROM orders WHERE id = $1 FOR UPDATE' };
const INSERT_PAYMENT: Prepared = {
  name: 'fulfil_insert_payment',
  text: `INSERT INTO payments (provider, provider_payment_id, order_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, paid_at, fulfilled_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), CASE WHEN $9 = 'paid' THEN now() END)
         ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`,
};
/** The order paid and the payment's audit row, in one statement. */
const PAY_ORDER_SQL = `UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now(), payment_id = $2, license_id = coalesce($3, license_id), sealed_key = coalesce($4, sealed_key)
                       WHERE id = $1 RETURNING *`;
const PAY_ORDER: Prepared = {
  name: 'fulfil_pay_order',
  text: `WITH paid AS (${PAY_ORDER_SQL}), logged AS (INSERT INTO audit_log (actor, action, subject, detail) VALUES ($5, $6, $7, $8))
         SELECT * FROM paid`,
};
/** The same with the purchase's ledger row and the balance it moves (a credit pack): the buyer's balance comes back as `buyer_credits`. */
const PAY_ORDER_WITH_CREDITS: Prepared = {
  name: 'fulfil_pay_order_credits',
  text: `WITH entry AS (INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) VALUES ($9, $10, $11, $12, $13)),
              balance AS (UPDATE users SET credits = credits + $10, updated_at = now() WHERE id = $9 RETURNING credits),
              paid AS (${PAY_ORDER_SQL}),
              logged AS (INSERT INTO audit_log (actor, action, subject, detail) VALUES ($5, $6, $7, $8))
         SELECT paid.*, balance.credits AS buyer_credits FROM paid, balance`,
};
/**
 * What the referral step needs, in one statement that also locks the buyer's row. NO KEY UPDATE:
 * the lock the balance update takes, and unlike FOR UPDATE it does not wait on the key-share
 * locks that a concurrent payment's foreign key holds on this row (that wait deadlocks).
 */
const REFERRAL_STATE: Prepared = {
  name: 'fulfil_referral_state',
  text: `SELECT EXISTS (SELECT 1 FROM payments WHERE user_id = $1 AND id <> $2 AND status IN ${FULFILLED}) AS paid_before,
                r.inviter_user_id, r.bonus_granted_at, r.invitee_user_id IS NOT NULL AS referred
         FROM users u LEFT JOIN referrals r ON r.invitee_user_id = u.id
         WHERE u.id = $1 FOR NO KEY UPDATE OF u`,
};

const balanceOrNull = async (db: Queryable, userId: number | null) => (userId === null ? null : balanceOf(db, userId));

/** The answer to an event recorded before: nothing is granted again. */
async function replay(db: Queryable, existing: PaymentRecord): Promise<FulfilOutcome> {
  const order = existing.orderId === null ? undefined : await findShopOrder(db, existing.orderId);
  return {
    result: existing.status === 'rejected' ? 'rejected' : 'replay',
    reason: (existing.rejectReason ?? undefined) as FulfilOutcome['reason'],
    order,
    payment: existing,
    balance: await balanceOrNull(db, existing.userId),
  };
}

/** Records the payment and grants the order, once per provider event (see the file comment for the locks). */
export function fulfilOrder(pool: pg.Pool, input: FulfilInput): Promise<FulfilOutcome> {
  return withTransaction(pool, async (tx) => {
    const [locked] = isRowId(input.orderId) ? await q(tx, LOCK_ORDER, [input.orderId]) : [];
    const order = locked && toShopOrder(locked);
    const rejection = fulfilRejection(order, input);
    const p = cardPaymentRow(input, order, rejection);
    // A copy of a recorded event conflicts here (after waiting on the order's lock) and grants nothing.
    const [inserted] = await q(tx, INSERT_PAYMENT, [p.provider, p.providerPaymentId, p.orderId, p.userId, p.productId, p.amount, p.currency, p.credits, p.status, p.payload, p.rejectReason]);
    if (!inserted) return replay(tx, (await findPayment(tx, input.provider, input.providerPaymentId))!);
    let payment = toPayment(inserted);
    if (rejection || !order) {
      await insertAudit(tx, audit.paymentRejected(input, payment));
      return { result: 'rejected', reason: rejection, order, payment, balance: await balanceOrNull(tx, p.userId) };
    }

    let licenseId: number | null = null;
    if (input.license) {
      const l = input.license;
      const [row] = await q(tx, 'INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', [l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt]);
      const license = toLicense(row);
      licenseId = license.id;
      await insertAudit(tx, audit.licenseIssued(input, license));
      payment = toPayment((await q(tx, 'UPDATE payments SET license_id = $2 WHERE id = $1 RETURNING *', [payment.id, license.id]))[0]);
    }
    await retakePromoUse(tx, order);
    const referral = input.referralBonus > 0 && order.userId !== null ? await payReferral(tx, { userId: order.userId, refCode: order.refCode }, payment, input.referralBonus, input) : undefined;
    // The purchase's own credits go in with the paid order: one statement, the balance after everything.
    const credit = purchaseRow(payment);
    const a = audit.paymentFulfilled(input, payment);
    const payOrder = [order.id, payment.id, licenseId, input.license?.sealedKey ?? null, a.actor, a.action, a.subject, a.detail];
    const [paid] = credit ? await q(tx, PAY_ORDER_WITH_CREDITS, [...payOrder, credit.userId, credit.delta, credit.kind, credit.reason, credit.paymentId]) : await q(tx, PAY_ORDER, payOrder);
    const balance = credit ? Number(paid.buyer_credits) : referral?.buyerBalance;
    if (input.notify?.length && (await insertOutbox(tx, input.notify)) > 0) await notify(tx);
    return {
      result: 'fulfilled',
      order: toShopOrder(paid),
      payment,
      balance: balance ?? (await balanceOrNull(tx, order.userId)),
      ...(referral ? { referralInviterId: referral.inviterId } : {}),
    };
  });
}

/** A late payment of an order whose promo use was given back (expired, failed) takes it again, unless the buyer has used the code since. */
async function retakePromoUse(tx: Queryable, order: ShopOrderRecord): Promise<void> {
  if (order.promoCodeId === null) return;
  const [taken] = await q(tx, 'INSERT INTO promo_redemptions (promo_code_id, order_id, buyer) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [order.promoCodeId, order.id, orderBuyer(order)]);
  if (taken) await q(tx, 'UPDATE promo_codes SET uses = uses + 1 WHERE id = $1', [order.promoCodeId]);
}

/**
 * Makes the referral the buyer came with (if they have none) and pays it, both only on the
 * buyer's first fulfilled payment — a card order's or a Stars one's; returns the rewarded
 * inviter and the buyer's balance after the bonus. Both ledger rows are keyed on this payment,
 * and the referral row remembers it was paid.
 */
export async function payReferral(tx: Queryable, buyer: { userId: number; refCode: string | null }, payment: PaymentRecord, bonus: number, by: Actor): Promise<{ inviterId: number; buyerBalance: number } | undefined> {
  const { userId, refCode } = buyer;
  const [state] = await q(tx, REFERRAL_STATE, [userId, payment.id]);
  if (!state || state.paid_before) return undefined;
  let referral: Record<string, unknown> | undefined = state.referred ? state : undefined;
  if (!referral && refCode) {
    const [inviter] = await q(tx, 'SELECT id FROM users WHERE ref_code = $1 AND id <> $2', [normalizeRefCode(refCode), userId]);
    if (inviter) [referral] = await q(tx, 'INSERT INTO referrals (invitee_user_id, inviter_user_id) VALUES ($1, $2) ON CONFLICT (invitee_user_id) DO NOTHING RETURNING *', [userId, inviter.id]);
  }
  if (!referral || referral.bonus_granted_at !== null) return undefined;
  const inviterId = Number(referral.inviter_user_id);
  let buyerBalance = 0;
  for (const row of referralRows(payment.id, userId, inviterId, bonus)) {
    const balance = await applyLedger(tx, row);
    if (row.userId === userId) buyerBalance = balance;
  }
  await q(tx, 'UPDATE referrals SET bonus_granted_at = now(), bonus_payment_id = $2 WHERE invitee_user_id = $1', [userId, payment.id]);
  await insertAudit(tx, audit.referralRewarded(by, payment.id, userId, inviterId, bonus));
  return { inviterId, buyerBalance };
}
