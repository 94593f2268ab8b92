/** A built (not listening) app over a real, migrated store of the given engine. */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.js';
import { PublicUrls } from '../../src/daemon/public-urls.js';
import type { Config } from '../../src/config/load.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import type { Checkout } from '../../src/orders/types.js';
import { testConfig } from './config.js';
import type { TestEngine } from './engines.js';

export const ADMIN_KEY = 'test-admin-key-9f8e7d6c5b4a39281706f5e4';
export const JWT_SECRET = 'test-jwt-secret-0a1b2c3d4e5f60718293a4b5c6d7e8f9';

export interface TestApp {
  app: FastifyInstance;
  store: Store;
  config: Config;
  /** The app's public URLs: `bindTo` once a test listens on port 0. */
  urls: PublicUrls;
  close(): Promise<void>;
}

/** What a test may put in place of the real parts. */
export interface TestAppOptions {
  /** A Checkout double, made from the app's store and URLs. */
  checkout?: (parts: { store: Store; urls: PublicUrls; config: Config }) => Checkout;
}

/** Builds the app on `engine`, migrated, with known secrets. */
export async function makeTestApp(engine: TestEngine, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp> {
  const config = testConfig({ ...engine.env, ...env });
  const store = await openStore(config);
  await store.migrateUp();
  const urls = new PublicUrls(config);
  const checkout = options.checkout?.({ store, urls, config });
  const app = await buildApp({ config, store, secrets: { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY }, logger: false, urls, checkout });
  return {
    app,
    store,
    config,
    urls,
    async close() {
      await app.close();
      await store.close();
    },
  };
}

/** Issues a key and redeems it: a streamer account and its bearer token. */
export async function makeStreamer(t: TestApp, username: string): Promise<{ token: string; userId: number; auth: { authorization: string } }> {
  const issued = await t.app.inject({ method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: { plan: 'pro', ttl_days: 30 } });
  const redeemed = await t.app.inject({
    method: 'POST',
    url: '/v2/auth/redeem-license',
    headers: { 'x-forwarded-for': `10.9.${username.length}.${username.charCodeAt(0)}` },
    payload: { username, password: 'correct-horse-battery', license_key: issued.json().key },
  });
  if (redeemed.statusCode !== 200) throw new Error(`redeem failed: ${redeemed.body}`);
  const token = redeemed.json().access_token as string;
  const me = await t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: { authorization: `Bearer ${token}` } });
  return { token, userId: me.json().id as number, auth: { authorization: `Bearer ${token}` } };
}

/** Builds the app like `makeTestApp` and listens on a free loopback port, URLs following it (as `serve --port 0` does). */
export async function makeListeningApp(engine: TestEngine, env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<TestApp & { base: string }> {
  const t = await makeTestApp(engine, env, options);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as { port: number };
  t.urls.bindTo('127.0.0.1', port);
  return { ...t, base: `http://127.0.0.1:${port}` };
}
