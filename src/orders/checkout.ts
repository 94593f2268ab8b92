/**
 * The checkout: the catalogue for buyers, making an order (price, promo, pay link), an order
 * seen through its signed link or by its owner, and the buyer's cabinet. Money moves only in
 * fulfil.ts, from a notification a provider module verified; nothing here grants anything.
 */
import { createHash, randomUUID } from 'node:crypto';
import { formatRubles } from '../billing/catalogue.js';
import { AuthError, ConflictError, InvalidInputError, NotFoundError, TtopsError, UnreachableError } from '../errors.js';
import type { PaymentProvider } from '../payments/types.js';
import type { AccountStore, LicenseStore, OrderProvider, PaymentStore, ProductRecord, ProductStore, PromoRecord, PromoStore, ReferralStore, ShopOrderRecord, ShopOrderStore } from '../store/types.js';
import { PROMO_CODE_PATTERN } from '../billing/promos.js';
import { checkPromo, priceOf } from './pricing.js';
import type { KeySeal } from './sealed-key.js';
import type { StatusLinks } from './status-link.js';
import type { Buyer, CabinetView, Checkout, CreatedOrder, CreateOrderInput, OrderView, ProductView } from './types.js';

/** What the checkout reads and writes. */
export type CheckoutStore = ProductStore &
  ShopOrderStore &
  PromoStore &
  ReferralStore &
  Pick<AccountStore, 'findUserById' | 'ensureTelegramUser'> &
  Pick<LicenseStore, 'findLicenseById'> &
  Pick<PaymentStore, 'findPayment'>;

export interface CheckoutDeps {
  store: CheckoutStore;
  /** The configured providers, in the order the shop offers them. */
  providers: ReadonlyMap<OrderProvider, PaymentProvider>;
  links: StatusLinks;
  seal: KeySeal;
  orderTtlMs: number;
  now?: () => Date;
}

/**
 * The order key of a client's Idempotency-Key, per buyer (two buyers' keys never meet), in the
 * UUID shape providers accept as their own idempotence key.
 */
function clientOrderKey(userId: number | undefined, clientKey: string): string {
  const h = createHash('sha256').update(`order:${userId ?? 'anonymous'}:${clientKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** A referral code as links carry it; anything else is ignored rather than blocking a sale. */
const REF_PATTERN = /^[0-9A-Za-z]{4,16}$/;

/** The product as buyers see it, titled in their language. */
export function productForBuyer(p: ProductRecord, lang: 'ru' | 'en'): ProductView {
  return {
    id: p.id,
    kind: p.kind,
    code: p.code,
    title: lang === 'ru' ? p.titleRu : p.titleEn,
    title_ru: p.titleRu,
    title_en: p.titleEn,
    price_rub: formatRubles(p.priceRub),
    price_stars: p.priceStars,
    credits: p.credits,
    plan: p.plan,
    ttl_days: p.ttlDays,
  };
}

export class CheckoutService implements Checkout {
  private readonly now: () => Date;

  constructor(private readonly deps: CheckoutDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async products(lang: 'ru' | 'en'): Promise<ProductView[]> {
    return (await this.deps.store.listProducts({ enabledOnly: true })).map((p) => productForBuyer(p, lang));
  }

  providers(): OrderProvider[] {
    return [...this.deps.providers.keys()];
  }

  statusUrl(orderId: number): string {
    return this.deps.links.url(orderId);
  }

  async createOrder(input: CreateOrderInput, buyer: Buyer, options: { idempotencyKey?: string } = {}): Promise<CreatedOrder> {
    const { store } = this.deps;
    const lang = input.lang ?? 'ru';
    const product = await store.findProduct(input.product_id);
    if (!product || !product.enabled) throw new NotFoundError('product_not_found', `product ${input.product_id} is not on sale — GET /v2/products lists what is`);
    const provider = this.deps.providers.get(input.provider);
    if (!provider) throw new InvalidInputError('provider_unavailable', `${input.provider} payments are not set up here — choose one of: ${this.providers().join(', ') || 'none (no card provider is configured)'}`);
    const userId = buyer.userId ?? (buyer.telegramId !== undefined ? (await store.ensureTelegramUser(buyer.telegramId)).id : undefined);
    const idempotenceKey = options.idempotencyKey === undefined ? randomUUID() : clientOrderKey(userId, options.idempotencyKey);
    if (options.idempotencyKey !== undefined) {
      const earlier = await store.findShopOrderByKey(idempotenceKey);
      if (earlier) return this.again(earlier, input, provider, product);
    }
    const promo = input.promo_code === undefined ? undefined : await this.usablePromo(input.promo_code, userId);
    const price = priceOf(product, promo);
    if (price.credits > 0 && userId === undefined) throw new AuthError('account_required', 'credits go to an account — log in (or buy in the Telegram bot) first');
    const now = this.now();
    let order: ShopOrderRecord;
    try {
      order = await store.openOrder({
        productId: product.id,
        provider: provider.name,
        userId: userId ?? null,
        telegramId: buyer.telegramId ?? null,
        lang,
        amount: price.amount,
        listPrice: price.listPrice,
        credits: price.credits,
        ...(promo ? { promo: { id: promo.id, buyer: `user:${userId}` } } : {}),
        refCode: input.ref !== undefined && REF_PATTERN.test(input.ref) ? input.ref.toUpperCase() : null,
        test: provider.test,
        idempotenceKey,
        expiresAt: new Date(now.getTime() + this.deps.orderTtlMs).toISOString(),
      });
    } catch (error) {
      // The same retry arriving twice at once: the loser answers with the winner's order.
      const earlier = error instanceof TtopsError && error.code === 'order_key_taken' ? await store.findShopOrderByKey(idempotenceKey) : undefined;
      if (earlier) return this.again(earlier, input, provider, product);
      throw error;
    }
    return this.payLink(order, provider, product);
  }

  /**
   * The order's status link as its answers and its provider get it: valid from the order's
   * creation, so a retry of the purchase sends the provider the same return URL. YooKassa
   * refuses a repeated Idempotence-Key with another body, and a retry that crossed a second
   * boundary while the first attempt was still asking failed the order.
   */
  private orderLink(order: ShopOrderRecord): string {
    return this.deps.links.url(order.id, Date.parse(order.createdAt));
  }

  /** Asks the provider for the order's pay link (with the order's own idempotence key) and marks it pending. */
  private async payLink(order: ShopOrderRecord, provider: PaymentProvider, product: ProductRecord): Promise<CreatedOrder> {
    const statusUrl = this.orderLink(order);
    let link;
    try {
      link = await provider.createCheckout({ orderId: order.id, amount: order.amount, description: order.lang === 'ru' ? product.titleRu : product.titleEn, returnUrl: statusUrl, idempotenceKey: order.idempotenceKey, expiresAt: order.expiresAt, lang: order.lang });
    } catch (error) {
      await this.deps.store.failOrder(order.id, 'provider_failed');
      throw new UnreachableError('provider_failed', `${provider.name} did not create the payment (${(error as Error).message}) — try again in a minute or choose another way to pay`, { cause: error, context: { order_id: order.id } });
    }
    const marked = await this.deps.store.markOrderPending(order.id, { payUrl: link.payUrl, providerOrderId: link.providerOrderId, test: link.test });
    // A concurrent retry of the same purchase got its link recorded first: everyone gets that one.
    const payUrl = marked?.payUrl ?? (await this.deps.store.findShopOrder(order.id))?.payUrl ?? link.payUrl;
    return { order_id: order.id, amount: formatRubles(order.amount), pay_url: payUrl, status_url: statusUrl };
  }

  /**
   * A retry with an Idempotency-Key already used: the same order again — its pay link, or a new
   * try at one when the first never got that far. A key used for another purchase is refused.
   */
  private async again(order: ShopOrderRecord, input: CreateOrderInput, provider: PaymentProvider, product: ProductRecord): Promise<CreatedOrder> {
    if (order.productId !== product.id || order.provider !== provider.name) {
      throw new ConflictError('idempotency_key_reused', 'this Idempotency-Key was used for another purchase — send a new key for a new order', { status: 422 });
    }
    if (order.status === 'created') return this.payLink(order, provider, product);
    if (order.payUrl === null) throw new UnreachableError('provider_failed', `${provider.name} did not create the payment for order ${order.id} — send a new Idempotency-Key to try again`);
    return { order_id: order.id, amount: formatRubles(order.amount), pay_url: order.payUrl, status_url: this.orderLink(order) };
  }

  /** The promo behind a typed code, usable by this buyer now (the store re-checks uses in its transaction). */
  private async usablePromo(code: string, userId: number | undefined): Promise<PromoRecord> {
    const normal = code.trim().toUpperCase();
    if (!PROMO_CODE_PATTERN.test(normal)) throw new InvalidInputError('invalid_promo_code', 'a promo code is 3–32 letters, digits, `-` or `_`');
    // Once per buyer needs to know the buyer: an anonymous checkout could use a code any number of times.
    if (userId === undefined) throw new AuthError('account_required', 'promo codes are for logged-in buyers — log in at /account (or use the Telegram bot) first');
    return checkPromo(await this.deps.store.findPromoByCode(normal), this.now());
  }

  async orderByLink(id: number, exp: number, sig: string, options: { reveal?: boolean } = {}): Promise<OrderView> {
    this.deps.links.check(id, exp, sig);
    const order = await this.deps.store.findShopOrder(id);
    if (!order) throw new NotFoundError('order_not_found', `order ${id} does not exist`);
    // A Telegram buyer got the key by bot message; everyone else sees it here, once.
    const sealed = order.keyPending && order.telegramId === null && options.reveal !== false ? await this.deps.store.revealOrderKey(id) : undefined;
    return this.view(order, await this.promoCodes(), sealed === undefined ? undefined : this.deps.seal.open(sealed));
  }

  async orderForOwner(id: number, userId: number): Promise<OrderView> {
    const order = await this.deps.store.findShopOrder(id);
    if (!order || order.userId !== userId) throw new NotFoundError('order_not_found', `you have no order ${id}`);
    return this.view(order, await this.promoCodes());
  }

  async cabinet(userId: number): Promise<CabinetView> {
    const { store } = this.deps;
    const user = await store.findUserById(userId);
    if (!user) throw new NotFoundError('user_not_found', 'this account no longer exists — log in again');
    const [orders, payments, referralCode, promos] = await Promise.all([store.listShopOrders({ userId, limit: 50 }), store.listUserPayments(userId, 50), store.referralCodeOf(userId), this.promoCodes()]);
    const expires = user.licenseExpiresAt;
    return {
      username: user.username ?? `telegram:${user.telegramId}`,
      credits: user.credits,
      plan: user.plan,
      license_expires_at: expires,
      license_active: expires !== null && Date.parse(expires) > this.now().getTime(),
      referral_code: referralCode,
      orders: await Promise.all(orders.map((o) => this.view(o, promos))),
      receipts: payments.map((p) => ({ payment_id: p.id, provider: p.provider, amount: p.amount, currency: p.currency, status: p.status, paid_at: p.paidAt })),
    };
  }

  /** Promo codes by id (a shop has a handful), read once per answer. */
  private async promoCodes(): Promise<Map<number, string>> {
    return new Map((await this.deps.store.listPromos()).map((p) => [p.id, p.code]));
  }

  /** The order as buyers see it; `revealedKey` only on the one call that revealed it. */
  private async view(order: ShopOrderRecord, promos: Map<number, string>, revealedKey?: string): Promise<OrderView> {
    const { store } = this.deps;
    const [product, license] = await Promise.all([store.findProduct(order.productId), order.licenseId === null ? undefined : store.findLicenseById(order.licenseId)]);
    const paid = order.status === 'paid' || order.status === 'refunded';
    return {
      order_id: order.id,
      status: order.status,
      product: productForBuyer(product!, order.lang),
      provider: order.provider,
      amount: formatRubles(order.amount),
      list_price: formatRubles(order.listPrice),
      promo_code: order.promoCodeId === null ? null : (promos.get(order.promoCodeId) ?? null),
      test: order.test,
      created_at: order.createdAt,
      expires_at: order.expiresAt,
      paid_at: order.paidAt,
      delivered: paid
        ? {
            credits: order.credits,
            ...(license ? { license_expires_at: license.expiresAt, license_delivery: licenseDelivery(order, revealedKey) } : {}),
            ...(revealedKey !== undefined ? { license_key: revealedKey } : {}),
          }
        : null,
    };
  }
}

function licenseDelivery(order: ShopOrderRecord, revealedKey: string | undefined): NonNullable<OrderView['delivered']>['license_delivery'] {
  if (order.telegramId !== null) return 'sent_to_telegram';
  if (revealedKey !== undefined) return 'shown_now';
  return order.keyPending ? 'ready' : 'shown_before';
}
