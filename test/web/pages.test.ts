/**
 * The pages over inject, on both engines: security headers and a CSP whose style hash matches
 * the page's style; /buy listing escaped products, keeping `?ref=`, posting to a 303 and
 * re-rendering refusals with everything typed; the return page's states and its once-only
 * key; the cabinet's login (wrong then right password), cookie flags, and logout; the
 * language from ?lang, the cookie and Accept-Language; hostile input as 4xx pages.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { makeStreamer } from '../helpers/app.js';
import { sqlRows } from '../helpers/ledger.js';
import { ENGINES, sqliteEngine, type TestEngine } from '../helpers/engines.js';
import { makeShopApp } from './shop-app.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Asserts the headers every page carries, and that the CSP's style hash is the page's style. */
function assertPageHeaders(r: LightMyRequestResponse): void {
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(r.headers['x-frame-options'], 'DENY');
  assert.equal(r.headers['referrer-policy'], 'no-referrer');
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['cache-control'], 'no-store');
  const csp = String(r.headers['content-security-policy']);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|script-src/);
  const style = /<style>([\s\S]*?)<\/style>/.exec(r.body)![1];
  assert.ok(csp.includes(`'sha256-${createHash('sha256').update(style).digest('base64')}'`), csp);
}

/** The session cookie a login answer sets. */
function sessionCookie(r: LightMyRequestResponse): string {
  const all = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
  const cookie = all.find((c) => c.startsWith('ttops_session='));
  assert.ok(cookie, `a session cookie in ${all.join(' | ')}`);
  return cookie!;
}

for (const { name, make } of ENGINES) {
  describe(`pages on ${name}`, () => {
    let engine: TestEngine;
    let t: Awaited<ReturnType<typeof makeShopApp>>;
    let alice: Awaited<ReturnType<typeof makeStreamer>>;

    before(async () => {
      engine = await make();
      t = await makeShopApp(engine);
      alice = await makeStreamer(t, 'alice');
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('GET /buy: products escaped, providers as radios, ?ref kept hidden, Russian by default, headers set', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/buy?ref=%22%3E%3Cscript%3Ex' });
      assert.equal(r.statusCode, 200, r.body);
      assertPageHeaders(r);
      assert.doesNotMatch(String(r.headers['content-security-policy']), /form-action/, 'the form’s redirect leaves for the provider');
      assert.match(r.body, /<html lang="ru">/);
      assert.match(r.body, /Pro на 30 дней/);
      assert.match(r.body, /10 кредитов &lt;b&gt;/);
      assert.doesNotMatch(r.body, /<b>|<script/);
      assert.match(r.body, /<input type="radio" name="product_id" value="1" checked required>/);
      assert.match(r.body, /<input type="radio" name="provider" value="robokassa" checked required>/);
      assert.match(r.body, /name="provider" value="yookassa"/);
      assert.doesNotMatch(r.body, /value="wata"/, 'only configured providers');
      assert.match(r.body, /<input type="hidden" name="ref" value="&quot;&gt;&lt;script&gt;x">/);
      assert.match(r.body, /290\.00 ₽/);
    });

    test('the language: ?lang=en (remembered in a cookie), the cookie, Accept-Language, then Russian', async () => {
      const chosen = await t.app.inject({ method: 'GET', url: '/buy?lang=en' });
      assert.match(chosen.body, /<html lang="en">/);
      assert.match(chosen.body, /Pro for 30 days/);
      assert.match(String(chosen.headers['set-cookie']), /^lang=en; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly$/);
      assert.match(chosen.body, /href="\/buy\?lang=ru"[^>]*>Русский</);
      const cookie = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: 'lang=en' } });
      assert.match(cookie.body, /<html lang="en">/);
      assert.match(cookie.body, /Log in to your account/);
      const header = await t.app.inject({ method: 'GET', url: '/account', headers: { 'accept-language': 'en-GB,en;q=0.9,ru;q=0.3' } });
      assert.match(header.body, /<html lang="en">/);
      const explicitWins = await t.app.inject({ method: 'GET', url: '/account?lang=ru', headers: { cookie: 'lang=en', 'accept-language': 'en' } });
      assert.match(explicitWins.body, /<html lang="ru">/);
      const fallback = await t.app.inject({ method: 'GET', url: '/account', headers: { 'accept-language': 'de' } });
      assert.match(fallback.body, /<html lang="ru">/);
    });

    test('POST /buy: 303 to pay_url with what was chosen; anonymous without a session', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/buy', headers: FORM, payload: form({ product_id: '1', provider: 'yookassa', promo_code: ' sale10 ', ref: 'FRIEND01', lang: 'en' }) });
      assert.equal(r.statusCode, 303, r.body);
      const id = t.checkout.calls.length;
      assert.equal(r.headers.location, `http://127.0.0.1:9/pay/${id}`);
      assert.deepEqual(t.checkout.calls.at(-1), { input: { product_id: 1, provider: 'yookassa', promo_code: 'sale10', ref: 'FRIEND01', lang: 'en' }, buyer: {} });
    });

    test('POST /buy refused: the form again with the reason and everything typed, status from the refusal', async () => {
      const credits = await t.app.inject({ method: 'POST', url: '/buy', headers: FORM, payload: form({ product_id: '2', provider: 'yookassa', promo_code: 'MY-CODE', ref: 'FRIEND01', lang: 'ru' }) });
      assert.equal(credits.statusCode, 401, credits.body);
      assertPageHeaders(credits);
      assert.match(credits.body, /class="error" role="alert">Для покупки кредитов войдите в кабинет\./);
      assert.match(credits.body, /name="product_id" value="2" checked/);
      assert.match(credits.body, /name="provider" value="yookassa" checked/);
      assert.match(credits.body, /name="promo_code" value="MY-CODE"/);
      assert.match(credits.body, /name="ref" value="FRIEND01"/);
      const promo = await t.app.inject({ method: 'POST', url: '/buy', headers: FORM, payload: form({ product_id: '1', provider: 'robokassa', promo_code: 'usedup', lang: 'en' }) });
      assert.equal(promo.statusCode, 409);
      assert.match(promo.body, /This promo code has been used up\./);
      assert.match(promo.body, /name="promo_code" value="usedup"/);
      const incomplete = await t.app.inject({ method: 'POST', url: '/buy', headers: FORM, payload: form({ product_id: '99999999999999999999', provider: 'robokassa' }) });
      assert.equal(incomplete.statusCode, 400);
      assert.match(incomplete.body, /Выберите товар и способ оплаты/);
    });

    test('POST /buy with the cabinet session buys for that account', async () => {
      const login = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'alice', password: 'correct-horse-battery' }) });
      const cookie = sessionCookie(login).split(';')[0];
      const page = await t.app.inject({ method: 'GET', url: '/buy', headers: { cookie } });
      assert.match(page.body, /Вы покупаете как alice\./);
      const r = await t.app.inject({ method: 'POST', url: '/buy', headers: { ...FORM, cookie }, payload: form({ product_id: '2', provider: 'robokassa' }) });
      assert.equal(r.statusCode, 303, r.body);
      assert.deepEqual(t.checkout.calls.at(-1)!.buyer, { userId: alice.userId });
    });

    test('the return page: waiting with a refresh, then a button that shows the key once, then "shown before"; bad links are 403/410 pages', async () => {
      const made = await t.checkout.createOrder({ product_id: 1, provider: 'robokassa' }, {});
      const url = new URL(made.status_url);
      const path = url.pathname + url.search;
      const waiting = await t.app.inject({ method: 'GET', url: path, headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
      assert.equal(waiting.statusCode, 200, waiting.body);
      assertPageHeaders(waiting);
      assert.match(waiting.body, /<meta http-equiv="refresh" content="5">/);
      assert.match(waiting.body, /Ожидает оплаты/);
      assert.ok(waiting.body.includes(`href="${path.replace(/&/g, '&amp;')}"`), 'a refresh link to itself');
      await t.checkout.markPaid(made.order_id);
      const key = t.checkout.pendingKey(made.order_id)!;
      // A link preview, a mail scanner or a tab opened twice: views do not spend the key.
      for (let view = 0; view < 2; view++) {
        const paid = await t.app.inject({ method: 'GET', url: path, headers: { 'user-agent': 'TelegramBot (like TwitterBot)' } });
        assert.doesNotMatch(paid.body, /http-equiv="refresh"/);
        assert.match(paid.body, /Оплачен/);
        assert.ok(!paid.body.includes(key), 'the page view shows no key');
        assert.ok(paid.body.includes(`<form method="post" action="${path.replace(/&/g, '&amp;')}" class="delivered">`), paid.body);
        assert.match(paid.body, /<button type="submit" id="show-key">Показать ключ<\/button>/);
      }
      const shown = await t.app.inject({ method: 'POST', url: path, headers: FORM, payload: '' });
      assert.equal(shown.statusCode, 200, shown.body);
      assertPageHeaders(shown);
      assert.ok(shown.body.includes(`<code class="key" id="license-key">${key}</code>`), shown.body);
      assert.match(shown.body, /Сохраните его сейчас: ключ показывается только один раз\./);
      for (const method of ['POST', 'GET'] as const) {
        const again = await t.app.inject({ method, url: path, ...(method === 'POST' ? { headers: FORM, payload: '' } : {}) });
        assert.ok(!again.body.includes(key), `the key is not shown twice (${method})`);
        assert.match(again.body, /Ключ уже был показан/);
      }

      const bad = await t.app.inject({ method: 'GET', url: path.replace(/sig=(.)/, (_, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`) });
      assert.equal(bad.statusCode, 403);
      assertPageHeaders(bad);
      assert.match(bad.body, /data-code="link_invalid"/);
      const past = new URL(t.checkout.linkWithExpiry(made.order_id, 1000));
      const expired = await t.app.inject({ method: 'GET', url: past.pathname + past.search + '&lang=en' });
      assert.equal(expired.statusCode, 410);
      assert.match(expired.body, /This order link has expired/);
      const missing = await t.app.inject({ method: 'GET', url: '/orders/424242?exp=1&sig=x' });
      assert.equal(missing.statusCode, 403, 'a made-up link fails its signature before anything is looked up');
    });

    test('the return page of a paid credit pack says what was added; a failed one offers a new order', async () => {
      const made = await t.checkout.createOrder({ product_id: 2, provider: 'robokassa', lang: 'en' }, { userId: alice.userId });
      await t.checkout.markPaid(made.order_id);
      const url = new URL(made.status_url);
      const r = await t.app.inject({ method: 'GET', url: url.pathname + url.search + '&lang=en' });
      assert.match(r.body, /10 credits were added to your account\./);
      const failed = await t.checkout.createOrder({ product_id: 1, provider: 'robokassa' }, {});
      t.checkout.markFailed(failed.order_id);
      const f = new URL(failed.status_url);
      const page = await t.app.inject({ method: 'GET', url: f.pathname + f.search });
      assert.match(page.body, /Оплата не прошла/);
      assert.match(page.body, /<a href="\/buy">Оформить заказ заново<\/a>/);
    });

    test('/account: the login form; a wrong password is 401 with the username kept; the right one sets the cookie and shows the cabinet', async () => {
      const anonymous = await t.app.inject({ method: 'GET', url: '/account' });
      assert.equal(anonymous.statusCode, 200);
      assertPageHeaders(anonymous);
      assert.match(String(anonymous.headers['content-security-policy']), /form-action 'self'/);
      assert.match(anonymous.body, /<form method="post" action="\/account\/login">/);
      const wrong = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'alice', password: 'wrong-password-1' }) });
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /Неверное имя пользователя или пароль\./);
      assert.match(wrong.body, /name="username" value="alice"/);
      assert.doesNotMatch(wrong.body, /wrong-password-1/);
      assert.equal(wrong.headers['set-cookie'], undefined);
      const empty = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'alice' }) });
      assert.equal(empty.statusCode, 400);

      const right = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'alice', password: 'correct-horse-battery' }) });
      assert.equal(right.statusCode, 303, right.body);
      assert.equal(right.headers.location, '/account');
      const set = sessionCookie(right);
      assert.match(set, /^ttops_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=\d+; SameSite=Lax; HttpOnly$/);
      assert.doesNotMatch(set, /Secure/, 'plain http site');
      const cookie = set.split(';')[0];

      const paid = await t.checkout.createOrder({ product_id: 2, provider: 'yookassa' }, { userId: alice.userId });
      await t.checkout.markPaid(paid.order_id);
      const cabinet = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.equal(cabinet.statusCode, 200);
      assert.match(cabinet.body, /<dd id="username">alice<\/dd>/);
      const user = await t.store.findUserById(alice.userId);
      assert.match(cabinet.body, new RegExp(`<dd id="credits">${user!.credits}</dd>`));
      assert.ok(user!.credits >= 10);
      assert.match(cabinet.body, /<dd id="license" data-active="yes">«pro», действует до/);
      assert.ok(cabinet.body.includes(`${t.urls.serverHost}/buy?ref=R${String(alice.userId).padStart(7, '0')}`));
      assert.match(cabinet.body, new RegExp(`<a href="[^"]*/orders/${paid.order_id}\\?exp=\\d+&amp;sig=[^"]+">${paid.order_id}</a>`));
      assert.match(cabinet.body, /<table id="receipts">/);

      const out = await t.app.inject({ method: 'POST', url: '/account/logout', headers: { cookie } });
      assert.equal(out.statusCode, 303);
      assert.match(sessionCookie(out), /^ttops_session=; Path=\/; Max-Age=0;/);
    });

    test('a buyer whose license lapsed logs in to the cabinet to see it and renew; the API still refuses them, and the cabinet session is no access token', async () => {
      const lapsed = await makeStreamer(t, 'lapsed');
      await sqlRows(t.store, `UPDATE users SET license_expires_at = '2020-01-02T03:04:05.000Z' WHERE id = ${lapsed.userId} RETURNING id`);
      const api = await t.app.inject({ method: 'POST', url: '/v2/auth/login', payload: { username: 'lapsed', password: 'correct-horse-battery' } });
      assert.equal(api.statusCode, 403);
      assert.equal(api.json().error.code, 'license_expired');

      const login = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'lapsed', password: 'correct-horse-battery' }) });
      assert.equal(login.statusCode, 303, login.body);
      const cookie = sessionCookie(login).split(';')[0];
      const cabinet = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.match(cabinet.body, /<dd id="license" data-active="no">«pro», истекла/);
      const buy = await t.app.inject({ method: 'GET', url: '/buy', headers: { cookie } });
      assert.match(buy.body, /Вы покупаете как lapsed\./, 'a renewal is bought as this buyer');

      const token = cookie.slice('ttops_session='.length);
      const asBearer = await t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: { authorization: `Bearer ${token}` } });
      assert.equal(asBearer.statusCode, 401);
      assert.equal(asBearer.json().error.code, 'token_invalid');
      const stillActive = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'alice', password: 'correct-horse-battery' }) });
      const aliceToken = sessionCookie(stillActive).split(';')[0].slice('ttops_session='.length);
      assert.equal((await t.app.inject({ method: 'GET', url: '/v2/auth/me', headers: { authorization: `Bearer ${aliceToken}` } })).statusCode, 401, 'not for a licensed buyer either');

      // A revocation (what revoking a license does) ends the cabinet session too.
      await sqlRows(t.store, `UPDATE users SET token_version = token_version + 1 WHERE id = ${lapsed.userId} RETURNING id`);
      const revoked = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie } });
      assert.match(revoked.body, /action="\/account\/login"/);
    });

    test('a session cookie that does not verify shows the login form and is cleared', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: 'ttops_session=eyJhbGciOiJIUzI1NiJ9.e30.bad' } });
      assert.equal(r.statusCode, 200);
      assert.match(r.body, /action="\/account\/login"/);
      assert.match(sessionCookie(r), /Max-Age=0/);
    });

    test('hostile input on the pages is a 4xx page (or the error JSON when asked), never a 5xx', async () => {
      const cases: [string, string, string | undefined, number][] = [
        ['POST', '/buy', form({ product_id: '1', provider: 'robokassa', promo_code: 'a\u0000b' }), 400],
        ['POST', '/buy', form({ product_id: '1', provider: 'robokassa', ref: 'x'.repeat(65) }), 400],
        ['POST', '/account/login', form({ username: 'a\u0000', password: 'p' }), 400],
        ['GET', '/orders/1e20?exp=1&sig=x', undefined, 404],
        ['GET', '/orders/1?exp=Infinity&sig=x', undefined, 400],
        ['GET', '/orders/1?exp=99999999999999999999&sig=x', undefined, 403],
        ['GET', '/orders/abc', undefined, 400],
        ['GET', '/buy?ref=%00', undefined, 400],
      ];
      for (const [method, url, payload, status] of cases) {
        const r = await t.app.inject({ method: method as 'GET', url, headers: payload ? FORM : {}, payload });
        assert.equal(r.statusCode, status, `${method} ${url} ${payload} → ${r.body.slice(0, 300)}`);
        assert.match(String(r.headers['content-type']), /^text\/html/);
        const asJson = await t.app.inject({ method: method as 'GET', url, headers: { ...(payload ? FORM : {}), accept: 'application/json' }, payload });
        assert.equal(asJson.statusCode, status);
        assert.equal(typeof asJson.json().error.code, 'string');
      }
      for (const [type, payload] of [['text/plain', 'x'], ['application/json', '[1]'], ['application/xml', '<a/>'], ['application/x-www-form-urlencoded', '%zz=%']]) {
        const r = await t.app.inject({ method: 'POST', url: '/buy', headers: { 'content-type': type }, payload });
        assert.ok(r.statusCode >= 400 && r.statusCode < 500, `${type} ${payload} → ${r.statusCode} ${r.body.slice(0, 200)}`);
      }
    });
  });
}

test('on an https site the session cookie is Secure', async () => {
  const engine = await sqliteEngine();
  const t = await makeShopApp(engine, { SERVER_HOST: 'https://shop.example' });
  try {
    await makeStreamer(t, 'carol');
    const r = await t.app.inject({ method: 'POST', url: '/account/login', headers: FORM, payload: form({ username: 'carol', password: 'correct-horse-battery' }) });
    assert.equal(r.statusCode, 303, r.body);
    assert.match(sessionCookie(r), /; HttpOnly; Secure$/);
  } finally {
    await t.close();
    await engine.cleanup();
  }
});
