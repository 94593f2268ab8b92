/** Row → record mapping for the checkout tables (orders, promo codes), shared by both adapters (like billing-rows.ts). */
import type { OrderProvider, OrderStatus, PromoKind, PromoRecord, ShopOrderRecord } from './order-types.js';

type Row = Record<string, unknown>;

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** An `orders` row as a ShopOrderRecord: the sealed key itself never leaves the store this way, only whether one waits. */
export function toShopOrder(row: Row): ShopOrderRecord {
  return {
    id: Number(row.id),
    productId: Number(row.product_id),
    provider: row.provider as OrderProvider,
    status: row.status as OrderStatus,
    userId: numOrNull(row.user_id),
    telegramId: numOrNull(row.telegram_id),
    lang: row.lang === 'en' ? 'en' : 'ru',
    amount: Number(row.amount),
    listPrice: Number(row.list_price),
    credits: Number(row.credits),
    promoCodeId: numOrNull(row.promo_code_id),
    refCode: str(row.ref_code),
    test: Boolean(row.test),
    providerOrderId: str(row.provider_order_id),
    idempotenceKey: String(row.idempotence_key),
    payUrl: str(row.pay_url),
    paymentId: numOrNull(row.payment_id),
    licenseId: numOrNull(row.license_id),
    keyPending: row.sealed_key !== null && row.sealed_key !== undefined,
    keyRevealedAt: str(row.key_revealed_at),
    failReason: str(row.fail_reason),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
    expiresAt: String(row.expires_at),
    paidAt: str(row.paid_at),
  };
}

/** A `promo_codes` row as a PromoRecord. */
export function toPromo(row: Row): PromoRecord {
  return {
    id: Number(row.id),
    code: String(row.code),
    kind: row.kind as PromoKind,
    value: Number(row.value),
    maxUses: numOrNull(row.max_uses),
    uses: Number(row.uses),
    expiresAt: str(row.expires_at),
    enabled: Boolean(row.enabled),
    createdAt: String(row.created_at),
  };
}

/** Statuses an order leaves for failed or expired (and gives its promo use back). */
export const OPEN_ORDER_STATUSES = ['created', 'pending'] as const;
/** Payment statuses that mean "this buyer has paid": a referral is only made and paid before the first of them. */
export const FULFILLED_PAYMENT_STATUSES = ['paid', 'refund_requested', 'refunded'] as const;

/** `('a', 'b')` for an IN list of fixed statuses (never user input). */
export const sqlList = (values: readonly string[]): string => `(${values.map((s) => `'${s}'`).join(', ')})`;
