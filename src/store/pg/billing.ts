/**
 * PostgreSQL SQL for the products catalogue and payments. `INSERT … ON CONFLICT DO NOTHING`
 * on (provider, provider_payment_id) is what makes fulfilment happen once: a concurrent
 * delivery of the same payment waits for the first transaction, then finds the row and
 * grants nothing. What the rows say is decided once in rules.ts.
 */
import type pg from 'pg';
import { PRODUCT_COLUMNS, REFUNDABLE, paymentNotFound, productCodeTaken, refundRefusal, toPayment, toProduct } from '../billing-rows.js';
import { isRowId } from '../rows.js';
import { audit, paymentRefundRow, purchaseRow, type PaymentLedgerRow } from '../rules.js';
import type { Actor, NewProduct, PaymentInput, PaymentOutcome, PaymentRecord, PaymentStatus, ProductPatch, ProductRecord, RefundOutcome, SalesStats } from '../types.js';
import { insertAudit, insertLicense } from './accounts.js';
import { payReferral } from './fulfil.js';
import { isUniqueViolation, q, rethrow, withTransaction, type Prepared, type Queryable } from './db.js';

const REFUNDABLE_SQL = REFUNDABLE.map((s) => `'${s}'`).join(', ');

export async function listProducts(db: Queryable, filter: { enabledOnly?: boolean } = {}): Promise<ProductRecord[]> {
  const where = filter.enabledOnly ? 'WHERE enabled' : '';
  return (await q(db, `SELECT * FROM products ${where} ORDER BY sort, id`)).map(toProduct);
}

export async function findProduct(db: Queryable, id: number): Promise<ProductRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM products WHERE id = $1', [id]);
  return row && toProduct(row);
}

export async function findProductByCode(db: Queryable, code: string): Promise<ProductRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM products WHERE code = $1', [code]);
  return row && toProduct(row);
}

/** Inserts a product and its audit row. */
export function addProduct(pool: pg.Pool, p: NewProduct, by: Actor): Promise<ProductRecord> {
  return withTransaction(pool, async (tx) => {
    let row: Record<string, unknown>;
    try {
      [row] = (
        await tx.query(
          'INSERT INTO products (kind, code, title_ru, title_en, credits, plan, ttl_days, price_rub, price_stars, enabled, sort) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING *',
          [p.kind, p.code, p.titleRu, p.titleEn, p.credits, p.plan, p.ttlDays, p.priceRub, p.priceStars, p.enabled, p.sort],
        )
      ).rows;
    } catch (error) {
      if (isUniqueViolation(error)) throw productCodeTaken(p.code);
      rethrow(error);
    }
    const product = toProduct(row);
    await insertAudit(tx, audit.productAdded(by, product));
    return product;
  });
}

/** Applies a patch (whitelisted columns only) and its audit row. */
export function updateProduct(pool: pg.Pool, id: number, patch: ProductPatch, by: Actor): Promise<ProductRecord | undefined> {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof ProductPatch, unknown][];
  return withTransaction(pool, async (tx) => {
    const sets = entries.map(([k], i) => `${PRODUCT_COLUMNS[k]} = $${i + 2}, `).join('');
    const [row] = await q(tx, `UPDATE products SET ${sets}updated_at = now() WHERE id = $1 RETURNING *`, [id, ...entries.map(([, v]) => v)]);
    if (!row) return undefined;
    const product = toProduct(row);
    await insertAudit(tx, audit.productEdited(by, product, patch));
    return product;
  });
}

export async function findPayment(db: Queryable, provider: string, providerPaymentId: string): Promise<PaymentRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM payments WHERE provider = $1 AND provider_payment_id = $2', [provider, providerPaymentId]);
  return row && toPayment(row);
}

/** A user's balance (0 without a user). */
export async function balanceOf(db: Queryable, userId: number | null): Promise<number> {
  if (userId === null) return 0;
  const [row] = await q(db, 'SELECT credits FROM users WHERE id = $1', [userId]);
  return Number(row.credits);
}

/** The ledger row and the balance it moves, in one statement (one round trip per money movement). */
const APPLY_LEDGER: Prepared = {
  name: 'apply_payment_ledger',
  text: `WITH entry AS (INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) VALUES ($1, $2, $3, $4, $5))
         UPDATE users SET credits = credits + $2, updated_at = now() WHERE id = $1 RETURNING credits`,
};

/** Applies a payment's ledger row and returns the new balance. */
export async function applyLedger(db: Queryable, l: PaymentLedgerRow): Promise<number> {
  const [row] = await q(db, APPLY_LEDGER, [l.userId, l.delta, l.kind, l.reason, l.paymentId]);
  return Number(row.credits);
}


/** Records a payment once; the first delivery grants what it bought, a replay returns the row as it is. */
export function recordPayment(pool: pg.Pool, input: PaymentInput): Promise<PaymentOutcome> {
  return withTransaction(pool, async (tx) => {
    await q(tx, 'INSERT INTO users (telegram_id) VALUES ($1) ON CONFLICT (telegram_id) DO NOTHING', [input.telegramId]);
    const [user] = await q(tx, 'SELECT id FROM users WHERE telegram_id = $1', [input.telegramId]);
    const userId = Number(user.id);
    const rejected = input.rejectReason !== undefined;
    const [inserted] = await q(
      tx,
      `INSERT INTO payments (provider, provider_payment_id, provider_charge_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, paid_at, fulfilled_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), CASE WHEN $9 = 'paid' THEN now() END)
       ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`,
      [input.provider, input.providerPaymentId, input.providerChargeId ?? null, userId, input.productId, input.amount, input.currency, rejected ? 0 : (input.credits ?? 0), rejected ? 'rejected' : 'paid', input.payload, input.rejectReason ?? null],
    );
    if (!inserted) {
      const existing = (await findPayment(tx, input.provider, input.providerPaymentId))!;
      return { payment: existing, created: false, balance: await balanceOf(tx, existing.userId) };
    }
    let payment = toPayment(inserted);
    if (rejected) {
      await insertAudit(tx, audit.paymentRejected(input, payment));
      return { payment, created: true, balance: await balanceOf(tx, userId) };
    }
    if (input.license) {
      const license = await insertLicense(tx, input.license);
      await insertAudit(tx, audit.licenseIssued(input, license));
      payment = toPayment((await q(tx, 'UPDATE payments SET license_id = $2 WHERE id = $1 RETURNING *', [payment.id, license.id]))[0]);
    }
    const credit = purchaseRow(payment);
    if (credit) await applyLedger(tx, credit);
    if (input.referralBonus) await payReferral(tx, { userId, refCode: null }, payment, input.referralBonus, input);
    const balance = await balanceOf(tx, userId);
    await insertAudit(tx, audit.paymentFulfilled(input, payment));
    return { payment, created: true, balance };
  });
}

export async function listPayments(db: Queryable, filter: { status?: PaymentStatus; provider?: string; limit?: number }): Promise<PaymentRecord[]> {
  const rows = await q(db, 'SELECT * FROM payments WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR provider = $2) ORDER BY id DESC LIMIT $3', [filter.status ?? null, filter.provider ?? null, filter.limit ?? null]);
  return rows.map(toPayment);
}

export async function findPaymentById(db: Queryable, id: number): Promise<PaymentRecord | undefined> {
  if (!isRowId(id)) return undefined;
  const [row] = await q(db, 'SELECT * FROM payments WHERE id = $1', [id]);
  return row && toPayment(row);
}

export async function markKeySent(db: Queryable, paymentId: number): Promise<void> {
  await q(db, 'UPDATE payments SET key_sent_at = coalesce(key_sent_at, now()) WHERE id = $1', [paymentId]);
}

/** Marks a refund requested (before the provider is asked), audited. */
export function requestRefund(pool: pg.Pool, provider: string, id: string, by: Actor): Promise<PaymentRecord> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(
      tx,
      `UPDATE payments SET status = 'refund_requested', refund_requested_at = coalesce(refund_requested_at, now()), refund_error = NULL
       WHERE provider = $1 AND provider_payment_id = $2 AND status IN (${REFUNDABLE_SQL}) RETURNING *`,
      [provider, id],
    );
    if (!row) {
      const existing = await findPayment(tx, provider, id);
      throw existing ? refundRefusal(existing) : paymentNotFound(provider, id);
    }
    const payment = toPayment(row);
    await insertAudit(tx, audit.refundRequested(by, payment));
    return payment;
  });
}

export async function failRefund(db: Queryable, provider: string, id: string, error: string): Promise<void> {
  await q(db, "UPDATE payments SET refund_error = $3 WHERE provider = $1 AND provider_payment_id = $2 AND status = 'refund_requested'", [provider, id, error]);
}

/** Marks the payment refunded and takes back its credits, once (the status guard and the ledger's unique key both say so). */
export function completeRefund(pool: pg.Pool, provider: string, id: string, by: Actor): Promise<RefundOutcome> {
  return withTransaction(pool, async (tx) => {
    const [row] = await q(
      tx,
      `UPDATE payments SET status = 'refunded', refunded_at = now(), refund_error = NULL
       WHERE provider = $1 AND provider_payment_id = $2 AND status IN (${REFUNDABLE_SQL}) RETURNING *`,
      [provider, id],
    );
    if (!row) {
      const existing = await findPayment(tx, provider, id);
      if (!existing) throw paymentNotFound(provider, id);
      if (existing.status !== 'refunded') throw refundRefusal(existing);
      return { payment: existing, refunded: false, debited: 0, balance: existing.userId === null ? null : await balanceOf(tx, existing.userId) };
    }
    const payment = toPayment(row);
    const debit = paymentRefundRow(payment);
    const balance = debit ? await applyLedger(tx, debit) : payment.userId === null ? null : await balanceOf(tx, payment.userId);
    await insertAudit(tx, audit.paymentRefunded(by, payment, debit ? -debit.delta : 0));
    return { payment, refunded: true, debited: debit ? -debit.delta : 0, balance };
  });
}

export async function salesStats(db: Queryable, since: string): Promise<SalesStats> {
  const [users] = await q(db, 'SELECT count(*)::int AS n FROM users');
  const [sold] = await q(db, "SELECT coalesce(sum(credits), 0)::int AS total, coalesce(sum(credits) FILTER (WHERE paid_at >= $1), 0)::int AS since FROM payments WHERE status = 'paid'", [since]);
  const [p] = await q(
    db,
    `SELECT count(*) FILTER (WHERE status = 'paid')::int AS paid, count(*) FILTER (WHERE status = 'rejected')::int AS rejected,
            count(*) FILTER (WHERE status IN ('refund_requested', 'refunded'))::int AS refunded,
            coalesce(sum(amount::bigint) FILTER (WHERE status = 'paid' AND currency = 'XTR'), 0)::int AS stars
     FROM payments WHERE created_at >= $1`,
    [since],
  );
  return { users: Number(users.n), creditsSold: { since: Number(sold.since), total: Number(sold.total) }, paymentsSince: { paid: Number(p.paid), rejected: Number(p.rejected), refunded: Number(p.refunded), stars: Number(p.stars) } };
}
