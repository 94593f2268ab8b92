/**
 * Reminders on both engines: the scan finds the Telegram users whose license ends within 3
 * days (and 1 day) and whose balance just fell below LOW_BALANCE_CREDITS, writes one outbox
 * row each, never a second one — not on a re-run, not from two processes at once — and a
 * renewed license or a new fall gets a new one. Last, the scan as a queued job, delivered by
 * a real worker to the fake Bot API in each user's language.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/load.js';
import { Events } from '../../src/events.js';
import { generateKey, hashKey, keySuffix } from '../../src/licenses/key.js';
import { planRemindersScan, runRemindersScan } from '../../src/jobs/reminders.js';
import { makeHandlers } from '../../src/jobs/runtime.js';
import { Worker } from '../../src/jobs/worker.js';
import { openStore } from '../../src/store/open.js';
import type { OutboxRecord, Store, UserRecord } from '../../src/store/types.js';
import { addDays } from '../../src/time.js';
import { startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { waitFor } from '../fakes/http.js';
import { testConfig } from '../helpers/config.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const by = { actor: 'test' };
const DAY = 86_400_000;
const TOKEN = '123456:TEST-token';

/** Every outbox row, found through the delivery jobs that point at them. */
async function outboxRows(store: Store): Promise<OutboxRecord[]> {
  const jobs = (await store.listJobs({ limit: 10_000 })).filter((j) => j.kind === 'notify.telegram');
  const rows = await Promise.all(jobs.map((j) => store.findOutbox(Number(j.payload.outbox_id))));
  return rows.filter((r): r is OutboxRecord => r !== undefined).sort((a, b) => a.id - b.id);
}

for (const { name, make } of ENGINES) {
  describe(`reminders on ${name}`, () => {
    let engine: TestEngine;
    let config: Config;
    let store: Store;
    let tgSeq = 70_000;
    const start = Date.now();

    /** A Telegram user holding a license redeemed at `redeemedAt` for `days` days. */
    const licensed = async (days: number, redeemedAt = start, telegram = true): Promise<UserRecord> => {
      const key = generateKey();
      await store.issueLicenses([{ keyHash: hashKey(key), keySuffix: keySuffix(key), plan: 'pro', ttlDays: days, expiresAt: addDays(new Date().toISOString(), 365) }], by);
      const account = telegram
        ? ({ kind: 'existing', userId: (await store.ensureTelegramUser(++tgSeq)).id } as const)
        : ({ kind: 'new', username: `web${++tgSeq}`, passwordHash: 'x' } as const);
      return (await store.redeemLicense({ keyHash: hashKey(key), now: new Date(redeemedAt).toISOString(), account, actor: 'test' })).user;
    };
    const renew = async (user: UserRecord, days: number) => {
      const key = generateKey();
      await store.issueLicenses([{ keyHash: hashKey(key), keySuffix: keySuffix(key), plan: 'pro', ttlDays: days, expiresAt: addDays(new Date().toISOString(), 365) }], by);
      return (await store.redeemLicense({ keyHash: hashKey(key), now: new Date().toISOString(), account: { kind: 'existing', userId: user.id }, actor: 'test' })).user;
    };
    const scan = (now: number, s: Store = store) => runRemindersScan({ store: s, lowBalanceCredits: 1, now: () => now });
    const rowsFor = async (user: UserRecord) => (await outboxRows(store)).filter((r) => r.chatId === String(user.telegramId));
    const spend = (user: UserRecord, jobs: number) => store.createOrder({ userId: user.id, orderId: `spend-${user.id}-${Math.random()}`, costPerJob: 1, jobs: Array.from({ length: jobs }, () => ({ kind: 'noop' })) });

    before(async () => {
      engine = await make();
      config = testConfig({ ...engine.env });
      store = await openStore(config);
      await store.migrateUp();
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('licenses: 3 days and 1 day before, Telegram users only, one row each, in their language', async () => {
      const at = start + 27.5 * DAY; // the moment the scan runs
      const in2_5 = await licensed(30); // ends 2.5 days after `at`
      const in0_5 = await licensed(28); // 0.5 days
      const far = await licensed(40); // 12.5 days: not yet
      const ended = await licensed(27); // ended half a day before
      const web = await licensed(30, start, false); // no Telegram: nobody to tell
      await store.writeBotSession(`lang:${in0_5.telegramId}`, 'en');

      const first = await scan(at);
      const rows = (await outboxRows(store)).filter((r) => r.dedupeKey.startsWith('remind:license'));
      assert.deepEqual(rows.map((r) => r.dedupeKey), [`remind:license_3d:${in2_5.id}:${in2_5.licenseExpiresAt}`, `remind:license_1d:${in0_5.id}:${in0_5.licenseExpiresAt}`]);
      assert.equal(first.written, 2);
      assert.deepEqual(rows.map((r) => r.chatId), [String(in2_5.telegramId), String(in0_5.telegramId)]);
      assert.match(rows[0].message, /меньше чем через 3 дня/, 'Russian without a stored language');
      assert.match(rows[1].message, /less than a day/, 'English when the user chose it');
      assert.ok(rows.every((r) => r.status === 'pending' && r.kind.startsWith('remind_license')));
      for (const user of [far, ended]) assert.deepEqual(await rowsFor(user), []);
      assert.equal(web.telegramId, null);

      // Half a day on, the first one is within a day too: its 1-day reminder, once.
      const later = await scan(at + 1.6 * DAY);
      assert.equal(later.written, 1);
      assert.deepEqual((await rowsFor(in2_5)).map((r) => r.dedupeKey.split(':')[1]), ['license_3d', 'license_1d']);
    });

    test('a second scan, and two processes scanning at once, write nothing more', async () => {
      const at = start + 27.5 * DAY;
      const before = (await outboxRows(store)).length;
      assert.equal((await scan(at)).written, 0);
      const other = await openStore(config); // another process on the same database
      try {
        await licensed(30); // something new for both to find
        const [a, b] = await Promise.all([scan(at, store), scan(at, other)]);
        assert.equal(a.written + b.written, 1, 'exactly one of them wrote the new reminder');
        assert.equal((await outboxRows(store)).length, before + 1);
        const jobs = (await store.listJobs({ limit: 10_000 })).filter((j) => j.kind === 'notify.telegram');
        assert.equal(new Set(jobs.map((j) => j.payload.outbox_id)).size, jobs.length, 'one delivery job per row');
      } finally {
        await other.close();
      }
    });

    test('a license renewed after its reminder is reminded again before the new end', async () => {
      const user = await licensed(30);
      await scan(start + 27.5 * DAY);
      const renewed = await renew(user, 30);
      assert.equal(renewed.licenseExpiresAt, addDays(user.licenseExpiresAt!, 30));
      assert.equal((await scan(start + 27.5 * DAY)).written, 0, 'no reminder while the new end is far');
      await scan(start + 57.5 * DAY);
      await scan(start + 57.6 * DAY);
      assert.deepEqual((await rowsFor(user)).map((r) => r.dedupeKey), [`remind:license_3d:${user.id}:${user.licenseExpiresAt}`, `remind:license_3d:${user.id}:${renewed.licenseExpiresAt}`]);
    });

    test('low balance: once per fall below the threshold, never for a balance that never was', async () => {
      const now = Date.now();
      const user = await store.ensureTelegramUser(++tgSeq);
      const never = await store.ensureTelegramUser(++tgSeq); // 0 credits from the start
      await store.grantCredits(user.id, 3, 'test', by);
      await spend(user, 2);
      assert.equal((await scan(now)).lowBalance, 0, '1 credit left is not below 1');
      await spend(user, 1);
      const first = await scan(Date.now());
      const [fall] = await store.ledger(user.id, 1);
      assert.deepEqual((await rowsFor(user)).map((r) => r.dedupeKey), [`remind:low_balance:${user.id}:${fall.id}`]);
      assert.ok(first.written >= 1);
      await scan(Date.now());
      assert.equal((await rowsFor(user)).length, 1, 'the same fall is not reminded twice');
      await store.grantCredits(user.id, 2, 'top-up', by);
      await scan(Date.now());
      assert.equal((await rowsFor(user)).length, 1, 'nothing while topped up');
      await spend(user, 2);
      await scan(Date.now());
      const [secondFall] = await store.ledger(user.id, 1);
      assert.deepEqual((await rowsFor(user)).map((r) => r.dedupeKey), [`remind:low_balance:${user.id}:${fall.id}`, `remind:low_balance:${user.id}:${secondFall.id}`]);
      assert.match((await rowsFor(user))[1].message, /осталось 0 кредит/);
      assert.deepEqual(await rowsFor(never), []);
      // A fall older than the look-back is history: a scan a month on finds nothing new.
      assert.equal((await scan(Date.now() + 30 * DAY)).lowBalance, 0);
    });

    test('the scan as a job: a worker runs it and the reminders reach the fake Bot API', async () => {
      const tg: FakeTelegramServer = await startFakeTelegram({ token: TOKEN });
      const cfg = testConfig({ ...engine.env, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, JOB_POLL_MS: '50' });
      const worker = new Worker({ store, handlers: makeHandlers(cfg, store, { telegramMs: 1500, providerMs: 1500 }), events: new Events(), concurrency: 4, leaseMs: cfg.jobs.leaseMs, pollMs: cfg.jobs.pollMs });
      try {
        const ending = await licensed(30, Date.now() - 28 * DAY); // ends in 2 days, really
        await store.writeBotSession(`lang:${ending.telegramId}`, 'en');
        const broke = await store.ensureTelegramUser(++tgSeq);
        await store.grantCredits(broke.id, 1, 'test', by);
        await spend(broke, 1);
        const [job] = await store.enqueueJobs([planRemindersScan(Date.now())]);
        assert.deepEqual((await store.enqueueJobs([planRemindersScan(Date.now())])).map((j) => j.id), [job.id], 'one scan per hour however often it is enqueued');
        await worker.start();
        const textsTo = (u: UserRecord) => tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(u.telegramId)).map((c) => String(c.payload.text));
        await waitFor(() => textsTo(ending).length === 1 && textsTo(broke).length === 1, 8000, 'both reminders delivered');
        assert.match(textsTo(ending)[0], /Your ttops license ends in less than 3 days/);
        assert.match(textsTo(broke)[0], /На балансе осталось 0/);
        const done = await store.findJob(job.id);
        assert.equal(done?.status, 'succeeded');
        assert.ok(Number(done?.result?.written) >= 2);
        for (let i = 0; ; i++) {
          const rows = [...(await rowsFor(ending)), ...(await rowsFor(broke))];
          if (rows.length === 2 && rows.every((r) => r.status === 'sent' && r.telegramMessageId !== null)) break;
          if (i > 200) assert.fail(`outbox rows not marked sent: ${JSON.stringify(rows.map((r) => r.status))}`);
          await new Promise((r) => setTimeout(r, 25));
        }
      } finally {
        await worker.stop(1000);
        await tg.close();
      }
    });
  });
}
