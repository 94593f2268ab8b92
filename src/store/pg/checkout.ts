/**
 * PostgreSQL SQL for card orders: opened with their promo use in one transaction, marked
 * pending, failed or expired (giving the use back), their key revealed once. Fulfilment is in
 * fulfil.ts. Each status change is a conditional UPDATE, so two callers never both make it.
 */
import type pg from 'pg';
import { OPEN_ORDER_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { orderKeyTaken, promoAlreadyUsed, promoRefusal } from '../checkout-rules.js';
import { toPayment } from '../billing-rows.js';
import { isRowId } from '../rows.js';
import type { NewShopOrder, OrderStatus, PaymentRecord, ShopOrderRecord } from '../types.js';
import { isUniqueViolation, q, withTransaction, type Queryable } from './db.js';
import { findPromoById } from './promos.js';

const OPEN = sqlList(OPEN_ORDER_STATUSES);

export async function findShopOrder(db: Queryable, id: number): Promise<ShopOrderRecord | undefined> {
  if (!isRowId(id)) return undefined;
  const [row] = await q(db, 'SELECT * FROM orders WHERE id = $1', [id]);
  return row && toShopOrder(row);
}

export async function findShopOrderByKey(db: Queryable, key: string): Promise<ShopOrderRecord | undefined> {
  const [row] = await q(db, 'SELECT * FROM orders WHERE idempotence_key = $1', [key]);
  return row && toShopOrder(row);
}

export async function listShopOrders(db: Queryable, filter: { userId?: number; status?: OrderStatus; limit?: number }): Promise<ShopOrderRecord[]> {
  const rows = await q(db, 'SELECT * FROM orders WHERE ($1::bigint IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY id DESC LIMIT $3', [
    filter.userId ?? null,
    filter.status ?? null,
    filter.limit ?? null,
  ]);
  return rows.map(toShopOrder);
}

/**
 * Takes the promo use (a conditional UPDATE: concurrent buyers of the last use queue on the
 * row and re-check), inserts the order and the redemption; any refusal rolls all of it back.
 */
export function openOrder(pool: pg.Pool, o: NewShopOrder): Promise<ShopOrderRecord> {
  return withTransaction(pool, async (tx) => {
    if (o.promo) {
      const [taken] = await q(
        tx,
        `UPDATE promo_codes SET uses = uses + 1
         WHERE id = $1 AND enabled AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > now()) RETURNING id`,
        [o.promo.id],
      );
      if (!taken) throw promoRefusal(await findPromoById(tx, o.promo.id), new Date().toISOString());
    }
    let row: Record<string, unknown>;
    try {
      [row] = await q(
        tx,
        `INSERT INTO orders (product_id, provider, user_id, telegram_id, lang, amount, list_price, credits, promo_code_id, ref_code, test, idempotence_key, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING *`,
        [o.productId, o.provider, o.userId, o.telegramId, o.lang, o.amount, o.listPrice, o.credits, o.promo?.id ?? null, o.refCode ?? null, o.test, o.idempotenceKey, o.expiresAt],
      );
    } catch (error) {
      throw isUniqueViolation(error) ? orderKeyTaken() : error;
    }
    const order = toShopOrder(row);
    if (o.promo) {
      try {
        await q(tx, 'INSERT INTO promo_redemptions (promo_code_id, order_id, buyer) VALUES ($1, $2, $3)', [o.promo.id, order.id, o.promo.buyer]);
      } catch (error) {
        if (isUniqueViolation(error)) throw promoAlreadyUsed(o.promo.id);
        throw error;
      }
    }
    return order;
  });
}

export async function markOrderPending(db: Queryable, id: number, link: { payUrl: string; providerOrderId?: string; test?: boolean }): Promise<ShopOrderRecord | undefined> {
  if (!isRowId(id)) return undefined;
  const [row] = await q(
    db,
    `UPDATE orders SET status = 'pending', pay_url = $2, provider_order_id = coalesce($3, provider_order_id), test = coalesce($4, test), updated_at = now()
     WHERE id = $1 AND status = 'created' RETURNING *`,
    [id, link.payUrl, link.providerOrderId ?? null, link.test ?? null],
  );
  return row && toShopOrder(row);
}

/** Gives back the promo uses of these orders: their redemptions go, each code's `uses` drops by as many (codes in id order, so two callers never deadlock). */
export async function releasePromoUses(tx: Queryable, orderIds: number[]): Promise<void> {
  if (orderIds.length === 0) return;
  const freed = await q(tx, 'DELETE FROM promo_redemptions WHERE order_id = ANY($1::bigint[]) RETURNING promo_code_id', [orderIds]);
  const counts = new Map<number, number>();
  for (const r of freed) counts.set(Number(r.promo_code_id), (counts.get(Number(r.promo_code_id)) ?? 0) + 1);
  for (const [id, n] of [...counts].sort((a, b) => a[0] - b[0])) await q(tx, 'UPDATE promo_codes SET uses = uses - $2 WHERE id = $1', [id, n]);
}

/** created|pending → failed, the promo use given back; undefined when the order is not open (or missing). */
export function failOrder(pool: pg.Pool, id: number, reason: string): Promise<ShopOrderRecord | undefined> {
  if (!isRowId(id)) return Promise.resolve(undefined);
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, `UPDATE orders SET status = 'failed', fail_reason = $2, updated_at = now() WHERE id = $1 AND status IN ${OPEN} RETURNING *`, [id, reason]);
    if (!row) return undefined;
    await releasePromoUses(tx, [id]);
    return toShopOrder(row);
  });
}

/** Open orders past expiry → expired, their promo uses given back. Rows a fulfilment holds are skipped (it decides them). */
export function expireOrders(pool: pg.Pool, now: string, limit: number): Promise<ShopOrderRecord[]> {
  return withTransaction(pool, async (tx) => {
    const rows = await q(
      tx,
      `UPDATE orders SET status = 'expired', updated_at = now()
       WHERE id IN (SELECT id FROM orders WHERE status IN ${OPEN} AND expires_at <= $1 ORDER BY expires_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
         AND status IN ${OPEN} RETURNING *`,
      [now, limit],
    );
    const orders = rows.map(toShopOrder).sort((a, b) => a.id - b.id);
    await releasePromoUses(tx, orders.filter((o) => o.promoCodeId !== null).map((o) => o.id));
    return orders;
  });
}

export async function listPendingOrders(db: Queryable, before: string, limit: number): Promise<ShopOrderRecord[]> {
  return (await q(db, "SELECT * FROM orders WHERE status = 'pending' AND created_at < $1 ORDER BY id LIMIT $2", [before, limit])).map(toShopOrder);
}

/** The sealed key once: the row is locked, read and cleared in one transaction; a concurrent reveal waits, then finds it gone. */
export function revealOrderKey(pool: pg.Pool, id: number): Promise<string | undefined> {
  if (!isRowId(id)) return Promise.resolve(undefined);
  return withTransaction(pool, async (tx) => {
    const [row] = await q(tx, 'SELECT sealed_key FROM orders WHERE id = $1 AND sealed_key IS NOT NULL FOR UPDATE', [id]);
    if (!row) return undefined;
    await q(tx, 'UPDATE orders SET sealed_key = NULL, key_revealed_at = now(), updated_at = now() WHERE id = $1', [id]);
    return String(row.sealed_key);
  });
}

/** paid → refunded for the order this payment paid; the order as it is when it was refunded before, undefined without one. */
export async function markOrderRefunded(db: Queryable, paymentId: number): Promise<ShopOrderRecord | undefined> {
  if (!isRowId(paymentId)) return undefined;
  const [row] = await q(db, "UPDATE orders SET status = 'refunded', updated_at = now() WHERE payment_id = $1 AND status = 'paid' RETURNING *", [paymentId]);
  if (row) return toShopOrder(row);
  const [existing] = await q(db, 'SELECT * FROM orders WHERE payment_id = $1', [paymentId]);
  return existing && toShopOrder(existing);
}

export async function listUserPayments(db: Queryable, userId: number, limit: number): Promise<PaymentRecord[]> {
  return (await q(db, 'SELECT * FROM payments WHERE user_id = $1 ORDER BY id DESC LIMIT $2', [userId, limit])).map(toPayment);
}
