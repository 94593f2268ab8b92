/**
 * Payments as admins see them (`ttops payments list|show`): the JSON shapes of a payment and
 * of a card order, and one payment with its order and its audit trail. Read-only.
 */
import { NotFoundError } from '../errors.js';
import type { AuditRecord, PaymentRecord, PaymentStatus, ShopOrderRecord, Store } from '../store/types.js';

/** Every status a payments row can have (what `--status` accepts). */
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['pending', 'paid', 'rejected', 'refund_requested', 'refunded'];

/** The JSON shape of a payment. */
export interface PaymentView {
  id: number;
  provider: string;
  provider_payment_id: string;
  status: PaymentStatus;
  amount: string;
  currency: string;
  credits: number;
  user_id: number | null;
  product_id: number | null;
  order_id: number | null;
  license_id: number | null;
  reject_reason: string | null;
  refund_error: string | null;
  created_at: string;
  paid_at: string | null;
  fulfilled_at: string | null;
  refunded_at: string | null;
}

/** A card order without its sealed key (only whether one still waits). */
export interface OrderView {
  id: number;
  product_id: number;
  provider: string;
  status: string;
  user_id: number | null;
  telegram_id: number | null;
  amount: number;
  list_price: number;
  credits: number;
  promo_code_id: number | null;
  ref_code: string | null;
  test: boolean;
  provider_order_id: string | null;
  payment_id: number | null;
  license_id: number | null;
  key_pending: boolean;
  fail_reason: string | null;
  created_at: string;
  expires_at: string;
  paid_at: string | null;
}

/** `ttops payments show`: a payment, its order (null for Stars) and its audit rows, oldest first. */
export interface PaymentDetail {
  payment: PaymentView;
  order: OrderView | null;
  audit: { at: string; actor: string; action: string; subject: string | null; detail: Record<string, unknown> | null }[];
}

/** A PaymentRecord as PaymentView. */
export function paymentView(p: PaymentRecord): PaymentView {
  return {
    id: p.id,
    provider: p.provider,
    provider_payment_id: p.providerPaymentId,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    credits: p.credits,
    user_id: p.userId,
    product_id: p.productId,
    order_id: p.orderId,
    license_id: p.licenseId,
    reject_reason: p.rejectReason,
    refund_error: p.refundError,
    created_at: p.createdAt,
    paid_at: p.paidAt,
    fulfilled_at: p.fulfilledAt,
    refunded_at: p.refundedAt,
  };
}

/** A ShopOrderRecord as OrderView (never the sealed key). */
export function orderView(o: ShopOrderRecord): OrderView {
  return {
    id: o.id,
    product_id: o.productId,
    provider: o.provider,
    status: o.status,
    user_id: o.userId,
    telegram_id: o.telegramId,
    amount: o.amount,
    list_price: o.listPrice,
    credits: o.credits,
    promo_code_id: o.promoCodeId,
    ref_code: o.refCode,
    test: o.test,
    provider_order_id: o.providerOrderId,
    payment_id: o.paymentId,
    license_id: o.licenseId,
    key_pending: o.keyPending,
    fail_reason: o.failReason,
    created_at: o.createdAt,
    expires_at: o.expiresAt,
    paid_at: o.paidAt,
  };
}

const auditView = (a: AuditRecord) => ({ at: a.at, actor: a.actor, action: a.action, subject: a.subject, detail: a.detail });

/** Payments newest first, filtered by status and provider. */
export async function listPaymentViews(store: Pick<Store, 'listPayments'>, filter: { status?: PaymentStatus; provider?: string; limit?: number }): Promise<PaymentView[]> {
  return (await store.listPayments(filter)).map(paymentView);
}

/** One payment, the order it was for, and every audit row about it, its order or its license. */
export async function paymentDetail(store: Pick<Store, 'findPaymentById' | 'findShopOrder' | 'listAuditFor'>, id: number): Promise<PaymentDetail> {
  const payment = await store.findPaymentById(id);
  if (!payment) throw new NotFoundError('payment_not_found', `no payment with id ${id} — \`ttops payments list\` shows ids`);
  const order = payment.orderId === null ? undefined : await store.findShopOrder(payment.orderId);
  const subjects = [`payment:${payment.id}`];
  if (payment.orderId !== null) subjects.push(`order:${payment.orderId}`);
  if (payment.licenseId !== null) subjects.push(`license:${payment.licenseId}`);
  const audit = await store.listAuditFor(subjects, 200);
  return { payment: paymentView(payment), order: order ? orderView(order) : null, audit: audit.map(auditView) };
}
