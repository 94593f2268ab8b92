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
import { toPayment, toProduct } from '../billing-rows.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { cardPaymentRow, fulfilRejection, normalizeRefCode, orderBuyer, referralRows } from '../checkout-rules.js';
import { isRowId, toLicense } from '../rows.js';
import { audit, purchaseRow, type AuditRow } from '../rules.js';
import type { Actor, FulfilInput, FulfilOutcome, PaymentRecord, ShopOrderRecord } from '../types.js';
import { insertAudit } from './accounts.js';
import { applyLedger, balanceOf, findPayment } from './billing.js';
import { findShopOrder } from './checkout.js';
import { q, withTransaction, type Prepared, type Queryable } from './db.js';
import { insertOutbox } from './jobs.js';

const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

// A fulfilment is round trips to PostgreSQL more than anything else (bench/payments): a credit pack
// is four — the opening below, the payment, the grant, COMMIT — and the statements are prepared.

/**
 * BEGIN and the locks in one round trip: the order, then its buyer's users row, then the order's
 * product (read, not locked). Every later statement takes its snapshot with both locks held, so
 * what it reads of the buyer (earlier payments, the referral) is what committed before.
 * NO KEY UPDATE on the buyer: the lock a balance update takes, and unlike FOR UPDATE it does not
 * wait on the key-share locks a concurrent payment's foreign key holds on the row (that deadlocks).
 */
const opening = (orderId: number) => `BEGIN;
  SELECT * FROM orders WHERE id = ${orderId} FOR UPDATE;
  SELECT id FROM users WHERE id = (SELECT user_id FROM orders WHERE id = ${orderId}) FOR NO KEY UPDATE;
  SELECT * FROM products WHERE id = (SELECT product_id FROM orders WHERE id = ${orderId})`;

const INSERT_PAYMENT_SQL = `INSERT INTO payments (provider, provider_payment_id, order_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, paid_at, fulfilled_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), CASE WHEN $9 = 'paid' THEN now() END)
  ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`;
const INSERT_PAYMENT: Prepared = { name: 'fulfil_insert_payment', text: INSERT_PAYMENT_SQL };
/** The same, also answering what the referral step needs: the buyer's other fulfilled payments are not this one (not visible to its own statement). */
const INSERT_PAYMENT_WITH_REFERRAL: Prepared = {
  name: 'fulfil_insert_payment_referral',
  text: `WITH ins AS (${INSERT_PAYMENT_SQL})
         SELECT ins.*, EXISTS (SELECT 1 FROM payments p WHERE p.user_id = ins.user_id AND p.status IN ${FULFILLED}) AS ref_paid_before,
                r.inviter_user_id AS ref_inviter_user_id, r.bonus_granted_at IS NOT NULL AS ref_bonus_granted
         FROM ins LEFT JOIN referrals r ON r.invitee_user_id = ins.user_id`,
};
/** A license key, linked to its payment, in one statement. */
const ISSUE_LICENSE: Prepared = {
  name: 'fulfil_issue_license',
  text: `WITH lic AS (INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *),
              linked AS (UPDATE payments SET license_id = (SELECT id FROM lic) WHERE id = $7)
         SELECT * FROM lic`,
};
/** The order paid and its audit rows (given as arrays), in one statement. */
const PAY_ORDER_SQL = `UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now(), payment_id = $2, license_id = coalesce($3, license_id), sealed_key = coalesce($4, sealed_key)
                       WHERE id = $1 RETURNING *`;
const LOG_AUDIT_SQL = 'INSERT INTO audit_log (actor, action, subject, detail) SELECT * FROM unnest($5::text[], $6::text[], $7::text[], $8::text[])';
const PAY_ORDER: Prepared = {
  name: 'fulfil_pay_order',
  text: `WITH paid AS (${PAY_ORDER_SQL}), logged AS (${LOG_AUDIT_SQL})
         SELECT * FROM paid`,
};
/** The same with the purchase's ledger row and the balance it moves (a credit pack): the buyer's balance comes back as `buyer_credits`. */
const PAY_ORDER_WITH_CREDITS: Prepared = {
  name: 'fulfil_pay_order_credits',
  text: `WITH entry AS (INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) VALUES ($9, $10, $11, $12, $13)),
              balance AS (UPDATE users SET credits = credits + $10, updated_at = now() WHERE id = $9 RETURNING credits),
              paid AS (${PAY_ORDER_SQL}),
              logged AS (${LOG_AUDIT_SQL})
         SELECT paid.*, balance.credits AS buyer_credits FROM paid, balance`,
};
/** What the referral step needs, for a caller that has not read it: locks the buyer's row first (NO KEY UPDATE, as in the opening). */
const REFERRAL_STATE: Prepared = {
  name: 'fulfil_referral_state',
  text: `SELECT EXISTS (SELECT 1 FROM payments WHERE user_id = $1 AND id <> $2 AND status IN ${FULFILLED}) AS ref_paid_before,
                r.inviter_user_id AS ref_inviter_user_id, r.bonus_granted_at IS NOT NULL AS ref_bonus_granted
         FROM users u LEFT JOIN referrals r ON r.invitee_user_id = u.id
         WHERE u.id = $1 FOR NO KEY UPDATE OF u`,
};

/** The buyer's referral as the referral step sees it. */
interface ReferralState {
  paidBefore: boolean;
  /** Null when the buyer has no referral yet. */
  inviterId: number | null;
  bonusGranted: boolean;
}

const toReferralState = (row: Record<string, unknown>): ReferralState => ({
  paidBefore: Boolean(row.ref_paid_before),
  inviterId: row.ref_inviter_user_id == null ? null : Number(row.ref_inviter_user_id),
  bonusGranted: Boolean(row.ref_bonus_granted),
});

const balanceOrNull = async (db: Queryable, userId: number | null) => (userId === null ? null : balanceOf(db, userId));

/** The answer to an event recorded before: nothing is granted again. */
async function replay(db: Queryable, existing: PaymentRecord, locked: ShopOrderRecord | undefined): Promise<FulfilOutcome> {
  const order = existing.orderId === null ? undefined : existing.orderId === locked?.id ? locked : await findShopOrder(db, existing.orderId);
  return {
    result: existing.status === 'rejected' ? 'rejected' : 'replay',
    reason: (existing.rejectReason ?? undefined) as FulfilOutcome['reason'],
    order,
    payment: existing,
    balance: await balanceOrNull(db, existing.userId),
  };
}

/** Records the payment and grants the order, once per provider event (see `opening` for the locks). */
export function fulfilOrder(pool: pg.Pool, input: FulfilInput): Promise<FulfilOutcome> {
  return withTransaction(
    pool,
    async (tx, [orderRows, , productRows]) => {
      const order = orderRows?.rows[0] && toShopOrder(orderRows.rows[0]);
      const rejection = fulfilRejection(order, input);
      const p = cardPaymentRow(input, order, rejection);
      const withReferral = !rejection && input.referralBonus > 0 && p.userId !== null;
      // A copy of a recorded event conflicts here (after waiting on the order's lock) and grants nothing.
      const [inserted] = await q(tx, withReferral ? INSERT_PAYMENT_WITH_REFERRAL : INSERT_PAYMENT, [p.provider, p.providerPaymentId, p.orderId, p.userId, p.productId, p.amount, p.currency, p.credits, p.status, p.payload, p.rejectReason]);
      if (!inserted) return replay(tx, (await findPayment(tx, input.provider, input.providerPaymentId))!, order);
      let payment = toPayment(inserted);
      if (rejection || !order) {
        await insertAudit(tx, audit.paymentRejected(input, payment));
        return { result: 'rejected', reason: rejection, order, payment, balance: await balanceOrNull(tx, p.userId) };
      }

      const grant = input.grant?.(order, productRows?.rows[0] && toProduct(productRows.rows[0])) ?? {};
      const audits: AuditRow[] = [];
      let licenseId: number | null = null;
      if (grant.license) {
        const l = grant.license;
        const license = toLicense((await q(tx, ISSUE_LICENSE, [l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt, payment.id]))[0]);
        licenseId = license.id;
        payment = { ...payment, licenseId };
        audits.push(audit.licenseIssued(input, license));
      }
      await retakePromoUse(tx, order);
      const referral = withReferral ? await payReferral(tx, { userId: order.userId!, refCode: order.refCode }, payment, input.referralBonus, input, toReferralState(inserted)) : undefined;
      // The purchase's own credits go in with the paid order: one statement, the balance after everything.
      const credit = purchaseRow(payment);
      audits.push(audit.paymentFulfilled(input, payment));
      const payOrder = [order.id, payment.id, licenseId, grant.license?.sealedKey ?? null, ...auditColumns(audits)];
      const [paid] = credit ? await q(tx, PAY_ORDER_WITH_CREDITS, [...payOrder, credit.userId, credit.delta, credit.kind, credit.reason, credit.paymentId]) : await q(tx, PAY_ORDER, payOrder);
      const balance = credit ? Number(paid.buyer_credits) : referral?.buyerBalance;
      await insertOutbox(tx, grant.notify);
      return {
        result: 'fulfilled',
        order: toShopOrder(paid),
        payment,
        balance: balance ?? (await balanceOrNull(tx, order.userId)),
        ...(referral ? { referralInviterId: referral.inviterId } : {}),
      };
    },
    isRowId(input.orderId) ? opening(input.orderId) : 'BEGIN',
  );
}

/** Audit rows as the four arrays LOG_AUDIT_SQL unnests. */
const auditColumns = (rows: AuditRow[]) => [rows.map((a) => a.actor), rows.map((a) => a.action), rows.map((a) => a.subject), rows.map((a) => a.detail)];

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
 * and the referral row remembers it was paid. `known` is the state read after the buyer's row
 * was locked; without it, this locks the row and reads it.
 */
export async function payReferral(tx: Queryable, buyer: { userId: number; refCode: string | null }, payment: PaymentRecord, bonus: number, by: Actor, known?: ReferralState): Promise<{ inviterId: number; buyerBalance: number } | undefined> {
  const { userId, refCode } = buyer;
  const state = known ?? (await q(tx, REFERRAL_STATE, [userId, payment.id])).map(toReferralState)[0];
  if (!state || state.paidBefore || state.bonusGranted) return undefined;
  let inviterId = state.inviterId;
  if (inviterId === null) {
    if (!refCode) return undefined;
    const [inviter] = await q(tx, 'SELECT id FROM users WHERE ref_code = $1 AND id <> $2', [normalizeRefCode(refCode), userId]);
    const [made] = inviter ? await q(tx, 'INSERT INTO referrals (invitee_user_id, inviter_user_id) VALUES ($1, $2) ON CONFLICT (invitee_user_id) DO NOTHING RETURNING inviter_user_id', [userId, inviter.id]) : [];
    if (!made) return undefined;
    inviterId = Number(made.inviter_user_id);
  }
  let buyerBalance = 0;
  for (const row of referralRows(payment.id, userId, inviterId, bonus)) {
    const balance = await applyLedger(tx, row);
    if (row.userId === userId) buyerBalance = balance;
  }
  await q(tx, 'UPDATE referrals SET bonus_granted_at = now(), bonus_payment_id = $2 WHERE invitee_user_id = $1', [userId, payment.id]);
  await insertAudit(tx, audit.referralRewarded(by, payment.id, userId, inviterId, bonus));
  return { inviterId, buyerBalance };
}
