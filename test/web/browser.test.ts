/**
 * The checkout in a real browser: Debian's Chromium (headless, driven by playwright-core),
 * on both engines, with JavaScript on and off. /buy lists the catalogue and its form lands
 * on the (fake) provider's page; paying there brings the buyer back to the return page,
 * which shows the key once and not after a reload; a waiting order's page reloads itself
 * (meta refresh) until it is paid; /account refuses a wrong password, then shows credits,
 * license and orders; the language switch turns the pages English and the choice sticks;
 * the CSP's style hash lets the page style apply and nothing is reported blocked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { makeStreamer } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { startFakePayPage } from './fake-pay.js';
import type { MemoryCheckout } from './memory-checkout.js';
import { makeListeningShopApp } from './shop-app.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

/** A page that records console messages (CSP violations show up there) and page errors. */
async function openPage(context: BrowserContext): Promise<{ page: Page; console: string[] }> {
  const page = await context.newPage();
  const messages: string[] = [];
  page.on('console', (m) => messages.push(m.text()));
  page.on('pageerror', (e) => messages.push(String(e)));
  return { page, console: messages };
}

for (const { name, make } of ENGINES) {
  describe(`checkout pages in Chromium on ${name}`, () => {
    let engine: TestEngine;
    let shop: Awaited<ReturnType<typeof makeListeningShopApp>>;
    let pay: Awaited<ReturnType<typeof startFakePayPage>>;
    let checkout: MemoryCheckout;
    let dave: Awaited<ReturnType<typeof makeStreamer>>;

    before(async () => {
      engine = await make();
      pay = await startFakePayPage(() => checkout);
      shop = await makeListeningShopApp(engine, () => pay.url);
      checkout = shop.checkout;
      dave = await makeStreamer(shop, 'dave');
    });
    after(async () => {
      await shop?.close();
      await pay?.close();
      await engine?.cleanup();
    });

    for (const javaScriptEnabled of [true, false]) {
      const js = javaScriptEnabled ? 'JavaScript on' : 'JavaScript off';

      test(`/buy → provider page → return page shows the key once, on a click; a reload does not (${js})`, async () => {
        const context = await browser.newContext({ javaScriptEnabled, locale: 'ru-RU' });
        try {
          const { page, console } = await openPage(context);
          const response = await page.goto(`${shop.base}/buy?ref=FRIEND01`);
          assert.equal(response!.status(), 200);
          assert.equal(await page.locator('input[name=product_id]').count(), 2);
          assert.match(await page.locator('main').innerText(), /Pro на 30 дней[\s\S]*290\.00 ₽[\s\S]*10 кредитов <b>/);
          assert.equal(await page.locator('input[name=product_id][value="1"]').isChecked(), true);
          assert.equal(await page.locator('input[name=provider]').count(), 2);
          await page.locator('input[name=provider][value=yookassa]').check();
          await page.locator('input[name=promo_code]').fill('SALE10');
          await Promise.all([page.waitForURL(`${pay.url}/pay/*`), page.locator('button[type=submit]').click()]);
          const orderId = Number(new URL(page.url()).pathname.split('/').pop());
          assert.deepEqual(checkout.calls.at(-1), { input: { product_id: 1, provider: 'yookassa', promo_code: 'SALE10', ref: 'FRIEND01', lang: 'ru' }, buyer: {} });
          assert.equal(pay.visits.at(-1), orderId);

          await Promise.all([page.waitForURL(`${shop.base}/orders/${orderId}?*`), page.locator('#pay').click()]);
          const key = checkout.issuedKeys.get(orderId)!;
          assert.match(key, /^TTB-/);
          assert.ok(!(await page.content()).includes(key), 'the page shows no key before the click');
          await Promise.all([page.waitForURL(`${shop.base}/orders/${orderId}?*`), page.locator('#show-key').click()]);
          assert.equal(await page.locator('#license-key').innerText(), key);
          assert.match(await page.locator('.warning').innerText(), /ключ показывается только один раз/);
          assert.match(await page.locator('#order-status').innerText(), /Оплачен/);
          assert.match(await page.locator('main').innerText(), /261\.00 ₽/);

          await page.goto(page.url());
          assert.equal(await page.locator('#license-key').count(), 0);
          assert.ok(!(await page.content()).includes(key), 'the key is gone from the page');
          assert.match(await page.locator('main').innerText(), /Ключ уже был показан/);
          if (javaScriptEnabled) {
            // The hashed stylesheet applied, and the browser reported nothing blocked.
            assert.equal(await page.evaluate(() => getComputedStyle(document.body).backgroundColor), 'rgb(246, 246, 248)');
            assert.deepEqual(console.filter((m) => /Content Security Policy|Refused/i.test(m)), []);
          }
        } finally {
          await context.close();
        }
      });

      test(`a waiting order's page reloads itself until paid (${js})`, async () => {
        const context = await browser.newContext({ javaScriptEnabled, locale: 'ru-RU' });
        try {
          const { page } = await openPage(context);
          const made = await checkout.createOrder({ product_id: 1, provider: 'robokassa' }, {});
          await page.goto(made.status_url);
          assert.match(await page.locator('#order-status').innerText(), /Ожидает оплаты/);
          assert.equal(await page.locator('meta[http-equiv=refresh]').count(), 1);
          await checkout.markPaid(made.order_id);
          // The meta refresh (every few seconds) brings the «show the key» button without any script.
          await page.locator('#show-key').waitFor({ timeout: 20_000 });
          await page.locator('#show-key').click();
          assert.equal(await page.locator('#license-key').innerText(), checkout.issuedKeys.get(made.order_id));
        } finally {
          await context.close();
        }
      });

      test(`/account: a wrong password, then the right one shows credits, license and orders (${js})`, async () => {
        const context = await browser.newContext({ javaScriptEnabled, locale: 'ru-RU' });
        try {
          const paid = await checkout.createOrder({ product_id: 2, provider: 'robokassa' }, { userId: dave.userId });
          await checkout.markPaid(paid.order_id);
          const { page } = await openPage(context);
          await page.goto(`${shop.base}/account`);
          await page.locator('input[name=username]').fill('dave');
          await page.locator('input[name=password]').fill('not-the-password');
          const [refused] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/account/login')), page.locator('button[type=submit]').click()]);
          assert.equal(refused.status(), 401);
          await page.locator('.error').waitFor();
          assert.match(await page.locator('.error').innerText(), /Неверное имя пользователя или пароль/);
          assert.equal(await page.locator('input[name=username]').inputValue(), 'dave', 'the username is kept');
          assert.equal(await page.locator('input[name=password]').inputValue(), '', 'the password is not');

          await page.locator('input[name=password]').fill('correct-horse-battery');
          await Promise.all([page.waitForURL(`${shop.base}/account`), page.locator('button[type=submit]').click()]);
          await page.locator('#credits').waitFor();
          const user = await shop.store.findUserById(dave.userId);
          assert.equal(await page.locator('#credits').innerText(), String(user!.credits));
          assert.ok(user!.credits >= 10);
          assert.match(await page.locator('#license').innerText(), /«pro», действует до/);
          assert.equal(await page.locator('#license').getAttribute('data-active'), 'yes');
          assert.match(await page.locator('#referral-link').innerText(), new RegExp(`^${shop.base}/buy\\?ref=R\\d{7}$`));
          const row = page.locator('#orders tbody tr', { hasText: `${paid.order_id}` }).first();
          assert.match(await row.innerText(), /Оплачен/);
          const cookies = await context.cookies();
          const session = cookies.find((c) => c.name === 'ttops_session')!;
          assert.equal(session.httpOnly, true);
          assert.equal(session.sameSite, 'Lax');

          // The order's link opens its return page; logging out brings the login form back.
          await Promise.all([page.waitForURL(`${shop.base}/orders/${paid.order_id}?*`), row.locator('a').click()]);
          assert.match(await page.locator('main').innerText(), /На ваш счёт зачислено кредитов: 10\./);
          await page.goto(`${shop.base}/account`);
          await Promise.all([page.waitForURL(`${shop.base}/account`), page.locator('form[action="/account/logout"] button').click()]);
          await page.locator('input[name=password]').waitFor();
        } finally {
          await context.close();
        }
      });

      test(`the language switch turns the pages English, and the choice sticks (${js})`, async () => {
        const context = await browser.newContext({ javaScriptEnabled, locale: 'ru-RU' });
        try {
          const { page } = await openPage(context);
          await page.goto(`${shop.base}/buy`);
          assert.equal(await page.locator('html').getAttribute('lang'), 'ru');
          await Promise.all([page.waitForURL(`${shop.base}/buy?lang=en`), page.locator('header a[hreflang=en]').click()]);
          assert.equal(await page.locator('html').getAttribute('lang'), 'en');
          assert.match(await page.locator('main').innerText(), /Pro for 30 days[\s\S]*Go to payment/);
          await page.goto(`${shop.base}/account`);
          assert.match(await page.locator('h1').innerText(), /Log in to your account/);
          await Promise.all([page.waitForURL(`${shop.base}/account?lang=ru`), page.locator('header a[hreflang=ru]').click()]);
          assert.match(await page.locator('h1').innerText(), /Вход в кабинет/);
          // A browser set to English gets English from its Accept-Language, with no choice made.
          const english = await browser.newContext({ javaScriptEnabled, locale: 'en-US' });
          const other = await english.newPage();
          await other.goto(`${shop.base}/buy`);
          assert.equal(await other.locator('html').getAttribute('lang'), 'en');
          await english.close();
        } finally {
          await context.close();
        }
      });
    }
  });
}
