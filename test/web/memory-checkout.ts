/**
 * A test double of our own Checkout interface (src/orders/types.ts), in memory, so the
 * routes and pages can be tested while the real checkout is written: a two-product
 * catalogue, orders with a "paid" flip, promo refusals, signed expiring status links, and a
 * license key revealed exactly once. Credits and the cabinet's account data go through the
 * real store, so the pages show what the real accounts hold.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../../src/errors.js';
import type { Buyer, CabinetView, Checkout, CreatedOrder, CreateOrderInput, OrderView, ProductView } from '../../src/orders/types.js';
import type { OrderProvider, OrderStatus } from '../../src/store/order-types.js';
import type { Store } from '../../src/store/types.js';

interface Product {
  id: number;
  kind: 'credits' | 'license';
  code: string;
  titleRu: string;
  titleEn: string;
  price: number;
  stars: number;
  credits: number | null;
  plan: string | null;
  ttlDays: number | null;
}

/** The catalogue: a license plan and a credit pack (ids 1 and 2). */
export const PRODUCTS: Product[] = [
  { id: 1, kind: 'license', code: 'license-pro-30', titleRu: 'Pro на 30 дней', titleEn: 'Pro for 30 days', price: 29_000, stars: 150, credits: null, plan: 'pro', ttlDays: 30 },
  { id: 2, kind: 'credits', code: 'credits-10', titleRu: '10 кредитов <b>', titleEn: '10 credits <b>', price: 49_000, stars: 250, credits: 10, plan: null, ttlDays: null },
];

/** Promo codes the double knows: SALE10 is 10% off; the others refuse with their code. */
const PROMOS: Record<string, { percent?: number; refuse?: string }> = {
  SALE10: { percent: 10 },
  OLDCODE: { refuse: 'promo_expired' },
  USEDUP: { refuse: 'promo_exhausted' },
};

interface MemoryOrder {
  id: number;
  product: Product;
  provider: OrderProvider;
  status: OrderStatus;
  userId: number | null;
  amount: number;
  promo: string | null;
  ref: string | null;
  lang: 'ru' | 'en';
  createdAt: string;
  expiresAt: string;
  paidAt: string | null;
  /** The issued key while it waits to be shown; null once shown. */
  sealedKey: string | null;
  keyRevealed: boolean;
  licenseExpiresAt: string | null;
  credits: number;
}

const rub = (kopecks: number) => (kopecks / 100).toFixed(2);

/** What the double needs from the test. */
export interface MemoryCheckoutOptions {
  store: Store;
  /** Base of status links (the app's public URL; read per call, it may follow a bound port). */
  serverHost: () => string;
  /** Base of pay links (a fake provider page). */
  payBase: () => string;
  providers?: OrderProvider[];
  /** Seconds a status link stays valid. */
  linkTtlSeconds?: number;
}

/** An in-memory Checkout with the real one's refusals and the once-only key. */
export class MemoryCheckout implements Checkout {
  readonly orders = new Map<number, MemoryOrder>();
  /** Every createOrder call, as received (tests assert what the routes passed). */
  readonly calls: { input: CreateOrderInput; buyer: Buyer }[] = [];
  /** Every key issued, by order (kept after the reveal, so a test can look for it on a page). */
  readonly issuedKeys = new Map<number, string>();
  private nextId = 1;
  private readonly secret = randomBytes(32);
  private readonly promoUsers = new Set<string>();

  constructor(private readonly options: MemoryCheckoutOptions) {}

  async products(lang: 'ru' | 'en'): Promise<ProductView[]> {
    return PRODUCTS.map((p) => this.productView(p, lang));
  }

  providers(): OrderProvider[] {
    return this.options.providers ?? ['robokassa', 'yookassa'];
  }

  async createOrder(input: CreateOrderInput, buyer: Buyer): Promise<CreatedOrder> {
    this.calls.push({ input: { ...input }, buyer: { ...buyer } });
    const product = PRODUCTS.find((p) => p.id === input.product_id);
    if (!product) throw new NotFoundError('product_not_found', `no product ${input.product_id} — GET /v2/products lists them`);
    if (!this.providers().includes(input.provider)) throw new InvalidInputError('provider_unavailable', `${input.provider} is not configured — pick another provider`);
    if (product.kind === 'credits' && !buyer.userId) throw new AuthError('account_required', 'credit packs go to an account — log in first');
    let amount = product.price;
    let promo: string | null = null;
    if (input.promo_code !== undefined) {
      promo = input.promo_code.trim().toUpperCase();
      const rule = PROMOS[promo];
      if (!rule) throw new NotFoundError('promo_not_found', `no promo code ${promo}`);
      if (rule.refuse) throw new ConflictError(rule.refuse, `promo code ${promo} cannot be used (${rule.refuse})`);
      const key = `${promo}:${buyer.userId ?? 'anon'}`;
      if (buyer.userId && this.promoUsers.has(key)) throw new ConflictError('promo_already_used', `you have already used ${promo}`);
      this.promoUsers.add(key);
      amount = Math.round((amount * (100 - rule.percent!)) / 100);
    }
    const id = this.nextId++;
    const now = new Date();
    this.orders.set(id, {
      id,
      product,
      provider: input.provider,
      status: 'pending',
      userId: buyer.userId ?? null,
      amount,
      promo,
      ref: input.ref ?? null,
      lang: input.lang ?? 'ru',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      paidAt: null,
      sealedKey: null,
      keyRevealed: false,
      licenseExpiresAt: null,
      credits: product.credits ?? 0,
    });
    return { order_id: id, amount: rub(amount), pay_url: `${this.options.payBase()}/pay/${id}`, status_url: this.statusUrl(id) };
  }

  async orderByLink(id: number, exp: number, sig: string, options: { reveal?: boolean } = {}): Promise<OrderView> {
    const expected = this.sign(id, exp);
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new ForbiddenError('link_invalid', 'this order link is not valid — open the whole link');
    if (exp * 1000 <= Date.now()) throw new ConflictError('link_expired', 'this order link has expired — your orders are in your account', { status: 410 });
    const order = this.orders.get(id);
    if (!order) throw new NotFoundError('order_not_found', `no order ${id}`);
    const view = this.view(order);
    if (order.status === 'paid' && order.product.kind === 'license') {
      if (order.sealedKey && options.reveal === false) {
        view.delivered!.license_delivery = 'ready';
      } else if (order.sealedKey) {
        view.delivered!.license_key = order.sealedKey;
        view.delivered!.license_delivery = 'shown_now';
        order.sealedKey = null;
        order.keyRevealed = true;
      } else {
        view.delivered!.license_delivery = 'shown_before';
      }
    }
    return view;
  }

  async orderForOwner(id: number, userId: number): Promise<OrderView> {
    const order = this.orders.get(id);
    if (!order || order.userId !== userId) throw new NotFoundError('order_not_found', `no order ${id} of yours`);
    const view = this.view(order);
    if (order.status === 'paid' && order.product.kind === 'license' && order.keyRevealed) view.delivered!.license_delivery = 'shown_before';
    return view;
  }

  statusUrl(orderId: number): string {
    return this.linkWithExpiry(orderId, Math.floor(Date.now() / 1000) + (this.options.linkTtlSeconds ?? 3600));
  }

  /** A correctly signed status link with a chosen expiry (epoch seconds), e.g. one already past. */
  linkWithExpiry(orderId: number, exp: number): string {
    return `${this.options.serverHost()}/orders/${orderId}?exp=${exp}&sig=${this.sign(orderId, exp).toString()}`;
  }

  async cabinet(userId: number): Promise<CabinetView> {
    const user = await this.options.store.findUserById(userId);
    if (!user) throw new NotFoundError('user_not_found', `no user ${userId}`);
    const mine = [...this.orders.values()].filter((o) => o.userId === userId).sort((a, b) => b.id - a.id);
    const expires = user.licenseExpiresAt;
    return {
      username: user.username ?? `#${user.id}`,
      credits: user.credits,
      plan: user.plan,
      license_expires_at: expires,
      license_active: expires !== null && Date.parse(expires) > Date.now(),
      referral_code: `R${String(userId).padStart(7, '0')}`,
      orders: mine.map((o) => this.view(o)),
      receipts: mine
        .filter((o) => o.status === 'paid')
        .map((o) => ({ payment_id: 1000 + o.id, provider: o.provider, amount: rub(o.amount), currency: 'RUB', status: 'paid', paid_at: o.paidAt })),
    };
  }

  /** The provider's notification arrived: the order is paid, and what it sells is issued (credits through the real store). */
  async markPaid(id: number): Promise<void> {
    const order = this.orders.get(id);
    if (!order) throw new Error(`no order ${id}`);
    if (order.status === 'paid') return;
    order.status = 'paid';
    order.paidAt = new Date().toISOString();
    if (order.product.kind === 'license') {
      const group = () => randomBytes(3).toString('hex').slice(0, 4).toUpperCase();
      order.sealedKey = `TTB-${group()}-${group()}-${group()}`;
      this.issuedKeys.set(id, order.sealedKey);
      order.licenseExpiresAt = new Date(Date.now() + order.product.ttlDays! * 86_400_000).toISOString();
    }
    if (order.credits > 0 && order.userId) await this.options.store.grantCredits(order.userId, order.credits, `order ${id}`, { actor: 'test:memory-checkout' });
  }

  /** The provider said no. */
  markFailed(id: number): void {
    const order = this.orders.get(id);
    if (order) order.status = 'failed';
  }

  /** The key an order issued, while it is still unrevealed (tests compare the page with it). */
  pendingKey(id: number): string | null {
    return this.orders.get(id)?.sealedKey ?? null;
  }

  private sign(id: number, exp: number): Buffer {
    return Buffer.from(createHmac('sha256', this.secret).update(`${id}:${exp}`).digest('base64url'));
  }

  private productView(p: Product, lang: 'ru' | 'en'): ProductView {
    return {
      id: p.id,
      kind: p.kind,
      code: p.code,
      title: lang === 'en' ? p.titleEn : p.titleRu,
      title_ru: p.titleRu,
      title_en: p.titleEn,
      price_rub: rub(p.price),
      price_stars: p.stars,
      credits: p.credits,
      plan: p.plan,
      ttl_days: p.ttlDays,
    };
  }

  private view(o: MemoryOrder): OrderView {
    const paid = o.status === 'paid';
    return {
      order_id: o.id,
      status: o.status,
      product: this.productView(o.product, o.lang),
      provider: o.provider,
      amount: rub(o.amount),
      list_price: rub(o.product.price),
      promo_code: o.promo,
      test: true,
      created_at: o.createdAt,
      expires_at: o.expiresAt,
      paid_at: o.paidAt,
      delivered: paid ? { credits: o.credits, ...(o.licenseExpiresAt ? { license_expires_at: o.licenseExpiresAt } : {}) } : null,
    };
  }
}
