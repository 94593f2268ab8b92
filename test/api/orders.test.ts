/**
 * The orders API over the Checkout double, on both engines (accounts are real): the
 * catalogue in both languages, `POST /v2/orders` anonymous and with a token (a bad token is a
 * 401, not an anonymous order), refusals with their codes and statuses, hostile numbers and
 * text as 400, the owner check on `GET /v2/orders/:id`, and the status link's JSON answer
 * revealing a key once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TokenIssuer } from '../../src/auth/jwt.js';
import { JWT_SECRET, makeStreamer } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { makeShopApp } from '../web/shop-app.js';

const ORDER_VIEW_KEYS = ['amount', 'created_at', 'delivered', 'expires_at', 'list_price', 'order_id', 'paid_at', 'product', 'promo_code', 'provider', 'status', 'test'];

for (const { name, make } of ENGINES) {
  describe(`orders API on ${name}`, () => {
    let engine: TestEngine;
    let t: Awaited<ReturnType<typeof makeShopApp>>;
    let alice: Awaited<ReturnType<typeof makeStreamer>>;
    let bob: Awaited<ReturnType<typeof makeStreamer>>;
    const json = { 'content-type': 'application/json' };

    before(async () => {
      engine = await make();
      t = await makeShopApp(engine);
      alice = await makeStreamer(t, 'alice');
      bob = await makeStreamer(t, 'bobby');
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('GET /v2/products: Russian by default, English by ?lang or Accept-Language, every field documented', async () => {
      const ru = await t.app.inject({ method: 'GET', url: '/v2/products' });
      assert.equal(ru.statusCode, 200, ru.body);
      const products = ru.json().products;
      assert.equal(products.length, 2);
      assert.deepEqual(products[0], { id: 1, kind: 'license', code: 'license-pro-30', title: 'Pro на 30 дней', title_ru: 'Pro на 30 дней', title_en: 'Pro for 30 days', price_rub: '290.00', price_stars: 150, credits: null, plan: 'pro', ttl_days: 30 });
      assert.equal((await t.app.inject({ method: 'GET', url: '/v2/products?lang=en' })).json().products[0].title, 'Pro for 30 days');
      const byHeader = await t.app.inject({ method: 'GET', url: '/v2/products', headers: { 'accept-language': 'de-DE, en-US;q=0.8, ru;q=0.5' } });
      assert.equal(byHeader.json().products[0].title, 'Pro for 30 days');
      assert.equal((await t.app.inject({ method: 'GET', url: '/v2/products?lang=xx' })).statusCode, 400);
    });

    test('POST /v2/orders without a token: 201 with the contract shape, an anonymous buyer', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: json, payload: { product_id: 1, provider: 'robokassa', ref: 'FRIEND01', lang: 'en' } });
      assert.equal(r.statusCode, 201, r.body);
      const body = r.json();
      assert.deepEqual(Object.keys(body).sort(), ['amount', 'order_id', 'pay_url', 'status_url']);
      assert.equal(body.amount, '290.00');
      assert.match(body.pay_url, /^http:\/\/127\.0\.0\.1:9\/pay\/\d+$/);
      assert.match(body.status_url, new RegExp(`/orders/${body.order_id}\\?exp=\\d+&sig=`));
      const call = t.checkout.calls.at(-1)!;
      assert.deepEqual(call.buyer, {});
      assert.deepEqual(call.input, { product_id: 1, provider: 'robokassa', ref: 'FRIEND01', lang: 'en' });
    });

    test('POST /v2/orders with a token: the order is the account’s; a promo code discounts it', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, ...alice.auth, 'accept-language': 'en' }, payload: { product_id: 2, provider: 'yookassa', promo_code: 'sale10' } });
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().amount, '441.00');
      assert.deepEqual(t.checkout.calls.at(-1)!.buyer, { userId: alice.userId });
      assert.equal(t.checkout.calls.at(-1)!.input.lang, 'en', 'Accept-Language when the body names no language');
    });

    test('a bad or expired token is 401, never an anonymous order', async () => {
      const before = t.checkout.calls.length;
      const longAgo = Date.now() - 86_400_000;
      const expired = await new TokenIssuer(JWT_SECRET, 30).issue(alice.userId, 0, new Date(longAgo + 60_000), new Date(longAgo));
      for (const [authorization, code] of [['Bearer not-a-jwt', 'token_invalid'], [`Bearer ${alice.token}x`, 'token_invalid'], [`Bearer ${expired.token}`, 'token_expired'], ['Basic abc', 'token_missing'], ['Bearer', 'token_missing']]) {
        const r = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, authorization }, payload: { product_id: 1, provider: 'robokassa' } });
        assert.equal(r.statusCode, 401, `${authorization} → ${r.body}`);
        assert.equal(r.json().error.code, code, authorization);
      }
      assert.equal(t.checkout.calls.length, before, 'the checkout was never called');
    });

    test('refusals of the checkout keep their code and status', async () => {
      const cases: [object, Record<string, string>, number, string][] = [
        [{ product_id: 2, provider: 'robokassa' }, {}, 401, 'account_required'],
        [{ product_id: 99, provider: 'robokassa' }, {}, 404, 'product_not_found'],
        [{ product_id: 1, provider: 'wata' }, {}, 400, 'provider_unavailable'],
        [{ product_id: 1, provider: 'robokassa', promo_code: 'USEDUP' }, {}, 409, 'promo_exhausted'],
        [{ product_id: 1, provider: 'robokassa', promo_code: 'NOSUCH' }, {}, 404, 'promo_not_found'],
      ];
      for (const [payload, headers, status, code] of cases) {
        const r = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, ...headers }, payload });
        assert.equal(r.statusCode, status, `${JSON.stringify(payload)} → ${r.body}`);
        assert.equal(r.json().error.code, code);
      }
      // Once per buyer: the second use of SALE10 by bob is refused.
      const first = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, ...bob.auth }, payload: { product_id: 1, provider: 'robokassa', promo_code: 'SALE10' } });
      assert.equal(first.statusCode, 201);
      const again = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, ...bob.auth }, payload: { product_id: 1, provider: 'robokassa', promo_code: 'SALE10' } });
      assert.equal(again.statusCode, 409);
      assert.equal(again.json().error.code, 'promo_already_used');
    });

    test('hostile input is a 400 before the checkout: ids past 2^53, Infinity, NUL bytes, wrong types', async () => {
      const before = t.checkout.calls.length;
      const bodies = [
        '{"product_id":9007199254740993,"provider":"robokassa"}',
        '{"product_id":1e20,"provider":"robokassa"}',
        '{"product_id":"Infinity","provider":"robokassa"}',
        '{"product_id":1e309,"provider":"robokassa"}',
        '{"product_id":0,"provider":"robokassa"}',
        '{"product_id":1.5,"provider":"robokassa"}',
        '{"product_id":1,"provider":"paypal"}',
        '{"product_id":1,"provider":"robokassa","promo_code":"a\\u0000b"}',
        '{"product_id":1,"provider":"robokassa","ref":"\\ud800"}',
        '{"product_id":1,"provider":"robokassa","promo_code":""}',
        '{"product_id":1}',
        '[]',
      ];
      for (const payload of bodies) {
        const r = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: json, payload });
        assert.equal(r.statusCode, 400, `${payload} → ${r.body}`);
        assert.equal(r.json().error.code, 'invalid_request', payload);
      }
      assert.equal(t.checkout.calls.length, before, 'the checkout was never called');
    });

    test('GET /v2/orders/:id: the owner sees it (never the key), anyone else gets 404, no token 401', async () => {
      const made = await t.app.inject({ method: 'POST', url: '/v2/orders', headers: { ...json, ...alice.auth }, payload: { product_id: 1, provider: 'robokassa' } });
      const id = made.json().order_id as number;
      await t.checkout.markPaid(id);
      const mine = await t.app.inject({ method: 'GET', url: `/v2/orders/${id}`, headers: alice.auth });
      assert.equal(mine.statusCode, 200, mine.body);
      const view = mine.json();
      assert.deepEqual(Object.keys(view).sort(), ORDER_VIEW_KEYS);
      assert.equal(view.status, 'paid');
      assert.equal(view.product.code, 'license-pro-30');
      assert.equal(view.delivered.license_key, undefined);
      assert.equal(view.delivered.credits, 0);
      const theirs = await t.app.inject({ method: 'GET', url: `/v2/orders/${id}`, headers: bob.auth });
      assert.equal(theirs.statusCode, 404);
      assert.equal(theirs.json().error.code, 'order_not_found');
      const anonymous = await t.app.inject({ method: 'GET', url: `/v2/orders/${id}` });
      assert.equal(anonymous.statusCode, 401);
      assert.equal(anonymous.json().error.code, 'token_missing');
      for (const [segment, status, code] of [['1e20', 404, 'order_not_found'], ['9223372036854775808', 404, 'order_not_found'], ['abc', 400, 'invalid_request'], ['-1', 400, 'invalid_request'], ['Infinity', 400, 'invalid_request']] as const) {
        const r = await t.app.inject({ method: 'GET', url: `/v2/orders/${segment}`, headers: alice.auth });
        assert.equal(r.statusCode, status, `${segment} → ${r.body}`);
        assert.equal(r.json().error.code, code);
      }
    });

    test('the status link with Accept: application/json: the key once, then "shown before"; a bad link 403, an old one 410', async () => {
      const made = (await t.app.inject({ method: 'POST', url: '/v2/orders', headers: json, payload: { product_id: 1, provider: 'robokassa' } })).json();
      const path = new URL(made.status_url).pathname + new URL(made.status_url).search;
      const accept = { accept: 'application/json' };
      const waiting = await t.app.inject({ method: 'GET', url: path, headers: accept });
      assert.equal(waiting.statusCode, 200, waiting.body);
      assert.match(String(waiting.headers['content-type']), /^application\/json/);
      assert.equal(waiting.json().status, 'pending');
      assert.equal(waiting.json().delivered, null);
      await t.checkout.markPaid(made.order_id);
      const key = t.checkout.pendingKey(made.order_id)!;
      const first = await t.app.inject({ method: 'GET', url: path, headers: accept });
      assert.deepEqual(Object.keys(first.json()).sort(), ORDER_VIEW_KEYS);
      assert.equal(first.json().delivered.license_key, key);
      assert.equal(first.json().delivered.license_delivery, 'shown_now');
      assert.equal(first.headers['cache-control'], 'no-store');
      const second = await t.app.inject({ method: 'GET', url: path, headers: accept });
      assert.equal(second.json().delivered.license_key, undefined);
      assert.equal(second.json().delivered.license_delivery, 'shown_before');

      // One character of the signature changed (to another one: a signature may start with any of them).
      const tampered = await t.app.inject({ method: 'GET', url: path.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`), headers: accept });
      assert.equal(tampered.statusCode, 403, tampered.body);
      assert.equal(tampered.json().error.code, 'link_invalid');
      const missing = await t.app.inject({ method: 'GET', url: `/orders/${made.order_id}`, headers: accept });
      assert.equal(missing.statusCode, 403);
      const old = new URL(t.checkout.statusUrl(made.order_id).replace(/exp=\d+/, 'exp=1000'));
      const expiredSig = await t.app.inject({ method: 'GET', url: old.pathname + old.search, headers: accept });
      assert.equal(expiredSig.statusCode, 403, 'a changed expiry breaks the signature');
      const past = new URL(t.checkout.linkWithExpiry(made.order_id, Math.floor(Date.now() / 1000) - 60));
      const expired = await t.app.inject({ method: 'GET', url: past.pathname + past.search, headers: accept });
      assert.equal(expired.statusCode, 410, expired.body);
      assert.equal(expired.json().error.code, 'link_expired');
      // A HEAD must not spend the reveal: it is not a route.
      assert.equal((await t.app.inject({ method: 'HEAD', url: path })).statusCode, 404);
    });
  });
}
