/**
 * The products catalogue on both engines: the default catalogue after migrate, validated
 * adds and edits, audit rows, and the /ready warning when nothing is on sale.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addProduct, editProduct, findProductRef, formatRubles, listProductViews, parseRubles } from '../../src/billing/catalogue.js';
import { catalogueCheck } from '../../src/api/readiness.js';
import type { Store } from '../../src/store/types.js';
import { makeTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const by = { actor: 'test:admin' };

test('rubles are parsed to kopecks exactly and printed back', () => {
  assert.equal(parseRubles('290'), 29000);
  assert.equal(parseRubles('290.5'), 29050);
  assert.equal(parseRubles('290,05'), 29005);
  assert.equal(formatRubles(29005), '290.05');
  for (const bad of ['', '0', '-1', '1.234', 'abc', '1e3']) assert.throws(() => parseRubles(bad), { code: 'invalid_price_rub' }, bad);
});

for (const { name, make } of ENGINES) {
  describe(`catalogue on ${name}`, () => {
    let engine: TestEngine;
    let t: TestApp;
    let store: Store;

    before(async () => {
      engine = await make();
      t = await makeTestApp(engine);
      store = t.store;
    });
    after(async () => {
      await t.close();
      await engine.cleanup();
    });

    test('migrate creates the default catalogue: credit packs 10/50/100 and license plans 30/90 days, all on sale', async () => {
      const views = await listProductViews(store);
      assert.deepEqual(
        views.map((p) => [p.code, p.kind, p.credits, p.plan, p.ttl_days, p.enabled]),
        [
          ['credits-10', 'credits', 10, null, null, true],
          ['credits-50', 'credits', 50, null, null, true],
          ['credits-100', 'credits', 100, null, null, true],
          ['license-30d', 'license', null, 'pro', 30, true],
          ['license-90d', 'license', null, 'pro', 90, true],
        ],
      );
      assert.ok(views.every((p) => Number.isInteger(p.price_rub) && p.price_rub > 0 && Number.isInteger(p.price_stars) && p.price_stars > 0));
      assert.ok(views.every((p) => p.title_ru.length <= 32 && p.title_en.length <= 32));
    });

    test('add, find by id or code, edit and disable — each audited; bad products refused with the field to fix', async () => {
      const added = await addProduct(store, { kind: 'credits', code: 'credits-20', titleRu: '20 кредитов', titleEn: '20 credits', credits: 20, priceRub: 54950, priceStars: 280, sort: 15 }, by);
      assert.equal(added.enabled, true);
      assert.equal((await findProductRef(store, String(added.id))).code, 'credits-20');
      assert.equal((await findProductRef(store, 'credits-20')).id, added.id);
      assert.deepEqual((await listProductViews(store)).map((p) => p.code).slice(0, 2), ['credits-10', 'credits-20']);

      const edited = await editProduct(store, 'credits-20', { priceStars: 300, titleEn: '  20 credits!  ' }, by);
      assert.equal(edited.price_stars, 300);
      assert.equal(edited.title_en, '20 credits!');
      const disabled = await editProduct(store, String(added.id), { enabled: false }, by);
      assert.equal(disabled.enabled, false);
      assert.ok(!(await listProductViews(store, { enabledOnly: true })).some((p) => p.code === 'credits-20'));
      const actions = (await store.listAudit(20)).filter((a) => a.subject === `product:${added.id}`).map((a) => a.action);
      assert.deepEqual(actions, ['product.disable', 'product.edit', 'product.add']);

      await assert.rejects(addProduct(store, { kind: 'credits', code: 'credits-20', titleRu: 'a', titleEn: 'b', credits: 1, priceRub: 100, priceStars: 1 }, by), { code: 'product_code_taken' });
      await assert.rejects(addProduct(store, { kind: 'license', code: 'lic', titleRu: 'a', titleEn: 'b', credits: 3, priceRub: 100, priceStars: 1 }, by), { code: 'invalid_product' });
      await assert.rejects(addProduct(store, { kind: 'license', code: 'lic', titleRu: 'a', titleEn: 'b', plan: 'pro', priceRub: 100, priceStars: 1 }, by), { code: 'invalid_ttl_days' });
      await assert.rejects(addProduct(store, { kind: 'gift', code: 'g', titleRu: 'a', titleEn: 'b', priceRub: 100, priceStars: 1 }, by), { code: 'invalid_kind' });
      await assert.rejects(addProduct(store, { kind: 'credits', code: 'Bad Code', titleRu: 'a', titleEn: 'b', credits: 1, priceRub: 100, priceStars: 1 }, by), { code: 'invalid_code' });
      await assert.rejects(addProduct(store, { kind: 'credits', code: 'long', titleRu: 'я'.repeat(33), titleEn: 'b', credits: 1, priceRub: 100, priceStars: 1 }, by), { code: 'invalid_title_ru' });
      await assert.rejects(editProduct(store, 'credits-20', { plan: 'pro' }, by), { code: 'invalid_product' });
      await assert.rejects(editProduct(store, 'credits-20', {}, by), { code: 'nothing_to_change' });
      await assert.rejects(editProduct(store, 'nope', { sort: 1 }, by), { code: 'product_not_found' });
      await assert.rejects(editProduct(store, '99999999999999999999', { sort: 1 }, by), { code: 'product_not_found' });
    });

    test('/ready warns (200, status warn) when every product is disabled, and passes again once one is on sale', async () => {
      assert.equal((await catalogueCheck(store).run()).status, 'pass');
      for (const p of await store.listProducts()) await store.updateProduct(p.id, { enabled: false }, by);
      const check = await catalogueCheck(store).run();
      assert.equal(check.status, 'warn');
      assert.match(check.output!, /no product is enabled/);
      const ready = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().checks.catalogue.status, 'warn');
      assert.equal(ready.json().status, 'warn');
      await editProduct(store, 'credits-10', { enabled: true }, by);
      const again = await t.app.inject({ method: 'GET', url: '/ready' });
      assert.deepEqual(again.json().checks.catalogue, { status: 'pass', observedValue: 1 });
    });
  });
}
