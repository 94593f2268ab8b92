/**
 * The bus contract on both engines: two stores on one database stand for two processes
 * (each has its own connections, as separate processes do).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BusMessage } from '../../src/store/bus.js';
import { openStore } from '../../src/store/open.js';
import type { SqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/types.js';
import { ENGINES, sqliteEngine, type TestEngine } from '../helpers/engines.js';

/** Resolves with the first `count` messages `store` receives, or rejects after `ms`. */
function receive(store: Store, count: number, ms = 3000): Promise<BusMessage[]> {
  return new Promise((resolve, reject) => {
    const got: BusMessage[] = [];
    let stop: (() => Promise<void>) | undefined;
    const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count} messages`)), ms);
    void store.bus
      .subscribe((message) => {
        got.push(message);
        if (got.length === count) {
          clearTimeout(timer);
          void stop?.();
          resolve(got);
        }
      })
      .then((s) => (stop = s));
  });
}

for (const { name, make } of ENGINES) {
  describe(`bus on ${name}`, () => {
    let engine: TestEngine;
    let a: Store;
    let b: Store;

    before(async () => {
      engine = await make();
      a = await openStore(engine.settings);
      await a.migrateUp();
      b = await openStore(engine.settings);
    });
    after(async () => {
      await a.close();
      await b.close();
      await engine.cleanup();
    });

    test('a message reaches the other process, in order, and never its publisher', async () => {
      const atA = receive(a, 1, 1000).then(
        () => 'a received its own message',
        () => 'ok',
      );
      const atB = receive(b, 3);
      await new Promise((r) => setTimeout(r, 100)); // both subscriptions are live
      for (const n of [1, 2, 3]) await a.bus.publish('test:ping', { n, text: `ünïcode ${n}` });
      const messages = await atB;
      assert.deepEqual(messages.map((m) => [m.topic, m.data]), [1, 2, 3].map((n) => ['test:ping', { n, text: `ünïcode ${n}` }]));
      assert.ok(messages.every((m) => m.origin === a.bus.origin));
      assert.equal(await atA, 'ok');
    });

    test('messages published in one turn, repeats among them, all arrive in order', async () => {
      const atB = receive(b, 60);
      await new Promise((r) => setTimeout(r, 100));
      const sent = Array.from({ length: 60 }, (_, i) => ({ n: i % 20 }));
      await Promise.all(sent.map((data) => a.bus.publish('test:burst', data)));
      assert.deepEqual((await atB).map((m) => m.data), sent);
    });

    test('a message larger than a NOTIFY payload arrives whole', async () => {
      const big = { blob: 'x'.repeat(50_000) };
      const atB = receive(b, 1);
      await new Promise((r) => setTimeout(r, 100));
      await a.bus.publish('test:big', big);
      const [message] = await atB;
      assert.deepEqual(message.data, big);
    });
  });
}

for (const { name, make } of ENGINES) {
  test(`on ${name}, a subscriber that starts before the schema exists hears messages once it does`, async () => {
    const engine = await make();
    const early = await openStore(engine.settings);
    const later = await openStore(engine.settings);
    try {
      const heard = receive(early, 1);
      await later.migrateUp();
      await new Promise((r) => setTimeout(r, 100));
      await later.bus.publish('test:after-migrate', { ok: true });
      assert.deepEqual((await heard)[0].data, { ok: true });
    } finally {
      await early.close();
      await later.close();
      await engine.cleanup();
    }
  });
}

describe('shared events ride the bus', () => {
  test('broadcast reaches listeners here at once and in the other process', async () => {
    const { Events } = await import('../../src/events.js');
    const engine = await ENGINES[0].make();
    const a = await openStore(engine.settings);
    await a.migrateUp();
    const b = await openStore(engine.settings);
    const here = new Events();
    const there = new Events();
    const stops = [await here.connect(a.bus), await there.connect(b.bus)];
    try {
      const local: unknown[] = [];
      here.on('bus:ping', (p) => local.push(p));
      // The bus's own timers do not hold the process open; this one bounds the wait.
      let timer: NodeJS.Timeout | undefined;
      const remote = Promise.race([
        new Promise((resolve) => there.on('bus:ping', resolve)),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no remote copy within 3 s')), 3000))),
      ]).finally(() => clearTimeout(timer));
      here.broadcast('bus:ping', { from: 'a', at: 1 });
      assert.deepEqual(local, [{ from: 'a', at: 1 }]);
      assert.deepEqual(await remote, { from: 'a', at: 1 });
    } finally {
      for (const stop of stops) await stop();
      await a.close();
      await b.close();
      await engine.cleanup();
    }
  });
});

describe('the SQLite bus file', () => {
  /** Two stores on a fresh SQLite home (`before` runs on the empty home first); `a` publishes `data`, `b` must hear it. */
  async function publishAcross(data: object, before: (home: string) => void, after: (a: Store, home: string) => void): Promise<void> {
    const engine = await sqliteEngine();
    before(engine.settings.home);
    const a = await openStore(engine.settings);
    await a.migrateUp();
    const b = await openStore(engine.settings);
    try {
      const atB = receive(b, 1);
      await new Promise((r) => setTimeout(r, 100));
      await a.bus.publish('test:file', data);
      assert.deepEqual((await atB)[0].data, data);
      after(a, engine.settings.home);
    } finally {
      await a.close();
      await b.close();
      await engine.cleanup();
    }
  }

  test('bus rows go to ttops-bus.db beside the database, not into the database', async () => {
    await publishAcross(
      { ok: true },
      () => {},
      (a, home) => {
        assert.ok(existsSync(path.join(home, 'ttops-bus.db')));
        const { db } = a as SqliteStore;
        assert.equal((db.prepare('SELECT count(*) AS n FROM bus_messages').get() as { n: number }).n, 0);
      },
    );
  });

  test('a bus file that is not a database (a power cut under synchronous = OFF) is started afresh', async () => {
    await publishAcross(
      { n: 1 },
      (home) => {
        mkdirSync(home, { recursive: true });
        writeFileSync(path.join(home, 'ttops-bus.db'), Buffer.alloc(8192, 0x5a));
      },
      () => {},
    );
  });
});
