/**
 * The store's billing part: the products catalogue and payments (see types.ts for the whole store).
 */
import type { NewLicense, Actor } from './types.js';

export type ProductKind = 'credits' | 'license';

/** A catalogue entry: a credit pack (`credits`) or a license plan (`plan` + `ttlDays`). */
export interface ProductRecord {
  id: number;
  kind: ProductKind;
  /** Stable slug (`credits-10`) that scripts and invoices name. */
  code: string;
  titleRu: string;
  titleEn: string;
  credits: number | null;
  plan: string | null;
  ttlDays: number | null;
  /** In kopecks: 29000 is 290.00 RUB. */
  priceRub: number;
  /** Whole Telegram Stars (XTR). */
  priceStars: number;
  enabled: boolean;
  sort: number;
  createdAt: string;
  updatedAt: string;
}

export type NewProduct = Omit<ProductRecord, 'id' | 'createdAt' | 'updatedAt'>;

/** The fields an edit may change (kind and code are fixed once created). */
export type ProductPatch = Partial<Pick<ProductRecord, 'titleRu' | 'titleEn' | 'credits' | 'plan' | 'ttlDays' | 'priceRub' | 'priceStars' | 'enabled' | 'sort'>>;

/** The products catalogue; every change is audited in its transaction. */
export interface ProductStore {
  /** Products by `sort`, then id; only enabled ones with `enabledOnly`. */
  listProducts(filter?: { enabledOnly?: boolean }): Promise<ProductRecord[]>;
  findProduct(id: number): Promise<ProductRecord | undefined>;
  findProductByCode(code: string): Promise<ProductRecord | undefined>;
  /** Throws ConflictError `product_code_taken` when the code exists. */
  addProduct(product: NewProduct, by: Actor): Promise<ProductRecord>;
  /** Undefined when there is no such product. */
  updateProduct(id: number, patch: ProductPatch, by: Actor): Promise<ProductRecord | undefined>;
}

export type PaymentStatus = 'pending' | 'paid' | 'rejected' | 'refund_requested' | 'refunded';

/** A payment row: one per provider event, unique on (provider, providerPaymentId). */
export interface PaymentRecord {
  id: number;
  provider: string;
  /** For Telegram Stars: telegram_payment_charge_id. */
  providerPaymentId: string;
  /** For Telegram Stars: provider_payment_charge_id. */
  providerChargeId: string | null;
  userId: number | null;
  productId: number | null;
  /** The card order this payment is for (null for Stars, and for a notification naming no known order). */
  orderId: number | null;
  /** As the provider stated it ("150" Stars, "290.00" RUB). */
  amount: string;
  currency: string;
  /** Credits this payment granted (0 for a license or a rejected payment). */
  credits: number;
  status: PaymentStatus;
  payload: string | null;
  licenseId: number | null;
  keySentAt: string | null;
  rejectReason: string | null;
  createdAt: string;
  paidAt: string | null;
  fulfilledAt: string | null;
  refundRequestedAt: string | null;
  refundError: string | null;
  refundedAt: string | null;
}

/**
 * A confirmed payment to record and fulfil in one transaction: exactly one of `credits`,
 * `license` (a key the caller generated; only its hash arrives here) or `rejectReason`.
 */
export interface PaymentInput extends Actor {
  provider: string;
  providerPaymentId: string;
  providerChargeId?: string;
  telegramId: number;
  productId: number | null;
  amount: string;
  currency: string;
  payload: string;
  credits?: number;
  license?: NewLicense;
  rejectReason?: string;
  /** REFERRAL_BONUS_CREDITS: paid to both sides when this is a referred buyer's first fulfilled payment. */
  referralBonus?: number;
}

/** What recording a payment did: `created` is false on a replay (nothing granted again). */
export interface PaymentOutcome {
  payment: PaymentRecord;
  created: boolean;
  /** The buyer's balance after this call. */
  balance: number;
}

/** What completing a refund did: `refunded` is false when it was refunded before. */
export interface RefundOutcome {
  payment: PaymentRecord;
  refunded: boolean;
  /** Credits taken back by this call (0 on a repeat, for a license, or a rejected payment). */
  debited: number;
  balance: number | null;
}

/** Payments: recorded and fulfilled once, refunded once. */
export interface PaymentStore {
  /** Inserts the payment unless (provider, id) exists, and in the same transaction grants what it bought. */
  recordPayment(input: PaymentInput): Promise<PaymentOutcome>;
  findPayment(provider: string, providerPaymentId: string): Promise<PaymentRecord | undefined>;
  findPaymentById(id: number): Promise<PaymentRecord | undefined>;
  /** Payments by status and provider (newest first), e.g. refunds still waiting on the provider. */
  listPayments(filter: { status?: PaymentStatus; provider?: string; limit?: number }): Promise<PaymentRecord[]>;
  /** Records that the caller delivered the license key of this payment. */
  markKeySent(paymentId: number): Promise<void>;
  /** paid/rejected → refund_requested (repeatable); throws NotFound, or Conflict when refunded. */
  requestRefund(provider: string, providerPaymentId: string, by: Actor): Promise<PaymentRecord>;
  /** Keeps the refund requested and records why the provider call failed. */
  failRefund(provider: string, providerPaymentId: string, error: string): Promise<void>;
  /** Marks the payment refunded and writes the compensating ledger row, once. */
  completeRefund(provider: string, providerPaymentId: string, by: Actor): Promise<RefundOutcome>;
}

/** Sales figures for the admin's /stats: credits sold (payments still `paid`) and payments since a moment. */
export interface SalesStats {
  users: number;
  creditsSold: { since: number; total: number };
  /** Payments recorded since the moment, by their status now; `stars` sums the paid Stars ones. */
  paymentsSince: { paid: number; rejected: number; refunded: number; stars: number };
}

/** Read-only counts for admins. */
export interface StatsStore {
  /** `since` is an ISO timestamp (the bot passes the start of the UTC day). */
  salesStats(since: string): Promise<SalesStats>;
}
