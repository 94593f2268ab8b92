/**
 * The store's checkout part: orders paid through a card provider (Robokassa, YooKassa, WATA),
 * promo codes and referrals (see types.ts for the whole store). Money is in kopecks.
 *
 * An order is fulfilled by one transaction that also writes its payment row (unique per
 * provider event), so any number of deliveries of one notification grant it once; a promo
 * use and a referral bonus are counted in the transaction that causes them.
 */
import type { Actor, NewLicense, OutboxInsert, PaymentRecord, ProductRecord } from './types.js';

export type OrderProvider = 'robokassa' | 'yookassa' | 'wata';

/** created → pending (pay link made) → paid | failed | expired; paid → refunded. An expired order paid late is still fulfilled. */
export type OrderStatus = 'created' | 'pending' | 'paid' | 'failed' | 'expired' | 'refunded';

/** An order row. `id` is the number the provider sees (Robokassa InvId, WATA orderId, YooKassa metadata.order_id). */
export interface ShopOrderRecord {
  id: number;
  productId: number;
  provider: OrderProvider;
  status: OrderStatus;
  /** The buyer's account, when known (Bearer token, cabinet login, or the Telegram user). */
  userId: number | null;
  /** When set, the buyer came from Telegram and gets what they bought by bot message. */
  telegramId: number | null;
  lang: 'ru' | 'en';
  /** Kopecks to pay, after any discount. */
  amount: number;
  /** The catalogue price when the order was made (kopecks). */
  listPrice: number;
  /** Credits the order grants: the pack plus any promo bonus (0 for a license without bonus). */
  credits: number;
  promoCodeId: number | null;
  /** The inviter's referral code the buyer came with, as given. */
  refCode: string | null;
  /** A test-mode order: only a test-mode notification can pay it, and a test one never pays a live order. */
  test: boolean;
  /** The provider's id for the payment it made for us (YooKassa payment id, WATA link id). */
  providerOrderId: string | null;
  /** Sent as `Idempotence-Key` when creating the payment at the provider; persisted before the call. */
  idempotenceKey: string;
  payUrl: string | null;
  paymentId: number | null;
  licenseId: number | null;
  /** Whether an issued license key still waits to be shown (once) on the return page. */
  keyPending: boolean;
  keyRevealedAt: string | null;
  failReason: string | null;
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
  paidAt: string | null;
}

/** A new order. A promo code is taken (one use, once per buyer) in the same transaction, or the order is not created. */
export interface NewShopOrder {
  productId: number;
  provider: OrderProvider;
  userId: number | null;
  telegramId: number | null;
  lang: 'ru' | 'en';
  amount: number;
  listPrice: number;
  credits: number;
  /** The promo to take a use of; `buyer` says who for the once-per-buyer rule (`user:12`, `tg:345`). */
  promo?: { id: number; buyer: string };
  refCode?: string | null;
  test: boolean;
  idempotenceKey: string;
  expiresAt: string;
}

/**
 * A verified provider notification to fulfil. `providerPaymentId` is the provider's event key
 * (Robokassa: InvId, YooKassa: payment id, WATA: transactionId): the payments row is unique on
 * (provider, providerPaymentId).
 */
export interface FulfilInput extends Actor {
  orderId: number;
  provider: OrderProvider;
  providerPaymentId: string;
  /** The amount as the provider stated it ("100.000000"); stored as received. */
  amount: string;
  /** The same amount in kopecks, compared to the order's. */
  amountKopecks: number;
  currency: string;
  test: boolean;
  /** Credits each side of a referral gets when this is the invitee's first fulfilled payment (0: no referral bonus). */
  referralBonus: number;
  /**
   * What this call grants besides the order's credits, asked at most once, when it is about to
   * fulfil the order, with the order as locked and its product (undefined if it was deleted) —
   * inside the transaction, so it must not do I/O. (On PostgreSQL, an event found recorded for
   * another order after this was asked rolls everything back: nothing it returned is kept.)
   */
  grant?: (order: ShopOrderRecord, product: ProductRecord | undefined) => FulfilGrant;
}

/** A fulfilment's extras: a license key, messages to the buyer. */
export interface FulfilGrant {
  /** For a license product: the key the caller generated (only its hash is stored), and the key sealed for one reveal. */
  license?: NewLicense & { sealedKey: string };
  /** Messages to the buyer, inserted with their delivery jobs. */
  notify?: OutboxInsert[];
}

export type FulfilRejection = 'order_not_found' | 'amount_mismatch' | 'wrong_currency' | 'wrong_provider' | 'test_mode_mismatch' | 'order_already_paid';

/**
 * What fulfilling did: `fulfilled` (this call granted it), `replay` (this provider event was
 * recorded before: nothing granted again), `rejected` (recorded as rejected with `reason`,
 * also on a replay of a rejected event — alert an admin).
 */
export interface FulfilOutcome {
  result: 'fulfilled' | 'replay' | 'rejected';
  reason?: FulfilRejection;
  order: ShopOrderRecord | undefined;
  payment: PaymentRecord;
  /** The buyer's balance after this call (null without an account). */
  balance: number | null;
  /** The inviter rewarded by this call, if any. */
  referralInviterId?: number;
}

export type PromoKind = 'percent' | 'fixed' | 'credits';

/** A promo code: `percent` off (1–100), `fixed` kopecks off, or bonus `credits`. */
export interface PromoRecord {
  id: number;
  /** Stored upper-case; matched case-insensitively. */
  code: string;
  kind: PromoKind;
  value: number;
  /** Null: unlimited. */
  maxUses: number | null;
  /** Uses taken now (an order that expires or fails gives its use back). */
  uses: number;
  expiresAt: string | null;
  enabled: boolean;
  createdAt: string;
}

export type NewPromo = Pick<PromoRecord, 'code' | 'kind' | 'value' | 'maxUses' | 'expiresAt'>;

/** Orders at card providers: made, paid once, expired, refunded. */
export interface ShopOrderStore {
  /**
   * Throws ConflictError `promo_exhausted` | `promo_expired` | `promo_disabled` | `promo_already_used`,
   * or `order_key_taken` when an order with this idempotence key exists (nothing created).
   */
  openOrder(order: NewShopOrder): Promise<ShopOrderRecord>;
  findShopOrder(id: number): Promise<ShopOrderRecord | undefined>;
  /** The order made with this idempotence key (a client's retry of the same purchase). */
  findShopOrderByKey(idempotenceKey: string): Promise<ShopOrderRecord | undefined>;
  /** Newest first. */
  listShopOrders(filter: { userId?: number; status?: OrderStatus; limit?: number }): Promise<ShopOrderRecord[]>;
  /** created → pending with the provider's link; the YooKassa test flag comes from its answer. Undefined when not `created`. */
  markOrderPending(id: number, link: { payUrl: string; providerOrderId?: string; test?: boolean }): Promise<ShopOrderRecord | undefined>;
  /** created|pending → failed (provider refused or cancelled); the promo use comes back. */
  failOrder(id: number, reason: string): Promise<ShopOrderRecord | undefined>;
  /** created|pending orders past expiry → expired (promo uses come back); returns them. */
  expireOrders(now: string, limit: number): Promise<ShopOrderRecord[]>;
  /** pending orders created before `before` (reconciliation asks their provider). */
  listPendingOrders(before: string, limit: number): Promise<ShopOrderRecord[]>;
  /** Records the payment and grants the order, all in one transaction (see FulfilOutcome). */
  fulfilOrder(input: FulfilInput): Promise<FulfilOutcome>;
  /** The sealed license key, exactly once (it is cleared in the same statement); undefined after. */
  revealOrderKey(id: number): Promise<string | undefined>;
  /** Marks a refunded payment's order refunded (the payment store takes the credits back). */
  markOrderRefunded(paymentId: number): Promise<ShopOrderRecord | undefined>;
  /** Payments of one buyer, newest first (the cabinet's receipts). */
  listUserPayments(userId: number, limit: number): Promise<PaymentRecord[]>;
}

/** Promo codes; every change is audited. */
export interface PromoStore {
  /** Throws ConflictError `promo_code_taken`. */
  addPromo(promo: NewPromo, by: Actor): Promise<PromoRecord>;
  listPromos(): Promise<PromoRecord[]>;
  findPromoByCode(code: string): Promise<PromoRecord | undefined>;
  /** Undefined when there is no such code. */
  setPromoEnabled(code: string, enabled: boolean, by: Actor): Promise<PromoRecord | undefined>;
}

/** Referrals: who invited whom, and the bonus paid once on the invitee's first fulfilled payment. */
export interface ReferralStore {
  /** The user's own referral code, made on first ask. */
  referralCodeOf(userId: number): Promise<string>;
  /**
   * Records that `inviteeId` came by `code`; false (nothing changes) for an unknown code, the
   * user's own code, a user who already has an inviter, or one who has paid before.
   */
  attachReferral(inviteeId: number, code: string): Promise<boolean>;
  /** How many the user invited and how many of them have paid. */
  referralStats(userId: number): Promise<{ invited: number; rewarded: number }>;
}
