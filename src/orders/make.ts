/**
 * The checkout as `serve` runs it, made once and shared: the app's routes and pages, and the
 * bot's card buttons sell through the same providers and sign the same links.
 */
import type { Config } from '../config/load.js';
import type { ResolvedSecrets } from '../config/secrets.js';
import type { PublicUrls } from '../daemon/public-urls.js';
import { makeProviders } from '../payments/registry.js';
import type { PaymentProvider } from '../payments/types.js';
import type { OrderProvider } from '../store/types.js';
import { CheckoutService, type CheckoutStore } from './checkout.js';
import { KeySeal } from './sealed-key.js';
import { StatusLinks } from './status-link.js';

export interface MadeCheckout {
  checkout: CheckoutService;
  providers: ReadonlyMap<OrderProvider, PaymentProvider>;
  seal: KeySeal;
}

export function makeCheckout(parts: { config: Config; store: CheckoutStore; secrets: ResolvedSecrets; urls: PublicUrls }): MadeCheckout {
  const { config, store, secrets, urls } = parts;
  const providers = makeProviders(config.payments);
  const seal = new KeySeal(secrets.jwtSecret);
  const links = new StatusLinks(secrets.jwtSecret, () => urls.serverHost);
  return { checkout: new CheckoutService({ store, providers, links, seal, orderTtlMs: config.payments.orderTtlMs }), providers, seal };
}
