/**
 * `findUserById` under concurrency, on both engines: every caller gets its own user, however
 * many ask at once, with repeats, missing and out-of-range ids among them. On PostgreSQL the
 * lookups asked for together go out as one statement (the batching that carries /me's speed),
 * and a lookup asked for after a change reads the change: nothing is cached.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import type { Store, UserRecord } from '../../src/store/types.js';
import { recordStatements } from '../bot/statements.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const USERS = 40;

for (const { name, make } of ENGINES) {
  describe(`user lookups on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let users: UserRecord[];

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      users = [];
      for (let i = 0; i < USERS; i++) users.push(await store.ensureTelegramUser(7_000_000 + i));
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('many lookups at once each answer their own user; missing and out-of-range ids answer none', async () => {
      const missing = Math.max(...users.map((u) => u.id)) + 1000;
      const ids = [...users.map((u) => u.id), ...users.slice(0, 10).map((u) => u.id).reverse(), missing, 2 ** 53, 9_223_372_036_854_775_807];
      const found = await Promise.all(ids.map((id) => store.findUserById(id)));
      assert.deepEqual(
        found.map((u) => u?.telegramId),
        ids.map((id) => users.find((u) => u.id === id)?.telegramId),
      );
    });

    test('lookups asked for together are one statement on PostgreSQL', async () => {
      const statements = await recordStatements(() => Promise.all(users.map((u) => store.findUserById(u.id))));
      assert.equal(statements.length, name === 'postgres' ? 1 : USERS);
    });

    test('a lookup after a change reads the change', async () => {
      const [user] = users;
      const before = await store.findUserById(user.id);
      await store.updateUserSettings(user.id, { ttsVolume: 13 });
      const [after] = await Promise.all([store.findUserById(user.id), store.findUserById(users[1].id)]);
      assert.notEqual(before?.ttsVolume, 13);
      assert.equal(after?.ttsVolume, 13);
    });
  });
}
