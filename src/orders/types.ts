/**
 * The checkout as the API routes and the web pages see it: the catalogue, making an order,
 * an order's state behind its signed link, and the buyer's cabinet. Field names are the API's
 * (snake_case), so the routes return these objects as they are.
 */
import type { OrderProvider, OrderStatus } from '../store/order-types.js';
import type { ProductKind } from '../store/billing-types.js';

/** A catalogue entry as `GET /v2/products` lists it. */
export interface ProductView {
  id: number;
  kind: ProductKind;
  code: string;
  title: string;
  title_ru: string;
  title_en: string;
  /** Rubles with two decimals ("290.00"). */
  price_rub: string;
  price_stars: number;
  credits: number | null;
  plan: string | null;
  ttl_days: number | null;
}

/** `POST /v2/orders` body (the buyer's account, when known, comes from the token or the cabinet cookie). */
export interface CreateOrderInput {
  product_id: number;
  provider: OrderProvider;
  promo_code?: string;
  ref?: string;
  lang?: 'ru' | 'en';
}

/** Who is buying: an account, a Telegram user, or nobody known (a license bought on `/buy`). */
export interface Buyer {
  userId?: number;
  telegramId?: number;
}

/** `POST /v2/orders` answer. */
export interface CreatedOrder {
  order_id: number;
  /** Rubles with two decimals, after any discount. */
  amount: string;
  pay_url: string;
  /** Signed, expiring link to the order: JSON with `Accept: application/json`, the return page otherwise. */
  status_url: string;
}

/** An order's state, and once paid what it delivered. */
export interface OrderView {
  order_id: number;
  status: OrderStatus;
  product: ProductView;
  provider: OrderProvider;
  amount: string;
  list_price: string;
  promo_code: string | null;
  test: boolean;
  created_at: string;
  expires_at: string;
  paid_at: string | null;
  /** Once paid: credits granted, and for a license whether the key was shown, sent to Telegram, or is shown now. */
  delivered: null | {
    credits: number;
    /** The key itself: only in the one answer that reveals it. */
    license_key?: string;
    license_expires_at?: string;
    /**
     * `ready` (issued, not shown yet: the order's page shows it once, when the buyer asks),
     * `shown_now`, `shown_before`, `sent_to_telegram`, or absent for credits.
     */
    license_delivery?: 'ready' | 'shown_now' | 'shown_before' | 'sent_to_telegram';
  };
}

/** What the cabinet shows a logged-in buyer. */
export interface CabinetView {
  username: string;
  credits: number;
  plan: string | null;
  license_expires_at: string | null;
  license_active: boolean;
  referral_code: string;
  orders: OrderView[];
  receipts: Array<{ payment_id: number; provider: string; amount: string; currency: string; status: string; paid_at: string | null }>;
}

/** What the routes and pages call; implemented by src/orders/checkout.ts. */
export interface Checkout {
  /** Enabled products, in catalogue order. */
  products(lang: 'ru' | 'en'): Promise<ProductView[]>;
  /** Providers whose credentials are configured, in the order the shop offers them. */
  providers(): OrderProvider[];
  /**
   * Throws TtopsError with a stable code: product_not_found, provider_unavailable, account_required, promo_*, provider_failed,
   * idempotency_key_reused. With `idempotencyKey` a retry of the same purchase answers the same order.
   */
  createOrder(input: CreateOrderInput, buyer: Buyer, options?: { idempotencyKey?: string }): Promise<CreatedOrder>;
  /**
   * The order behind a signed link; reveals an issued license key exactly once, unless
   * `reveal` is false (a page view, which a link preview may make: the key waits for a click).
   * Throws `link_invalid` / `link_expired` / `order_not_found`.
   */
  orderByLink(id: number, exp: number, sig: string, options?: { reveal?: boolean }): Promise<OrderView>;
  /** The order for its owner (Bearer); never reveals a key. Throws `order_not_found` (also for another user's order). */
  orderForOwner(id: number, userId: number): Promise<OrderView>;
  /** The signed status link of an order. */
  statusUrl(orderId: number): string;
  cabinet(userId: number): Promise<CabinetView>;
}
