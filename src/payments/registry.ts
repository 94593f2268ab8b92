/**
 * The card providers whose credentials are set, in the order the checkout offers them:
 * Robokassa, YooKassa, WATA. A provider with no credentials is simply absent (its
 * routes answer 404 `provider_disabled`).
 */
import type { Config } from '../config/load.js';
import type { OrderProvider } from '../store/order-types.js';
import { RobokassaProvider, robokassaUsable } from './robokassa.js';
import type { PaymentProvider } from './types.js';
import { WataProvider } from './wata.js';
import { YookassaProvider } from './yookassa.js';

/** Builds the enabled providers from config.payments. */
export function makeProviders(payments: Config['payments']): Map<OrderProvider, PaymentProvider> {
  const providers = new Map<OrderProvider, PaymentProvider>();
  if (robokassaUsable(payments.robokassa)) providers.set('robokassa', new RobokassaProvider(payments.robokassa));
  if (payments.yookassa.shopId && payments.yookassa.secretKey) providers.set('yookassa', new YookassaProvider(payments.yookassa));
  if (payments.wata.token) providers.set('wata', new WataProvider(payments.wata));
  return providers;
}
