/**
 * The test app with the checkout's routes and pages over the in-memory Checkout double (app.ts
 * registers the shop; AppDeps.checkout puts the double in place of the real checkout), with
 * the app's own secret, so tokens from `/v2/auth/*` open the cabinet.
 */
import { makeTestApp, type TestApp } from '../helpers/app.js';
import type { TestEngine } from '../helpers/engines.js';
import { MemoryCheckout } from './memory-checkout.js';

/** A test app whose shop runs over a MemoryCheckout, and that double; pay links go to `payBase`. */
export async function makeShopApp(engine: TestEngine, env: Record<string, string> = {}, payBase: () => string = () => 'http://127.0.0.1:9'): Promise<TestApp & { checkout: MemoryCheckout }> {
  let checkout: MemoryCheckout | undefined;
  const t = await makeTestApp(engine, env, { checkout: ({ store, urls }) => (checkout = new MemoryCheckout({ store, serverHost: () => urls.serverHost, payBase })) });
  await t.app.ready();
  return { ...t, checkout: checkout! };
}

/** The same, listening on a loopback port (for the browser). */
export async function makeListeningShopApp(engine: TestEngine, payBase: () => string): Promise<TestApp & { base: string; checkout: MemoryCheckout }> {
  const t = await makeShopApp(engine, {}, payBase);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as { port: number };
  t.urls.bindTo('127.0.0.1', port);
  return { ...t, base: `http://127.0.0.1:${port}` };
}
