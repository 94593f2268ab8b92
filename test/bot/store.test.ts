/** The bot's part of the store on both engines: conversation state by key, update dedupe. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConversationStorage } from '../../src/bot/storage.js';
import { openStore } from '../../src/store/open.js';
import type { BotUpdateRequest, Store } from '../../src/store/types.js';
import { testConfig } from '../helpers/config.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

for (const { name, make } of ENGINES) {
  describe(`bot store on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    before(async () => {
      engine = await make();
      store = await openStore(testConfig(engine.env));
      await store.migrateUp();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('sessions are read, overwritten and deleted by key', async () => {
      assert.equal(await store.readBotSession('convo:1'), undefined);
      await store.writeBotSession('convo:1', '{"a":1}');
      await store.writeBotSession('convo:1', '{"a":2}');
      await store.writeBotSession('convo:2', 'x');
      assert.equal(await store.readBotSession('convo:1'), '{"a":2}');
      await store.deleteBotSession('convo:1');
      assert.equal(await store.readBotSession('convo:1'), undefined);
      assert.equal(await store.readBotSession('convo:2'), 'x');
    });

    const open = (updateId: number, more: Partial<BotUpdateRequest> = {}) => store.openBotUpdate({ updateId, claim: true, keepMs: 60_000, sessionKeys: [], ...more });

    test('opening an update reads its sessions in one call; absent keys are left out', async () => {
      await store.writeBotSession('convo:7', '{"b":1}');
      await store.writeBotSession('lang:7', 'en');
      assert.deepEqual((await open(4001, { sessionKeys: ['convo:7', 'lang:7', 'lang:8'] })).sessions, new Map([['convo:7', '{"b":1}'], ['lang:7', 'en']]));
      assert.deepEqual((await open(4002, { sessionKeys: ['lang:8'] })).sessions, new Map());
      assert.deepEqual((await open(4003)).sessions, new Map());
    });

    test("opening an update reads the sender's account as it is, and none for a stranger", async () => {
      const user = await store.ensureTelegramUser(88_001);
      await store.grantCredits(user.id, 5, 'test grant', { actor: 'test' });
      const opened = await open(4101, { telegramId: 88_001 });
      assert.equal(opened.account?.id, user.id);
      assert.equal(opened.account?.credits, 5);
      assert.equal(opened.account?.telegramId, 88_001);
      assert.equal((await open(4102, { telegramId: 88_002 })).account, undefined);
      assert.equal((await open(4103)).account, undefined);
      assert.equal(await store.findUserByTelegramId(88_002), undefined, 'reading made no account');
    });

    test('the conversations adapter round-trips versioned state as JSON', async () => {
      const adapter = makeConversationStorage<{ n: number }>(store);
      const state = { version: [1, 1] as [1, string | number], state: { n: 3 } } as unknown as Parameters<typeof adapter.write>[1];
      await adapter.write('k', state);
      assert.deepEqual(await adapter.read('k'), state);
      await adapter.delete('k');
      assert.equal(await adapter.read('k'), undefined);
    });

    test('an update id is claimed once, also when two deliveries race', async () => {
      const results = await Promise.all([open(5001), open(5001), open(5002)]);
      assert.deepEqual(results.map((r) => r.fresh).sort(), [false, true, true]);
      assert.equal((await open(5001)).fresh, false);
      assert.equal((await open(5001, { claim: false })).fresh, true, 'an update not claimed (a payment) is always handled');
      assert.equal((await open(5004, { claim: false })).fresh, true);
      assert.equal((await open(5004)).fresh, true, 'and leaves no claim behind');
      // Rows past `keepMs` are pruned: the id counts as new again.
      await new Promise((r) => setTimeout(r, 20));
      assert.equal((await open(5003, { keepMs: 1 })).fresh, true, 'pruning happens on the way');
      assert.equal((await open(5001)).fresh, true);
    });
  });
}
