/**
 * The shop's part of the app: the card providers that are configured, the checkout over them,
 * the notification routes that fulfil orders, the orders API and the pages (/buy, the return
 * page, /account). Kept apart from app.ts so the app's assembly stays readable.
 */
import type { FastifyInstance } from 'fastify';
import { alertTarget } from '../jobs/alerts.js';
import { handleNotice, type FulfilDeps } from '../orders/fulfil.js';
import { makeCheckout } from '../orders/make.js';
import type { Checkout } from '../orders/types.js';
import type { AppContext } from './app.js';
import { orderRoutes } from './routes/orders.js';
import { paymentRoutes } from './routes/payments.js';
import { webRoutes } from '../web/routes.js';

/** Registers the shop; `checkout` replaces the real one (`serve` passes the one it shares with the bot; page tests a double). */
export async function registerShop(app: FastifyInstance, ctx: AppContext, checkout?: Checkout): Promise<void> {
  const { config, store } = ctx;
  const { checkout: real, providers, seal } = makeCheckout(ctx);
  const shop = checkout ?? real;
  const fulfil: FulfilDeps = { store, seal, alerts: alertTarget(config, store, app.log), referralBonus: config.payments.referralBonusCredits };
  await app.register(paymentRoutes, {
    prefix: '/v2/payments',
    providers,
    handle: async (notice) => void (await handleNotice(fulfil, notice)),
    statusUrl: (orderId) => shop.statusUrl(orderId),
    log: app.log,
  });
  const shopCtx = { ...ctx, checkout: shop };
  await app.register(orderRoutes, { ctx: shopCtx });
  await app.register(webRoutes, { ctx: shopCtx });
}
