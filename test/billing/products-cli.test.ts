/**
 * `ttops products` end to end through the real binary on both engines: JSON and text output,
 * exit codes per the README table, one sentence on bad input, and `ttops status` warning when
 * nothing is on sale.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { EXIT } from '../../src/errors.js';
import { ttops } from '../helpers/cli.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

/** One line, no stack trace. */
function sentence(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

for (const { name, make } of ENGINES) {
  describe(`ttops products on ${name}`, () => {
    let engine: TestEngine;
    let env: Record<string, string>;

    before(async () => {
      engine = await make();
      env = { ...engine.env, USER: 'tester' };
    });
    after(async () => {
      await engine.cleanup();
    });

    test('list shows the default catalogue; add, edit and disable change it', async () => {
      const list = await ttops(['products', 'list', '--json'], env);
      assert.equal(list.code, 0, list.stderr);
      assert.deepEqual(JSON.parse(list.stdout).map((p: { code: string }) => p.code), ['credits-10', 'credits-50', 'credits-100', 'license-30d', 'license-90d']);
      const text = await ttops(['products', 'list'], env);
      assert.match(text.stdout, /credits-10 +credits +10 credits +290\.00 +150 +yes/);

      const add = await ttops(['products', 'add', '--kind', 'license', '--code', 'license-365d', '--title-ru', 'Лицензия на год', '--title-en', 'One-year license', '--plan', 'pro', '--ttl-days', '365', '--price-rub', '7990.50', '--price-stars', '4000', '--sort', '60', '--json'], env);
      assert.equal(add.code, 0, add.stderr);
      const added = JSON.parse(add.stdout);
      assert.deepEqual([added.kind, added.plan, added.ttl_days, added.price_rub, added.price_stars, added.enabled], ['license', 'pro', 365, 799050, 4000, true]);

      const edit = await ttops(['products', 'edit', 'license-365d', '--price-stars', '3900', '--title-en', 'Annual license'], env);
      assert.equal(edit.code, 0, edit.stderr);
      assert.match(edit.stdout, /^changed license-365d \(id \d+, pro for 365 days\): 7990\.50 RUB \/ 3900 Stars, on sale\n$/);

      const disable = await ttops(['products', 'disable', String(added.id), '--json'], env);
      assert.equal(disable.code, 0, disable.stderr);
      assert.equal(JSON.parse(disable.stdout).enabled, false);
      const enabled = JSON.parse((await ttops(['products', 'list', '--enabled', '--json'], env)).stdout);
      assert.ok(!enabled.some((p: { code: string }) => p.code === 'license-365d'));
    });

    test('bad input exits 2, an unknown product 5, a taken code 6 — each with one sentence', async () => {
      const cases: [string[], number, RegExp][] = [
        [['products', 'add', '--kind', 'credits', '--code', 'x1', '--title-ru', 'a', '--title-en', 'b', '--credits', '5', '--price-rub', 'cheap', '--price-stars', '5'], EXIT.usage, /not a price in rubles — write it like 290/],
        [['products', 'add', '--kind', 'credits', '--code', 'x1', '--title-ru', 'a', '--title-en', 'b', '--price-rub', '10', '--price-stars', '5'], EXIT.usage, /credits must be a whole number/],
        [['products', 'add', '--kind', 'license', '--code', 'x1', '--title-ru', 'a', '--title-en', 'b', '--credits', '5', '--price-rub', '10', '--price-stars', '5'], EXIT.usage, /a license product has no credits/],
        [['products', 'add', '--kind', 'credits', '--code', 'x1', '--title-ru', 'a', '--credits', '5', '--price-rub', '10', '--price-stars', '5'], EXIT.usage, /--title-en/],
        [['products', 'edit', 'credits-10', '--price-stars', '0'], EXIT.usage, /whole number from 1/],
        [['products', 'edit', 'credits-10'], EXIT.usage, /say what to change/],
        [['products', 'edit', 'credits-10', '--enable', '--disable'], EXIT.usage, /not both/],
        [['products', 'disable', 'no-such-product'], EXIT.notFound, /no product no-such-product/],
        [['products', 'add', '--kind', 'credits', '--code', 'credits-10', '--title-ru', 'a', '--title-en', 'b', '--credits', '5', '--price-rub', '10', '--price-stars', '5'], EXIT.conflict, /code credits-10 exists/],
      ];
      for (const [args, code, message] of cases) {
        const r = await ttops(args, env);
        assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message);
        sentence(r.stderr);
        assert.equal(r.stdout, '');
      }
    });

    test('with every product disabled, list and status warn instead of staying silent', async () => {
      const all = JSON.parse((await ttops(['products', 'list', '--json'], env)).stdout) as { code: string; enabled: boolean }[];
      for (const p of all.filter((x) => x.enabled)) assert.equal((await ttops(['products', 'disable', p.code], env)).code, 0);
      const list = await ttops(['products', 'list', '--enabled'], env);
      assert.equal(list.code, 0);
      assert.equal(list.stdout, 'no product is on sale\n');
      assert.match(list.stderr, /warning: no product is enabled — nothing can be bought/);
      const status = await ttops(['status', '--json'], env);
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual(JSON.parse(status.stdout).catalogue, { enabled: 0, total: all.length });
      const human = await ttops(['status'], env);
      assert.match(human.stdout, new RegExp(`\\ncatalogue +no product enabled \\(${all.length} disabled\\) — nothing can be bought`));
      assert.equal((await ttops(['products', 'edit', 'credits-10', '--enable'], env)).code, 0);
      assert.match((await ttops(['status'], env)).stdout, /\ncatalogue +1 of \d+ products enabled\n/);
    });
  });
}
