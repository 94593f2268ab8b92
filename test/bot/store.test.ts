/** The bot's part of the store on both engines: conversation state by key, update dedupe. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeConversationStorage } from '../../src/bot/storage.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
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

    test('several sessions are read in one call; absent keys are left out', async () => {
      await store.writeBotSession('convo:7', '{"b":1}');
      await store.writeBotSession('lang:7', 'en');
      assert.deepEqual(await store.readBotSessions(['convo:7', 'lang:7', 'lang:8']), new Map([['convo:7', '{"b":1}'], ['lang:7', 'en']]));
      assert.deepEqual(await store.readBotSessions(['lang:8']), new Map());
      assert.deepEqual(await store.readBotSessions([]), new Map());
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
      const results = await Promise.all([store.claimBotUpdate(5001, 60_000), store.claimBotUpdate(5001, 60_000), store.claimBotUpdate(5002, 60_000)]);
      assert.deepEqual(results.sort(), [false, true, true]);
      assert.equal(await store.claimBotUpdate(5001, 60_000), false);
      // Rows past `keepMs` are pruned: the id counts as new again.
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await store.claimBotUpdate(5003, 1), true, 'pruning happens on the way');
      assert.equal(await store.claimBotUpdate(5001, 60_000), true);
    });
  });
}
