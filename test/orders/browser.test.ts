/**
 * The whole purchase in a real browser (Debian's Chromium, headless, playwright-core) over the
 * real checkout, on both engines: log in at /account, pick a plan on /buy, pay on the (fake)
 * Robokassa page, which notifies the app and sends the browser back through SuccessURL to the
 * return page, where a click shows the issued key — once; the cabinet then lists the paid order. An anonymous
 * buyer of a license gets the same, without JavaScript.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.js';
import { startFakeRobokassa, type FakeRobokassaServer } from '../fakes/robokassa-server.js';
import { makeListeningApp, makeStreamer, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';
import { sqlRows } from '../helpers/ledger.js';

let browser: Browser;

/** Presses «show the key» on the return page (a meta refresh brings it if the payment is still on its way). */
async function showKey(page: Page): Promise<void> {
  await page.locator('#show-key').waitFor({ timeout: 20_000 });
  await Promise.all([page.waitForLoadState('load'), page.locator('#show-key').click()]);
  await page.locator('#license-key').waitFor();
}
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

for (const { name, make } of ENGINES) {
  describe(`buying in Chromium over the real checkout on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp & { base: string };
    let robokassa: FakeRobokassaServer;

    before(async () => {
      engine = await make();
      robokassa = await startFakeRobokassa({ login: 'browser-shop', password1: 'browser-one', password2: 'browser-two' });
      t = await makeListeningApp(engine, { ROBOKASSA_MERCHANT_LOGIN: 'browser-shop', ROBOKASSA_PASSWORD_1: 'browser-one', ROBOKASSA_PASSWORD_2: 'browser-two', ROBOKASSA_URL: robokassa.merchantUrl });
      robokassa.setUrls({ resultUrl: `${t.base}/v2/payments/robokassa/result`, successUrl: `${t.base}/v2/payments/robokassa/success`, failUrl: `${t.base}/v2/payments/robokassa/fail` });
    });
    after(async () => {
      await t?.close();
      await robokassa?.close();
      await engine?.cleanup();
    });

    test('log in, buy a plan on /buy, pay at Robokassa, see the key once, find the order in the cabinet', async () => {
      const eve = await makeStreamer(t, 'eve');
      const plan = (await t.store.findProductByCode('license-30d'))!;
      const context = await browser.newContext({ locale: 'ru-RU' });
      try {
        const page = await context.newPage();
        await page.goto(`${t.base}/account`);
        await page.locator('input[name=username]').fill('eve');
        await page.locator('input[name=password]').fill('correct-horse-battery');
        await Promise.all([page.waitForURL(`${t.base}/account`), page.locator('button[type=submit]').click()]);
        await page.locator('#credits').waitFor();

        await page.goto(`${t.base}/buy`);
        await page.locator(`input[name=product_id][value="${plan.id}"]`).check();
        await page.locator('input[name=provider][value=robokassa]').check();
        await Promise.all([page.waitForURL(`${robokassa.merchantUrl}*`), page.locator('button[type=submit]').click()]);
        const invId = new URL(page.url()).searchParams.get('InvId')!;
        assert.match(invId, /^\d+$/);
        assert.equal(new URL(page.url()).searchParams.get('OutSum'), '990.00');

        await Promise.all([page.waitForURL(`${t.base}/orders/${invId}?*`), page.locator('#pay').click()]);
        await showKey(page);
        const key = await page.locator('#license-key').innerText();
        assert.match(key, /^TTB-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
        assert.match(await page.locator('#order-status').innerText(), /Оплачен/);
        const order = (await t.store.findShopOrder(Number(invId)))!;
        assert.equal(order.status, 'paid');
        assert.equal(order.userId, eve.userId, 'the order is the logged-in buyer’s');

        await page.goto(page.url());
        assert.equal(await page.locator('#license-key').count(), 0, 'shown once');
        assert.ok(!(await page.content()).includes(key));

        await page.goto(`${t.base}/account`);
        const row = page.locator('#orders tbody tr', { hasText: invId }).first();
        assert.match(await row.innerText(), /Оплачен/);
      } finally {
        await context.close();
      }
    });

    test('an anonymous buyer without JavaScript pays for a license and gets its key; a cancelled payment shows no key', async () => {
      const plan = (await t.store.findProductByCode('license-90d'))!;
      const context = await browser.newContext({ locale: 'en-US', javaScriptEnabled: false });
      try {
        const page = await context.newPage();
        await page.goto(`${t.base}/buy`);
        await page.locator(`input[name=product_id][value="${plan.id}"]`).check();
        await page.locator('input[name=provider][value=robokassa]').check();
        await Promise.all([page.waitForURL(`${robokassa.merchantUrl}*`), page.locator('button[type=submit]').click()]);
        const invId = new URL(page.url()).searchParams.get('InvId')!;
        await Promise.all([page.waitForURL(`${t.base}/orders/${invId}?*`), page.locator('#pay').click()]);
        await showKey(page);
        assert.match(await page.locator('#license-key').innerText(), /^TTB-/);
        assert.match(await page.locator('#order-status').innerText(), /Paid/);
        const [payment] = await sqlRows(t.store, `SELECT status FROM payments WHERE provider = 'robokassa' AND order_id = ${Number(invId)}`);
        assert.equal(payment.status, 'paid');

        await page.goto(`${t.base}/buy`);
        await page.locator(`input[name=product_id][value="${plan.id}"]`).check();
        await page.locator('input[name=provider][value=robokassa]').check();
        await Promise.all([page.waitForURL(`${robokassa.merchantUrl}*`), page.locator('button[type=submit]').click()]);
        const cancelledId = Number(new URL(page.url()).searchParams.get('InvId'));
        await page.locator('#cancel').click();
        await page.waitForLoadState();
        assert.equal(await page.locator('#license-key').count(), 0);
        assert.notEqual((await t.store.findShopOrder(cancelledId))!.status, 'paid');
      } finally {
        await context.close();
      }
    });
  });
}
