/**
 * `ttops promo` and `ttops payments list|show` end to end through the real binary on both
 * engines: JSON and text output, exit codes per the README table, one sentence on bad input.
 * Payments are made through the store (as a provider notification would) between commands.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { EXIT } from '../../src/errors.js';
import { openStore } from '../../src/store/open.js';
import { ttops } from '../helpers/cli.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

/** One line, no stack trace. */
function sentence(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

for (const { name, make } of ENGINES) {
  describe(`ttops promo and payments on ${name}`, () => {
    let engine: TestEngine;
    let env: Record<string, string>;

    before(async () => {
      engine = await make();
      env = { ...engine.env, USER: 'tester' };
      const store = await openStore(engine.settings);
      await store.migrateUp();
      await store.close();
    });
    after(async () => {
      await engine.cleanup();
    });

    test('create, list, disable and enable promo codes', async () => {
      const pct = await ttops(['promo', 'create', 'spring25', '--percent', '25', '--max-uses', '10', '--expires', '2099-12-31', '--json'], env);
      assert.equal(pct.code, 0, pct.stderr);
      const created = JSON.parse(pct.stdout);
      assert.deepEqual([created.code, created.kind, created.value, created.max_uses, created.uses, created.expires_at, created.enabled], ['SPRING25', 'percent', 25, 10, 0, '2100-01-01T00:00:00.000Z', true]);
      const fixed = await ttops(['promo', 'create', 'MINUS100', '--fixed', '99.50'], env);
      assert.equal(fixed.code, 0, fixed.stderr);
      assert.equal(fixed.stdout, 'added MINUS100: 99.50 RUB off, 0 used, no expiry, on\n');
      const bonus = await ttops(['promo', 'create', 'GIFT5', '--credits', '5', '--expires', '2099-06-01T12:00:00Z', '--json'], env);
      assert.deepEqual([JSON.parse(bonus.stdout).kind, JSON.parse(bonus.stdout).expires_at], ['credits', '2099-06-01T12:00:00.000Z']);

      const list = await ttops(['promo', 'list', '--json'], env);
      assert.deepEqual(JSON.parse(list.stdout).map((p: { code: string }) => p.code), ['GIFT5', 'MINUS100', 'SPRING25']);
      const text = await ttops(['promo', 'list'], env);
      assert.match(text.stdout, /SPRING25 +25% off +0 +10 +2100-01-01T00:00:00\.000Z +yes/);
      assert.match(text.stdout, /MINUS100 +99\.50 RUB off +0 +unlimited +- +yes/);

      const off = await ttops(['promo', 'disable', 'spring25'], env);
      assert.equal(off.code, 0, off.stderr);
      assert.match(off.stdout, /^disabled SPRING25: 25% off, 0\/10 used, until 2100-01-01T00:00:00\.000Z, off\n$/);
      const on = await ttops(['promo', 'enable', 'SPRING25', '--json'], env);
      assert.equal(JSON.parse(on.stdout).enabled, true);
    });

    test('bad promo input exits 2, an unknown code 5, a taken code 6 — each with one sentence', async () => {
      const cases: [string[], number, RegExp][] = [
        [['promo', 'create', 'X1X'], EXIT.usage, /exactly one of --percent N, --fixed RUBLES or --credits N/],
        [['promo', 'create', 'X1X', '--percent', '10', '--credits', '5'], EXIT.usage, /exactly one of/],
        [['promo', 'create', 'X1X', '--percent', '101'], EXIT.usage, /whole number from 1 to 100/],
        [['promo', 'create', 'X1X', '--fixed', 'lots'], EXIT.usage, /not a price in rubles/],
        [['promo', 'create', 'X1X', '--credits', '5', '--max-uses', '0'], EXIT.usage, /whole number from 1/],
        [['promo', 'create', 'X1X', '--credits', '5', '--expires', '2001-01-01'], EXIT.usage, /in the past/],
        [['promo', 'create', 'X1X', '--credits', '5', '--expires', 'tomorrow'], EXIT.usage, /not a date/],
        [['promo', 'create', 'no spaces', '--credits', '5'], EXIT.usage, /3–32 letters/],
        [['promo', 'create', 'gift5', '--credits', '5'], EXIT.conflict, /promo code GIFT5 exists/],
        [['promo', 'disable', 'NOPE'], EXIT.notFound, /no promo code NOPE/],
        [['payments', 'show', '987654'], EXIT.notFound, /no payment with id 987654/],
        [['payments', 'show', 'abc'], EXIT.usage, /whole number/],
        [['payments', 'list', '--status', 'lost'], EXIT.usage, /--status must be one of/],
      ];
      for (const [args, code, message] of cases) {
        const r = await ttops(args, env);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        sentence(r.stderr);
        assert.equal(r.stdout, '');
      }
    });

    test('payments list filters by status and provider; show gives the payment, its order and its audit rows', async () => {
      const store = await openStore(engine.settings);
      let paidId: number;
      let rejectedId: number;
      let orderId: number;
      try {
        const pack = (await store.findProductByCode('credits-10'))!;
        const user = await store.ensureTelegramUser(5550001);
        const order = await store.openOrder({ productId: pack.id, provider: 'robokassa', userId: user.id, telegramId: null, lang: 'ru', amount: 29000, listPrice: 29000, credits: 10, test: false, idempotenceKey: randomUUID(), expiresAt: new Date(Date.now() + 600_000).toISOString() });
        orderId = order.id;
        const base = { actor: 'robokassa:result', orderId, provider: 'robokassa' as const, amount: '290.000000', amountKopecks: 29000, currency: 'RUB', test: false, referralBonus: 0 };
        rejectedId = (await store.fulfilOrder({ ...base, providerPaymentId: 'inv-bad', amount: '1.000000', amountKopecks: 100 })).payment.id;
        paidId = (await store.fulfilOrder({ ...base, providerPaymentId: 'inv-good' })).payment.id;
      } finally {
        await store.close();
      }

      const all = JSON.parse((await ttops(['payments', 'list', '--json'], env)).stdout) as { id: number; status: string }[];
      assert.deepEqual(all.map((p) => [p.id, p.status]), [[paidId, 'paid'], [rejectedId, 'rejected']]);
      const rejected = JSON.parse((await ttops(['payments', 'list', '--status', 'rejected', '--provider', 'robokassa', '--json'], env)).stdout);
      assert.deepEqual(rejected.map((p: { id: number; reject_reason: string }) => [p.id, p.reject_reason]), [[rejectedId, 'amount_mismatch']]);
      assert.deepEqual(JSON.parse((await ttops(['payments', 'list', '--provider', 'wata', '--json'], env)).stdout), []);
      assert.deepEqual(JSON.parse((await ttops(['payments', 'list', '--limit', '1', '--json'], env)).stdout).length, 1);
      const text = await ttops(['payments', 'list'], env);
      assert.match(text.stdout, new RegExp(`^${paidId} +robokassa +paid +290\\.000000 +RUB +10 `, 'm'));
      assert.equal((await ttops(['payments', 'list', '--provider', 'wata'], env)).stdout, 'no payments\n');

      const show = await ttops(['payments', 'show', String(paidId), '--json'], env);
      assert.equal(show.code, 0, show.stderr);
      const detail = JSON.parse(show.stdout);
      assert.deepEqual([detail.payment.id, detail.payment.order_id, detail.order.id, detail.order.status, detail.order.payment_id], [paidId, orderId, orderId, 'paid', paidId]);
      assert.equal('sealed_key' in detail.order, false);
      assert.deepEqual(detail.audit.map((a: { action: string; actor: string }) => [a.action, a.actor]), [['payment.fulfil', 'robokassa:result']]);
      const human = await ttops(['payments', 'show', String(rejectedId)], env);
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, new RegExp(`^payment ${rejectedId}\n`));
      assert.match(human.stdout, /reject_reason +amount_mismatch/);
      assert.match(human.stdout, new RegExp(`^order ${orderId}$`, 'm'));
      assert.match(human.stdout, /robokassa:result {2}payment\.reject {2}payment:\d+ {2}\{.*"reason":"amount_mismatch"/);
    });
  });
}
