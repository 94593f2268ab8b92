/**
 * The test app with the checkout's routes and pages registered over the in-memory Checkout
 * (the way the integrator wires them in src/api/app.ts, with the app's own secret, so tokens
 * from `/v2/auth/*` open the cabinet). Once app.ts registers them itself, `addShopRoutes`
 * sees the routes and adds nothing.
 */
import { AccountService } from '../../src/accounts/service.js';
import { orderRoutes, type ShopContext } from '../../src/api/routes/orders.js';
import { TokenIssuer } from '../../src/auth/jwt.js';
import { webRoutes } from '../../src/web/routes.js';
import { JWT_SECRET, makeListeningApp, makeTestApp, type TestApp } from '../helpers/app.js';
import type { TestEngine } from '../helpers/engines.js';
import { MemoryCheckout } from './memory-checkout.js';

/** Registers orderRoutes and webRoutes on a built (not yet ready) test app, unless it has them. */
export async function addShopRoutes(t: TestApp, payBase: () => string = () => 'http://127.0.0.1:9'): Promise<MemoryCheckout> {
  const checkout = new MemoryCheckout({ store: t.store, serverHost: () => t.urls.serverHost, payBase });
  if (t.app.hasRoute({ method: 'GET', url: '/buy' })) return checkout;
  const tokens = new TokenIssuer(JWT_SECRET, t.config.jwtTtlDays);
  const ctx: ShopContext = { config: t.config, urls: t.urls, tokens, accounts: new AccountService(t.store, tokens, t.config.passwordRounds), checkout };
  await t.app.register(orderRoutes, { ctx });
  await t.app.register(webRoutes, { ctx });
  return checkout;
}

/** Registers the shop over the double, refusing if the app already wired a Checkout of its own (the tests would poke the wrong one). */
async function addShopDouble(t: TestApp, payBase?: () => string): Promise<MemoryCheckout> {
  if (t.app.hasRoute({ method: 'GET', url: '/buy' })) {
    throw new Error('src/api/app.ts registers the shop routes itself now: give AppDeps a way to pass the Checkout in, and hand it this double');
  }
  return addShopRoutes(t, payBase);
}

/** A test app with the shop, and its Checkout double. */
export async function makeShopApp(engine: TestEngine, env: Record<string, string> = {}): Promise<TestApp & { checkout: MemoryCheckout }> {
  const t = await makeTestApp(engine, env);
  const checkout = await addShopDouble(t);
  await t.app.ready();
  return { ...t, checkout };
}

/** The same, listening on a loopback port (for the browser), pay links going to `payBase`. */
export async function makeListeningShopApp(engine: TestEngine, payBase: () => string): Promise<TestApp & { base: string; checkout: MemoryCheckout }> {
  // Register before listening: routes cannot be added to a listening app.
  const t = await makeTestApp(engine);
  const checkout = await addShopDouble(t, payBase);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as { port: number };
  t.urls.bindTo('127.0.0.1', port);
  return { ...t, checkout, base: `http://127.0.0.1:${port}` };
}
