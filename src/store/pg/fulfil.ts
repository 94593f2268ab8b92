/**
 * PostgreSQL fulfilment of a card order: one transaction records the provider's event as a
 * payments row (unique on provider + event id) and grants what the order bought — credits, a
 * license key sealed for one reveal, the promo use, the referral bonus, the buyer's messages.
 *
 * Locks, always in this order: the order row (FOR UPDATE, so two events for one order are
 * decided one after the other, and a copy of an event recorded meanwhile conflicts on the
 * payments key and grants nothing), then the buyer's users row (FOR NO KEY UPDATE, so two first payments
 * of one buyer cannot both pay the referral), then the inviter's.
 *
 * A fulfilment is round trips to PostgreSQL more than anything else (bench/payments), so a
 * credit pack is three: the opening (BEGIN, the locks, everything the decision needs), one
 * statement that records the payment and grants it, and COMMIT. The decision itself — refuse
 * or pay, what to grant — is TypeScript's (checkout-rules.ts), the same as on SQLite.
 */
import type pg from 'pg';
import { toPayment, toProduct } from '../billing-rows.js';
import { FULFILLED_PAYMENT_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { cardPaymentRow, fulfilRejection, normalizeRefCode, orderBuyer, referralRows, type CardPaymentRow } from '../checkout-rules.js';
import { isRowId } from '../rows.js';
import { audit, purchaseRow, type AuditRow, type PaymentFacts, type PaymentLedgerRow } from '../rules.js';
import type { Actor, FulfilInput, FulfilOutcome, OutboxInsert, PaymentRecord, ShopOrderRecord } from '../types.js';
import { insertAudit, insertLicense } from './accounts.js';
import { applyLedger, balanceOf, findPayment } from './billing.js';
import { findShopOrder } from './checkout.js';
import { Params, q, withTransaction, type Prepared, type Queryable } from './db.js';
import { ANNOUNCE_OUTBOX, outboxParts } from './jobs.js';

const FULFILLED = sqlList(FULFILLED_PAYMENT_STATUSES);

/** What the referral step needs of `buyer` (SQL); `except`, a payment not to count as paid before (SQL). */
const referralStateOf = (buyer: string, except?: string) => `SELECT EXISTS (SELECT 1 FROM payments WHERE user_id = ${buyer}${except ? ` AND id <> ${except}` : ''} AND status IN ${FULFILLED}) AS ref_paid_before,
         (SELECT inviter_user_id FROM referrals WHERE invitee_user_id = ${buyer}) AS ref_inviter_user_id,
         EXISTS (SELECT 1 FROM referrals WHERE invitee_user_id = ${buyer} AND bonus_granted_at IS NOT NULL) AS ref_bonus_granted`;

/**
 * What the decision needs, each a statement PREPAREd once per connection so that the opening,
 * sent as one simple-protocol text, still runs planned statements: the order locked, then its
 * buyer's users row, the order's product, the id this payment will get and the buyer's referral
 * state. NO KEY UPDATE on the buyer: the lock a balance update takes, and unlike FOR UPDATE it
 * does not wait on the key-share locks a concurrent payment's foreign key holds on the row (that deadlocks).
 */
const BUYER_OF_ORDER = '(SELECT user_id FROM orders WHERE id = $1)';
const OPENING_STATEMENTS: [name: string, text: string][] = [
  ['ttops_fulfil_order', 'SELECT * FROM orders WHERE id = $1 FOR UPDATE'],
  ['ttops_fulfil_buyer', `SELECT id FROM users WHERE id = ${BUYER_OF_ORDER} FOR NO KEY UPDATE`],
  ['ttops_fulfil_product', 'SELECT * FROM products WHERE id = (SELECT product_id FROM orders WHERE id = $1)'],
  ['ttops_fulfil_payment_id', "SELECT nextval(pg_get_serial_sequence('payments', 'id')) AS id"],
  ['ttops_fulfil_referral', referralStateOf(BUYER_OF_ORDER)],
];
// Session-level PREPARE, like the driver's named statements: each pooled connection must be its
// own PostgreSQL session (a transaction-pooling proxy in between would lose them).
const preparedOn = new WeakSet<pg.PoolClient>();

/** PREPAREs on `client` those of OPENING_STATEMENTS it lacks (a PREPARE that failed halfway leaves some behind). */
async function prepareOpening(client: pg.PoolClient): Promise<void> {
  const have = new Set((await q(client, "SELECT name FROM pg_prepared_statements WHERE name LIKE 'ttops\\_fulfil\\_%'")).map((r) => String(r.name)));
  const missing = OPENING_STATEMENTS.filter(([name]) => !have.has(name));
  if (missing.length > 0) await q(client, missing.map(([name, text]) => `PREPARE ${name}${text.includes('$1') ? '(bigint)' : ''} AS ${text}`).join(';\n'));
  preparedOn.add(client);
}

/**
 * BEGIN and OPENING_STATEMENTS in one round trip (the order id is a checked integer, inlined).
 * Each statement takes its own snapshot, so what the last one reads of the buyer is after any
 * concurrent payment of theirs committed.
 */
async function opening(client: pg.PoolClient, orderId: number, withReferral: boolean): Promise<string> {
  if (!preparedOn.has(client)) await prepareOpening(client);
  const id = isRowId(orderId) ? orderId : 0; // 0: no order has it
  const statements = withReferral ? OPENING_STATEMENTS : OPENING_STATEMENTS.slice(0, -1);
  return ['BEGIN', ...statements.map(([name, text]) => `EXECUTE ${name}${text.includes('$1') ? `(${id})` : ''}`)].join(';\n');
}

const PAYMENT_COLUMNS = 'id, provider, provider_payment_id, order_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, license_id, paid_at, fulfilled_at';
/** The payments row's values, placed in `p` (the text is the same whatever the values: it names a prepared statement). */
function paymentValues(p: Params, r: CardPaymentRow, id: number, licenseId: number | null): string {
  const status = p.add(r.status, 'text');
  const values = [p.add(id, 'bigint'), p.add(r.provider, 'text'), p.add(r.providerPaymentId, 'text'), p.add(r.orderId, 'bigint'), p.add(r.userId, 'bigint'), p.add(r.productId, 'bigint')];
  values.push(p.add(r.amount, 'text'), p.add(r.currency, 'text'), p.add(r.credits, 'bigint'), status, p.add(r.payload, 'text'), p.add(r.rejectReason, 'text'), p.add(licenseId, 'bigint'));
  return [...values, 'now()', `CASE WHEN ${status} = 'paid' THEN now() END`].join(', ');
}

const INSERT_PAYMENT_TEXT = (p: Params, r: CardPaymentRow, id: number, licenseId: number | null) =>
  `INSERT INTO payments (${PAYMENT_COLUMNS}) VALUES (${paymentValues(p, r, id, licenseId)}) ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`;

/** What one "record and grant" statement does; each part is optional, and the parts present name it. */
interface RecordPlan {
  /** The payments row, when this statement records it (a conflict on the event key then makes the statement do nothing). */
  insert?: { row: CardPaymentRow; id: number; licenseId: number | null };
  /** The paid order: its id, the payment, the license and sealed key it gets. */
  pay?: { orderId: number; paymentId: number; licenseId: number | null; sealedKey: string | null; buyerId: number | null };
  /** The purchase's ledger row, with the balance it moves. */
  credit?: PaymentLedgerRow;
  audits: AuditRow[];
  notify: OutboxInsert[];
}

/**
 * One statement for all of `plan`: every part waits on the payments row being recorded by it
 * (`ins`), so a recorded event changes nothing. Answers `ins.*` when it records the payment, and
 * the paid order's timestamps and the buyer's balance when it pays.
 */
function recordStatement(plan: RecordPlan): { statement: Prepared; values: unknown[] } {
  const p = new Params();
  const parts: string[] = [];
  const recorded = plan.insert ? 'EXISTS (SELECT 1 FROM ins)' : '';
  const [when, andWhen] = recorded ? [`WHERE ${recorded}`, `AND ${recorded}`] : ['', ''];
  if (plan.insert) parts.push(`ins AS (${INSERT_PAYMENT_TEXT(p, plan.insert.row, plan.insert.id, plan.insert.licenseId)})`);
  const c = plan.credit;
  if (c) {
    const [user, delta] = [p.add(c.userId, 'bigint'), p.add(c.delta, 'bigint')];
    parts.push(
      `entry AS (INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) SELECT ${user}, ${delta}, ${p.add(c.kind, 'text')}, ${p.add(c.reason, 'text')}, ${p.add(c.paymentId, 'bigint')} ${when})`,
      `balance AS (UPDATE users SET credits = credits + ${delta}, updated_at = now() WHERE id = ${user} ${andWhen} RETURNING credits)`,
    );
  }
  const o = plan.pay;
  if (o) {
    parts.push(`paid AS (UPDATE orders SET status = 'paid', paid_at = now(), updated_at = now(), payment_id = ${p.add(o.paymentId, 'bigint')},
                           license_id = coalesce(${p.add(o.licenseId, 'bigint')}, license_id), sealed_key = coalesce(${p.add(o.sealedKey, 'text')}, sealed_key)
                         WHERE id = ${p.add(o.orderId, 'bigint')} ${andWhen} RETURNING paid_at, updated_at)`);
  }
  const a = plan.audits;
  parts.push(`logged AS (INSERT INTO audit_log (actor, action, subject, detail)
                         SELECT * FROM unnest(${p.add(a.map((r) => r.actor), 'text[]')}, ${p.add(a.map((r) => r.action), 'text[]')}, ${p.add(a.map((r) => r.subject), 'text[]')}, ${p.add(a.map((r) => r.detail), 'text[]')}) ${when})`);
  if (plan.notify.length) parts.push(...outboxParts(p, plan.notify, when));
  const columns = [
    ...(plan.insert ? ['ins.*'] : []),
    ...(o ? ['paid.paid_at AS order_paid_at', 'paid.updated_at AS order_updated_at', `${c ? '(SELECT credits FROM balance)' : `(SELECT credits FROM users WHERE id = ${p.add(o.buyerId, 'bigint')})`} AS buyer_credits`] : []),
    ...(plan.notify.length ? [`${ANNOUNCE_OUTBOX} AS announced`] : []),
  ];
  const from = plan.insert ? `ins${o ? ' LEFT JOIN paid ON true' : ''}` : 'paid';
  const name = `fulfil_record_${[plan.insert && 'i', c && 'c', o && 'p', plan.notify.length && 'n'].filter(Boolean).join('')}`;
  return { statement: { name, text: `WITH ${parts.join(',\n')}\nSELECT ${columns.join(', ')} FROM ${from}` }, values: p.values };
}

async function record(tx: Queryable, plan: RecordPlan): Promise<Record<string, unknown> | undefined> {
  const { statement, values } = recordStatement(plan);
  return (await q(tx, statement, values))[0];
}

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

/** Whether the referral step may pay something: a first payment, a bonus not yet paid, an inviter known or named by the order. */
const referralMayPay = (s: ReferralState, refCode: string | null) => !s.paidBefore && !s.bonusGranted && (s.inviterId !== null || refCode !== null);

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

/** Thrown inside the transaction to roll back what it wrote: the event was recorded meanwhile (for another order). */
class RecordedMeanwhile extends Error {}

/** Records the payment and grants the order, once per provider event (see the file comment for the locks). */
export async function fulfilOrder(pool: pg.Pool, input: FulfilInput): Promise<FulfilOutcome> {
  try {
    return await withTransaction(pool, (tx, opened) => decide(tx, input, opened), (client) => opening(client, input.orderId, input.referralBonus > 0));
  } catch (error) {
    if (!(error instanceof RecordedMeanwhile)) throw error;
    return replay(pool, (await findPayment(pool, input.provider, input.providerPaymentId))!, undefined);
  }
}

async function decide(tx: pg.PoolClient, input: FulfilInput, [orderRows, , productRows, idRows, referralStateRows]: pg.QueryResult[]): Promise<FulfilOutcome> {
  const order = orderRows.rows[0] && toShopOrder(orderRows.rows[0]);
  const paymentId = Number(idRows.rows[0].id);
  const rejection = fulfilRejection(order, input);
  const row = cardPaymentRow(input, order, rejection);
  const facts = (licenseId: number | null): PaymentFacts => ({ ...row, id: paymentId, licenseId });

  if (rejection || !order) {
    // A copy of a recorded event lands here (the order is paid by then) and conflicts on the event key.
    const recorded = await record(tx, { insert: { row, id: paymentId, licenseId: null }, audits: [audit.paymentRejected(input, facts(null))], notify: [] });
    if (!recorded) return replay(tx, (await findPayment(tx, input.provider, input.providerPaymentId))!, order);
    return { result: 'rejected', reason: rejection, order, payment: toPayment(recorded), balance: await balanceOrNull(tx, row.userId) };
  }

  const grant = input.grant?.(order, productRows.rows[0] && toProduct(productRows.rows[0])) ?? {};
  const audits: AuditRow[] = [];
  let licenseId: number | null = null;
  if (grant.license) {
    const license = await insertLicense(tx, grant.license);
    licenseId = license.id;
    audits.push(audit.licenseIssued(input, license));
  }
  await retakePromoUse(tx, order);

  // A referral that may pay needs the payments row first (its ledger rows point at it).
  const referralState = input.referralBonus > 0 && order.userId !== null && referralStateRows ? toReferralState(referralStateRows.rows[0]) : undefined;
  let payment: PaymentRecord | undefined;
  let referral: Awaited<ReturnType<typeof payReferral>>;
  if (referralState && referralMayPay(referralState, order.refCode)) {
    const p = new Params();
    const [inserted] = await q(tx, { name: 'fulfil_insert_payment', text: INSERT_PAYMENT_TEXT(p, row, paymentId, licenseId) }, p.values);
    if (!inserted) throw new RecordedMeanwhile();
    payment = toPayment(inserted);
    referral = await payReferral(tx, { userId: order.userId!, refCode: order.refCode }, payment, input.referralBonus, input, referralState);
  }

  const paid = facts(licenseId);
  audits.push(audit.paymentFulfilled(input, paid));
  const recorded = await record(tx, {
    insert: payment ? undefined : { row, id: paymentId, licenseId },
    pay: { orderId: order.id, paymentId, licenseId, sealedKey: grant.license?.sealedKey ?? null, buyerId: order.userId },
    credit: purchaseRow(paid),
    audits,
    notify: grant.notify ?? [],
  });
  if (!recorded) throw new RecordedMeanwhile();
  return {
    result: 'fulfilled',
    order: { ...order, status: 'paid', paymentId, licenseId: licenseId ?? order.licenseId, keyPending: order.keyPending || grant.license !== undefined, paidAt: String(recorded.order_paid_at), updatedAt: String(recorded.order_updated_at) },
    payment: payment ?? toPayment(recorded),
    balance: recorded.buyer_credits == null ? null : Number(recorded.buyer_credits),
    ...(referral ? { referralInviterId: referral.inviterId } : {}),
  };
}

/** A late payment of an order whose promo use was given back (expired, failed) takes it again, unless the buyer has used the code since. */
async function retakePromoUse(tx: Queryable, order: ShopOrderRecord): Promise<void> {
  if (order.promoCodeId === null) return;
  const [taken] = await q(tx, 'INSERT INTO promo_redemptions (promo_code_id, order_id, buyer) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING id', [order.promoCodeId, order.id, orderBuyer(order)]);
  if (taken) await q(tx, 'UPDATE promo_codes SET uses = uses + 1 WHERE id = $1', [order.promoCodeId]);
}

/** The referral state for a caller that has not read it, read after locking the buyer's row (NO KEY UPDATE, as in the opening). */
const LOCK_BUYER: Prepared = { name: 'fulfil_lock_buyer', text: 'SELECT id FROM users WHERE id = $1 FOR NO KEY UPDATE' };
const REFERRAL_STATE: Prepared = { name: 'fulfil_referral_state', text: referralStateOf('$1::bigint', '$2::bigint') };

async function readReferralState(tx: Queryable, userId: number, paymentId: number): Promise<ReferralState | undefined> {
  if ((await q(tx, LOCK_BUYER, [userId])).length === 0) return undefined;
  return toReferralState((await q(tx, REFERRAL_STATE, [userId, paymentId]))[0]);
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
  const state = known ?? (await readReferralState(tx, userId, payment.id));
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
