/**
 * SQLite SQL for card orders: opened with their promo use in one immediate transaction,
 * marked pending, failed or expired (giving the use back), their key revealed once.
 * Fulfilment is in fulfil.ts. SQLite has one writer, so an immediate transaction decides
 * each change alone; the conditional UPDATEs say the same rules as on PostgreSQL.
 */
import { toPayment } from '../billing-rows.js';
import { OPEN_ORDER_STATUSES, sqlList, toShopOrder } from '../checkout-rows.js';
import { orderKeyTaken, promoAlreadyUsed, promoRefusal } from '../checkout-rules.js';
import { isRowId } from '../rows.js';
import type { NewShopOrder, OrderStatus, PaymentRecord, ShopOrderRecord } from '../types.js';
import { isUniqueViolation, type SqliteDb } from './db.js';
import { findPromoById } from './promos.js';

type Row = Record<string, unknown>;
const OPEN = sqlList(OPEN_ORDER_STATUSES);
const iso = (t?: string) => (t === undefined ? new Date() : new Date(t)).toISOString();

export function findShopOrder(db: SqliteDb, id: number): ShopOrderRecord | undefined {
  if (!isRowId(id)) return undefined;
  const row = db.prepare('SELECT * FROM orders WHERE id = ?').get(id) as Row | undefined;
  return row && toShopOrder(row);
}

export function findShopOrderByKey(db: SqliteDb, key: string): ShopOrderRecord | undefined {
  const row = db.prepare('SELECT * FROM orders WHERE idempotence_key = ?').get(key) as Row | undefined;
  return row && toShopOrder(row);
}

export function listShopOrders(db: SqliteDb, filter: { userId?: number; status?: OrderStatus; limit?: number }): ShopOrderRecord[] {
  const rows = db
    .prepare('SELECT * FROM orders WHERE (@user IS NULL OR user_id = @user) AND (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit')
    .all({ user: filter.userId ?? null, status: filter.status ?? null, limit: filter.limit ?? -1 }) as Row[];
  return rows.map(toShopOrder);
}

/** Takes the promo use (conditional UPDATE), inserts the order and the redemption; any refusal rolls all of it back. */
export function openOrder(db: SqliteDb, o: NewShopOrder): ShopOrderRecord {
  return db
    .transaction(() => {
      const now = iso();
      if (o.promo) {
        const taken = db
          .prepare('UPDATE promo_codes SET uses = uses + 1 WHERE id = ? AND enabled = 1 AND (max_uses IS NULL OR uses < max_uses) AND (expires_at IS NULL OR expires_at > ?) RETURNING id')
          .get(o.promo.id, now);
        if (!taken) throw promoRefusal(findPromoById(db, o.promo.id), now);
      }
      let row: Row;
      try {
        row = db
          .prepare(
            `INSERT INTO orders (product_id, provider, user_id, telegram_id, lang, amount, list_price, credits, promo_code_id, ref_code, test, idempotence_key, expires_at, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
          )
          .get(o.productId, o.provider, o.userId, o.telegramId, o.lang, o.amount, o.listPrice, o.credits, o.promo?.id ?? null, o.refCode ?? null, Number(o.test), o.idempotenceKey, iso(o.expiresAt), now, now) as Row;
      } catch (error) {
        throw isUniqueViolation(error) ? orderKeyTaken() : error;
      }
      const order = toShopOrder(row);
      if (o.promo) {
        try {
          db.prepare('INSERT INTO promo_redemptions (promo_code_id, order_id, buyer, created_at) VALUES (?, ?, ?, ?)').run(o.promo.id, order.id, o.promo.buyer, now);
        } catch (error) {
          throw isUniqueViolation(error) ? promoAlreadyUsed(o.promo.id) : error;
        }
      }
      return order;
    })
    .immediate();
}

export function markOrderPending(db: SqliteDb, id: number, link: { payUrl: string; providerOrderId?: string; test?: boolean }): ShopOrderRecord | undefined {
  if (!isRowId(id)) return undefined;
  const row = db
    .prepare("UPDATE orders SET status = 'pending', pay_url = ?, provider_order_id = coalesce(?, provider_order_id), test = coalesce(?, test), updated_at = ? WHERE id = ? AND status = 'created' RETURNING *")
    .get(link.payUrl, link.providerOrderId ?? null, link.test === undefined ? null : Number(link.test), iso(), id) as Row | undefined;
  return row && toShopOrder(row);
}

/** Gives back the promo uses of these orders: their redemptions go, each code's `uses` drops by one per order. */
export function releasePromoUses(db: SqliteDb, orderIds: number[]): void {
  const release = db.prepare('DELETE FROM promo_redemptions WHERE order_id = ? RETURNING promo_code_id');
  const drop = db.prepare('UPDATE promo_codes SET uses = uses - 1 WHERE id = ?');
  for (const id of orderIds) {
    const freed = release.get(id) as Row | undefined;
    if (freed) drop.run(freed.promo_code_id);
  }
}

/** created|pending → failed, the promo use given back; undefined when the order is not open (or missing). */
export function failOrder(db: SqliteDb, id: number, reason: string): ShopOrderRecord | undefined {
  if (!isRowId(id)) return undefined;
  return db
    .transaction(() => {
      const row = db.prepare(`UPDATE orders SET status = 'failed', fail_reason = ?, updated_at = ? WHERE id = ? AND status IN ${OPEN} RETURNING *`).get(reason, iso(), id) as Row | undefined;
      if (!row) return undefined;
      releasePromoUses(db, [id]);
      return toShopOrder(row);
    })
    .immediate();
}

/** Open orders past expiry → expired, their promo uses given back. */
export function expireOrders(db: SqliteDb, now: string, limit: number): ShopOrderRecord[] {
  return db
    .transaction(() => {
      const rows = db
        .prepare(
          `UPDATE orders SET status = 'expired', updated_at = ?
           WHERE id IN (SELECT id FROM orders WHERE status IN ${OPEN} AND expires_at <= ? ORDER BY expires_at, id LIMIT ?) RETURNING *`,
        )
        .all(iso(), iso(now), limit) as Row[];
      const orders = rows.map(toShopOrder).sort((a, b) => a.id - b.id);
      releasePromoUses(db, orders.filter((o) => o.promoCodeId !== null).map((o) => o.id));
      return orders;
    })
    .immediate();
}

export function listPendingOrders(db: SqliteDb, before: string, limit: number): ShopOrderRecord[] {
  return (db.prepare("SELECT * FROM orders WHERE status = 'pending' AND created_at < ? ORDER BY id LIMIT ?").all(iso(before), limit) as Row[]).map(toShopOrder);
}

/** The sealed key once: read and cleared in one immediate transaction (RETURNING would give the cleared value). */
export function revealOrderKey(db: SqliteDb, id: number): string | undefined {
  if (!isRowId(id)) return undefined;
  return db
    .transaction(() => {
      const row = db.prepare('SELECT sealed_key FROM orders WHERE id = ? AND sealed_key IS NOT NULL').get(id) as Row | undefined;
      if (!row) return undefined;
      const now = iso();
      db.prepare('UPDATE orders SET sealed_key = NULL, key_revealed_at = ?, updated_at = ? WHERE id = ?').run(now, now, id);
      return String(row.sealed_key);
    })
    .immediate();
}

/** paid → refunded for the order this payment paid; the order as it is when it was refunded before, undefined without one. */
export function markOrderRefunded(db: SqliteDb, paymentId: number): ShopOrderRecord | undefined {
  if (!isRowId(paymentId)) return undefined;
  const row = db.prepare("UPDATE orders SET status = 'refunded', updated_at = ? WHERE payment_id = ? AND status = 'paid' RETURNING *").get(iso(), paymentId) as Row | undefined;
  const found = row ?? (db.prepare('SELECT * FROM orders WHERE payment_id = ?').get(paymentId) as Row | undefined);
  return found && toShopOrder(found);
}

export function listUserPayments(db: SqliteDb, userId: number, limit: number): PaymentRecord[] {
  return (db.prepare('SELECT * FROM payments WHERE user_id = ? ORDER BY id DESC LIMIT ?').all(userId, limit) as Row[]).map(toPayment);
}
