/** Row → record mapping for the billing tables, shared by both adapters (like rows.ts). */
import { ConflictError, NotFoundError } from '../errors.js';
import type { PaymentRecord, ProductPatch, ProductRecord } from './types.js';

type Row = Record<string, unknown>;

const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A `products` row as a ProductRecord. */
export function toProduct(row: Row): ProductRecord {
  return {
    id: Number(row.id),
    kind: row.kind as ProductRecord['kind'],
    code: String(row.code),
    titleRu: String(row.title_ru),
    titleEn: String(row.title_en),
    credits: numOrNull(row.credits),
    plan: str(row.plan),
    ttlDays: numOrNull(row.ttl_days),
    priceRub: Number(row.price_rub),
    priceStars: Number(row.price_stars),
    enabled: Boolean(row.enabled),
    sort: Number(row.sort),
    createdAt: String(row.created_at),
    updatedAt: String(row.updated_at),
  };
}

/** A `payments` row as a PaymentRecord. */
export function toPayment(row: Row): PaymentRecord {
  return {
    id: Number(row.id),
    provider: String(row.provider),
    providerPaymentId: String(row.provider_payment_id),
    providerChargeId: str(row.provider_charge_id),
    userId: numOrNull(row.user_id),
    productId: numOrNull(row.product_id),
    orderId: numOrNull(row.order_id),
    amount: String(row.amount),
    currency: String(row.currency),
    credits: Number(row.credits),
    status: row.status as PaymentRecord['status'],
    payload: str(row.payload),
    licenseId: numOrNull(row.license_id),
    keySentAt: str(row.key_sent_at),
    rejectReason: str(row.reject_reason),
    createdAt: String(row.created_at),
    paidAt: str(row.paid_at),
    fulfilledAt: str(row.fulfilled_at),
    refundRequestedAt: str(row.refund_requested_at),
    refundError: str(row.refund_error),
    refundedAt: str(row.refunded_at),
  };
}

/** Column names of ProductPatch fields: the only product columns an edit may touch. */
export const PRODUCT_COLUMNS: Record<keyof ProductPatch, string> = {
  titleRu: 'title_ru',
  titleEn: 'title_en',
  credits: 'credits',
  plan: 'plan',
  ttlDays: 'ttl_days',
  priceRub: 'price_rub',
  priceStars: 'price_stars',
  enabled: 'enabled',
  sort: 'sort',
};

/** The refusal when a product code is already used. */
export function productCodeTaken(code: string): ConflictError {
  return new ConflictError('product_code_taken', `a product with code ${code} exists — pick another code, or edit that one with \`ttops products edit ${code}\``, { context: { code } });
}

/** The refusal when no payment has this id. */
export function paymentNotFound(provider: string, id: string): NotFoundError {
  return new NotFoundError('payment_not_found', `no ${provider} payment with charge id ${id} — check the id (\`ttops status\` and the audit log list payments)`, { context: { provider, id } });
}

/** Why a payment in this state cannot be refunded (refunded already, or never paid). */
export function refundRefusal(p: PaymentRecord): ConflictError {
  return p.status === 'refunded'
    ? new ConflictError('payment_already_refunded', `payment ${p.providerPaymentId} was refunded at ${p.refundedAt} — nothing more to do`, { context: { payment_id: p.id } })
    : new ConflictError('payment_not_paid', `payment ${p.providerPaymentId} is ${p.status}, so there is nothing to refund`, { context: { payment_id: p.id, status: p.status } });
}

/** Statuses a refund may start from (or be repeated in). */
export const REFUNDABLE = ['paid', 'rejected', 'refund_requested'] as const;
