/**
 * What every card provider module offers the checkout: make a pay link for an order,
 * authenticate a notification into a VerifiedNotice (or refuse it), say the provider's
 * acknowledgement, and look an order up for reconciliation. A module never touches the
 * store: the checkout fulfils what a module verified, in one transaction.
 */
import type { OrderProvider, ShopOrderRecord } from '../store/order-types.js';

/** What a pay link is made from. */
export interface CheckoutRequest {
  orderId: number;
  /** Kopecks. */
  amount: number;
  description: string;
  /** Where the buyer lands after paying (the order's signed status page). */
  returnUrl: string;
  /** Persisted on the order before the call; the same key on every retry. */
  idempotenceKey: string;
  expiresAt: string;
  /** The language of the provider's payment page. */
  lang: 'ru' | 'en';
}

/** A made pay link. */
export interface CheckoutLink {
  payUrl: string;
  /** The provider's id of the payment it made (YooKassa payment id, WATA link id). */
  providerOrderId?: string;
  /** Whether the provider runs this payment in test mode (YooKassa says so in its answer). */
  test: boolean;
}

/** A notification as it arrived: the raw bytes (signatures cover them) and what HTTP said. */
export interface IncomingNotice {
  rawBody: Buffer;
  contentType: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  /** The client address as Fastify resolved it (trustProxy applies). */
  ip: string;
  /** GET notifications carry their fields in the query string. */
  query?: Record<string, string>;
}

/** An authenticated notification, in the checkout's terms. */
export interface VerifiedNotice {
  provider: OrderProvider;
  /** Unique per provider event: Robokassa InvId, YooKassa payment id, WATA transactionId. */
  eventKey: string;
  orderId: number;
  /** As received, never re-formatted ("100.000000"). */
  amount: string;
  /** The same in kopecks. */
  amountKopecks: number;
  currency: string;
  /** Authenticated with the test credentials / reported as a test payment. */
  test: boolean;
  /** `paid`: fulfil. `failed`: the payment was declined or cancelled. `pending`: nothing to do yet. */
  outcome: 'paid' | 'failed' | 'pending';
  /** The fields that matter, secrets left out, for the payment's record and alerts. */
  detail: Record<string, unknown>;
}

/**
 * Why a notification was refused: `bad_signature` (forged or wrong secret), `forbidden_ip`,
 * `malformed` (fields missing or unparsable), `unknown_payment` (the provider does not know it).
 * The route answers 4xx with this code; nothing is recorded.
 */
export type NoticeRefusal = 'bad_signature' | 'forbidden_ip' | 'malformed' | 'unknown_payment';

export type VerifyResult = { ok: true; notice: VerifiedNotice } | { ok: false; reason: NoticeRefusal; message: string };

/** What the route answers the provider once the notice is handled (also on a replay). */
export interface NoticeAck {
  status: number;
  contentType: string;
  body: string;
}

/** One card provider. */
export interface PaymentProvider {
  readonly name: OrderProvider;
  /** Whether new orders run in test mode. */
  readonly test: boolean;
  createCheckout(request: CheckoutRequest): Promise<CheckoutLink>;
  verify(notice: IncomingNotice): Promise<VerifyResult>;
  /** The answer after a handled notice (Robokassa: `OK{InvId}`; the others: 200). */
  ack(notice: VerifiedNotice): NoticeAck;
  /** Asks the provider how an order stands (reconciliation); undefined when it cannot tell. */
  lookup(order: ShopOrderRecord): Promise<VerifiedNotice | undefined>;
  /** Refunds a paid order at the provider; providers without a refund API throw FailureError `refund_manual`. */
  refund(order: ShopOrderRecord, payment: { providerPaymentId: string; amount: string }): Promise<void>;
}
