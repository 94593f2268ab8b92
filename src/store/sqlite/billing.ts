/**
 * SQLite SQL for the products catalogue and payments. A payment is recorded and fulfilled in
 * one immediate transaction (SQLite's single writer), so a replayed delivery finds the row
 * and grants nothing; what the rows say is decided once in rules.ts.
 */
import { PRODUCT_COLUMNS, REFUNDABLE, paymentNotFound, productCodeTaken, refundRefusal, toPayment, toProduct } from '../billing-rows.js';
import { isRowId, toLicense } from '../rows.js';
import { audit, paymentRefundRow, purchaseRow, type PaymentLedgerRow } from '../rules.js';
import type { Actor, NewProduct, PaymentInput, PaymentOutcome, PaymentRecord, PaymentStatus, ProductPatch, ProductRecord, RefundOutcome, SalesStats } from '../types.js';
import { insertAudit } from './accounts.js';
import { payReferral } from './fulfil.js';
import { isUniqueViolation, type SqliteDb } from './db.js';

type Row = Record<string, unknown>;
const REFUNDABLE_SQL = REFUNDABLE.map((s) => `'${s}'`).join(', ');

export function listProducts(db: SqliteDb, filter: { enabledOnly?: boolean } = {}): ProductRecord[] {
  const where = filter.enabledOnly ? 'WHERE enabled = 1' : '';
  return (db.prepare(`SELECT * FROM products ${where} ORDER BY sort, id`).all() as Row[]).map(toProduct);
}

export function findProduct(db: SqliteDb, id: number): ProductRecord | undefined {
  const row = db.prepare('SELECT * FROM products WHERE id = ?').get(id) as Row | undefined;
  return row && toProduct(row);
}

export function findProductByCode(db: SqliteDb, code: string): ProductRecord | undefined {
  const row = db.prepare('SELECT * FROM products WHERE code = ?').get(code) as Row | undefined;
  return row && toProduct(row);
}

/** Inserts a product and its audit row. */
export function addProduct(db: SqliteDb, p: NewProduct, by: Actor): ProductRecord {
  return db.transaction(() => {
    let row: Row;
    try {
      row = db
        .prepare('INSERT INTO products (kind, code, title_ru, title_en, credits, plan, ttl_days, price_rub, price_stars, enabled, sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *')
        .get(p.kind, p.code, p.titleRu, p.titleEn, p.credits, p.plan, p.ttlDays, p.priceRub, p.priceStars, Number(p.enabled), p.sort) as Row;
    } catch (error) {
      throw isUniqueViolation(error) ? productCodeTaken(p.code) : error;
    }
    const product = toProduct(row);
    insertAudit(db, audit.productAdded(by, product));
    return product;
  }).immediate();
}

/** Applies a patch (whitelisted columns only) and its audit row. */
export function updateProduct(db: SqliteDb, id: number, patch: ProductPatch, by: Actor): ProductRecord | undefined {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined) as [keyof ProductPatch, unknown][];
  return db.transaction(() => {
    const sets = entries.map(([k]) => `${PRODUCT_COLUMNS[k]} = ?`).join(', ');
    const values = entries.map(([, v]) => (typeof v === 'boolean' ? Number(v) : v));
    const row = db.prepare(`UPDATE products SET ${sets}${sets ? ', ' : ''}updated_at = ? WHERE id = ? RETURNING *`).get(...values, new Date().toISOString(), id) as Row | undefined;
    if (!row) return undefined;
    const product = toProduct(row);
    insertAudit(db, audit.productEdited(by, product, patch));
    return product;
  }).immediate();
}

function paymentBy(db: SqliteDb, provider: string, providerPaymentId: string): PaymentRecord | undefined {
  const row = db.prepare('SELECT * FROM payments WHERE provider = ? AND provider_payment_id = ?').get(provider, providerPaymentId) as Row | undefined;
  return row && toPayment(row);
}

export { paymentBy as findPayment };

/** A user's balance (0 without a user). */
export function balanceOf(db: SqliteDb, userId: number | null): number {
  return userId === null ? 0 : Number((db.prepare('SELECT credits FROM users WHERE id = ?').get(userId) as Row).credits);
}

/** Applies a payment's ledger row and returns the new balance. */
export function applyLedger(db: SqliteDb, l: PaymentLedgerRow): number {
  db.prepare('INSERT INTO credit_ledger (user_id, delta, kind, reason, payment_id) VALUES (?, ?, ?, ?, ?)').run(l.userId, l.delta, l.kind, l.reason, l.paymentId);
  return Number((db.prepare('UPDATE users SET credits = credits + ?, updated_at = ? WHERE id = ? RETURNING credits').get(l.delta, new Date().toISOString(), l.userId) as Row).credits);
}

/** Records a payment once; the first delivery grants what it bought, a replay returns the row as it is. */
export function recordPayment(db: SqliteDb, input: PaymentInput): PaymentOutcome {
  return db.transaction(() => {
    const now = new Date().toISOString();
    db.prepare('INSERT INTO users (telegram_id) VALUES (?) ON CONFLICT (telegram_id) DO NOTHING').run(input.telegramId);
    const userId = Number((db.prepare('SELECT id FROM users WHERE telegram_id = ?').get(input.telegramId) as Row).id);
    const rejected = input.rejectReason !== undefined;
    const inserted = db
      .prepare(
        `INSERT INTO payments (provider, provider_payment_id, provider_charge_id, user_id, product_id, amount, currency, credits, status, payload, reject_reason, paid_at, fulfilled_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (provider, provider_payment_id) DO NOTHING RETURNING *`,
      )
      .get(input.provider, input.providerPaymentId, input.providerChargeId ?? null, userId, input.productId, input.amount, input.currency, rejected ? 0 : (input.credits ?? 0), rejected ? 'rejected' : 'paid', input.payload, input.rejectReason ?? null, now, rejected ? null : now) as Row | undefined;
    if (!inserted) {
      const existing = paymentBy(db, input.provider, input.providerPaymentId)!;
      return { payment: existing, created: false, balance: balanceOf(db, existing.userId) };
    }
    let payment = toPayment(inserted);
    if (rejected) {
      insertAudit(db, audit.paymentRejected(input, payment));
      return { payment, created: true, balance: balanceOf(db, userId) };
    }
    if (input.license) {
      const l = input.license;
      const license = toLicense(db.prepare('INSERT INTO license_keys (key_hash, key_suffix, plan, ttl_days, note, expires_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *').get(l.keyHash, l.keySuffix, l.plan, l.ttlDays, l.note ?? null, l.expiresAt) as Row);
      insertAudit(db, audit.licenseIssued(input, license));
      payment = toPayment(db.prepare('UPDATE payments SET license_id = ? WHERE id = ? RETURNING *').get(license.id, payment.id) as Row);
    }
    const credit = purchaseRow(payment);
    if (credit) applyLedger(db, credit);
    if (input.referralBonus) payReferral(db, { userId, refCode: null }, payment, input.referralBonus, input);
    const balance = balanceOf(db, userId);
    insertAudit(db, audit.paymentFulfilled(input, payment));
    return { payment, created: true, balance };
  }).immediate();
}

export function listPayments(db: SqliteDb, filter: { status?: PaymentStatus; provider?: string; limit?: number }): PaymentRecord[] {
  const rows = db
    .prepare('SELECT * FROM payments WHERE (@status IS NULL OR status = @status) AND (@provider IS NULL OR provider = @provider) ORDER BY id DESC LIMIT @limit')
    .all({ status: filter.status ?? null, provider: filter.provider ?? null, limit: filter.limit ?? -1 });
  return (rows as Row[]).map(toPayment);
}

export function findPaymentById(db: SqliteDb, id: number): PaymentRecord | undefined {
  if (!isRowId(id)) return undefined;
  const row = db.prepare('SELECT * FROM payments WHERE id = ?').get(id) as Row | undefined;
  return row && toPayment(row);
}

export function markKeySent(db: SqliteDb, paymentId: number): void {
  db.prepare('UPDATE payments SET key_sent_at = coalesce(key_sent_at, ?) WHERE id = ?').run(new Date().toISOString(), paymentId);
}

/** Marks a refund requested (before the provider is asked), audited. */
export function requestRefund(db: SqliteDb, provider: string, id: string, by: Actor): PaymentRecord {
  return db.transaction(() => {
    const row = db
      .prepare(`UPDATE payments SET status = 'refund_requested', refund_requested_at = coalesce(refund_requested_at, ?), refund_error = NULL WHERE provider = ? AND provider_payment_id = ? AND status IN (${REFUNDABLE_SQL}) RETURNING *`)
      .get(new Date().toISOString(), provider, id) as Row | undefined;
    if (!row) {
      const existing = paymentBy(db, provider, id);
      throw existing ? refundRefusal(existing) : paymentNotFound(provider, id);
    }
    const payment = toPayment(row);
    insertAudit(db, audit.refundRequested(by, payment));
    return payment;
  }).immediate();
}

export function failRefund(db: SqliteDb, provider: string, id: string, error: string): void {
  db.prepare("UPDATE payments SET refund_error = ? WHERE provider = ? AND provider_payment_id = ? AND status = 'refund_requested'").run(error, provider, id);
}

/** Marks the payment refunded and takes back its credits, once. */
export function completeRefund(db: SqliteDb, provider: string, id: string, by: Actor): RefundOutcome {
  return db.transaction(() => {
    const row = db
      .prepare(`UPDATE payments SET status = 'refunded', refunded_at = ?, refund_error = NULL WHERE provider = ? AND provider_payment_id = ? AND status IN (${REFUNDABLE_SQL}) RETURNING *`)
      .get(new Date().toISOString(), provider, id) as Row | undefined;
    if (!row) {
      const existing = paymentBy(db, provider, id);
      if (!existing) throw paymentNotFound(provider, id);
      if (existing.status !== 'refunded') throw refundRefusal(existing);
      return { payment: existing, refunded: false, debited: 0, balance: existing.userId === null ? null : balanceOf(db, existing.userId) };
    }
    const payment = toPayment(row);
    const debit = paymentRefundRow(payment);
    const balance = debit ? applyLedger(db, debit) : payment.userId === null ? null : balanceOf(db, payment.userId);
    insertAudit(db, audit.paymentRefunded(by, payment, debit ? -debit.delta : 0));
    return { payment, refunded: true, debited: debit ? -debit.delta : 0, balance };
  }).immediate();
}

export function salesStats(db: SqliteDb, since: string): SalesStats {
  const users = db.prepare('SELECT count(*) AS n FROM users').get() as { n: number };
  const sold = db.prepare("SELECT coalesce(sum(credits), 0) AS total, coalesce(sum(CASE WHEN paid_at >= ? THEN credits ELSE 0 END), 0) AS since FROM payments WHERE status = 'paid'").get(since) as { total: number; since: number };
  const p = db
    .prepare(
      `SELECT count(*) FILTER (WHERE status = 'paid') AS paid, count(*) FILTER (WHERE status = 'rejected') AS rejected,
              count(*) FILTER (WHERE status IN ('refund_requested', 'refunded')) AS refunded,
              coalesce(sum(CAST(amount AS INTEGER)) FILTER (WHERE status = 'paid' AND currency = 'XTR'), 0) AS stars
       FROM payments WHERE created_at >= ?`,
    )
    .get(since) as { paid: number; rejected: number; refunded: number; stars: number };
  return { users: users.n, creditsSold: { since: sold.since, total: sold.total }, paymentsSince: { paid: p.paid, rejected: p.rejected, refunded: p.refunded, stars: p.stars } };
}
