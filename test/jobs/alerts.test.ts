/**
 * Admin alerts on both engines: the same alert once per window through the outbox, none
 * without ADMIN_CHAT_ID, a silent worker with jobs waiting raises one, and provider keys
 * that all fail raise one, delivered by a real worker to the fake Bot API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Config } from '../../src/config/load.js';
import { Events } from '../../src/events.js';
import { alertTarget, planAlert, raiseAlert, raiseBillingAlert, type AlertTarget } from '../../src/jobs/alerts.js';
import { runWorkersCheck, silentWorkers } from '../../src/jobs/alerts-workers.js';
import { createVideoOrder } from '../../src/jobs/orders.js';
import { makeHandlers } from '../../src/jobs/runtime.js';
import { Worker } from '../../src/jobs/worker.js';
import { openStore } from '../../src/store/open.js';
import type { OutboxRecord, Store, WorkerRecord } from '../../src/store/types.js';
import { KIE_FAILURES, startFakeKie } from '../fakes/kie-server.js';
import { startFakeTelegram } from '../fakes/telegram-server.js';
import { waitFor } from '../fakes/http.js';
import { testConfig } from '../helpers/config.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const ADMIN_CHAT = '-100777';
const TOKEN = '123456:TEST-token';
const HOUR = 3_600_000;

async function alertRows(store: Store): Promise<OutboxRecord[]> {
  const jobs = (await store.listJobs({ limit: 10_000 })).filter((j) => j.kind === 'notify.telegram');
  const rows = await Promise.all(jobs.map((j) => store.findOutbox(Number(j.payload.outbox_id))));
  return rows.filter((r): r is OutboxRecord => r?.kind === 'admin_alert').sort((a, b) => a.id - b.id);
}

test('planAlert: the window number is the dedupe key; a long detail is cut for Telegram', () => {
  const row = planAlert('-1', { kind: 'workers_silent', detail: 'x'.repeat(5000) }, HOUR, 5 * HOUR + 1);
  assert.equal(row.dedupeKey, 'alert:workers_silent:5');
  assert.equal(planAlert('-1', { kind: 'workers_silent', detail: '' }, HOUR, 6 * HOUR - 1).dedupeKey, 'alert:workers_silent:5');
  assert.ok(row.message.length < 3100);
  assert.match(planAlert('-1', { kind: 'billing_stars_refund_failed', detail: 'd' }, HOUR, 0).message, /billing error \(stars_refund_failed\)/);
});

test('silentWorkers: old heartbeats count unless stopping or replaced by a fresh worker of the same host and instance', () => {
  const now = Date.parse('2025-01-01T12:00:00Z');
  const w = (id: string, ageS: number, extra: Partial<WorkerRecord> = {}): WorkerRecord => ({
    id, hostname: 'h1', pid: 1, instance: id, concurrency: 1, running: 0, startedAt: '2025-01-01T00:00:00Z', heartbeatAt: new Date(now - ageS * 1000).toISOString(), stopping: false, ...extra,
  });
  const workers = [w('1', 60), w('2', 60), { ...w('2', 1), id: '2b' }, w('3', 60, { stopping: true }), w('4', 14), w('5', 60, { instance: null })];
  assert.deepEqual(silentWorkers(workers, 5000, now).map((x) => x.id), ['1', '5']);
});

for (const { name, make } of ENGINES) {
  describe(`admin alerts on ${name}`, () => {
    let engine: TestEngine;
    let config: Config;
    let store: Store;
    let target: AlertTarget;

    before(async () => {
      engine = await make();
      config = testConfig({ ...engine.env, ADMIN_CHAT_ID: ADMIN_CHAT, ALERT_WINDOW_MINUTES: '60' });
      store = await openStore(config);
      await store.migrateUp();
      target = alertTarget(config, store);
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('a silent worker while jobs wait raises one alert; no waiting job, no alert', async () => {
      const leaseMs = config.jobs.leaseMs;
      await store.heartbeat({ id: 'ghost:4242:7', hostname: 'ghost', pid: 4242, instance: '7', concurrency: 4, running: 0, stopping: false }, leaseMs, []);
      const later = Date.now() + 60_000; // the heartbeat is a minute old by then
      const check = () => runWorkersCheck({ store, alerts: target, leaseMs, now: () => later });
      assert.deepEqual(await check(), { silent: 1, overdue: 0, alert: null }, 'nothing waits: no alert');
      await store.enqueueJobs([{ kind: 'noop' }]);
      const first = await check();
      assert.equal(first.alert, 'queued');
      assert.equal(first.overdue, 1);
      assert.equal((await check()).alert, 'duplicate');
      const rows = (await alertRows(store)).filter((r) => r.dedupeKey.startsWith('alert:workers_silent:'));
      assert.equal(rows.length, 1);
      assert.match(rows[0].message, /workers have gone silent/);
      assert.match(rows[0].message, /ghost:4242:7/);
    });

    test('two raises in one window → one row; the next window → another; billing alerts per code', async () => {
      const t = 1000 * HOUR + 10;
      const at = (ms: number): AlertTarget => ({ ...target, now: () => ms });
      assert.equal(await raiseAlert(at(t), { kind: 'test_kind', detail: 'first' }), 'queued');
      assert.equal(await raiseAlert(at(t + HOUR - 20), { kind: 'test_kind', detail: 'second' }), 'duplicate');
      const mine = async () => (await alertRows(store)).filter((r) => /^alert:(test_kind|billing_)/.test(r.dedupeKey));
      assert.equal((await mine()).length, 1);
      assert.equal(await raiseAlert(at(t + HOUR), { kind: 'test_kind', detail: 'third' }), 'queued');
      const rows = await mine();
      assert.deepEqual(rows.map((r) => [r.dedupeKey, r.chatId]), [['alert:test_kind:1000', ADMIN_CHAT], ['alert:test_kind:1001', ADMIN_CHAT]]);
      assert.match(rows[0].message, /first/);
      assert.equal(await raiseBillingAlert(at(t), { code: 'stars_refund_failed', detail: 'payment 7' }), 'queued');
      assert.equal(await raiseBillingAlert(at(t), { code: 'stars_refund_failed', detail: 'payment 8' }), 'duplicate');
      assert.equal(await raiseBillingAlert(at(t), { code: 'payment_mismatch', detail: 'payment 9' }), 'queued');
      assert.equal((await mine()).length, 4);
    });

    test('without ADMIN_CHAT_ID an alert is logged (once per window), never queued', async () => {
      const before = (await alertRows(store)).length;
      const logged: unknown[] = [];
      const logger = { warn: (o: unknown) => void logged.push(o), error: (o: unknown) => void logged.push(o) };
      const bare = alertTarget(testConfig({ ...engine.env }), store, logger as never);
      assert.equal(bare.adminChatId, undefined);
      assert.equal(await raiseAlert(bare, { kind: `unsent_${name}`, detail: 'a' }), 'logged');
      assert.equal(await raiseAlert(bare, { kind: `unsent_${name}`, detail: 'b' }), 'logged');
      assert.equal(logged.length, 1);
      assert.equal((await alertRows(store)).length, before);
    });

    test('every provider key rejected: one alert for many failing calls, delivered to the admin chat', async () => {
      const kie = await startFakeKie({ keys: ['kie-a', 'kie-b'] });
      const tg = await startFakeTelegram({ token: TOKEN });
      kie.setKeyFailure('kie-a', KIE_FAILURES.unauthorized);
      kie.setKeyFailure('kie-b', KIE_FAILURES.outOfCredits);
      const cfg = testConfig({ ...engine.env, ADMIN_CHAT_ID: ADMIN_CHAT, KIE_API_KEYS: 'kie-a,kie-b', KIE_BASE_URL: kie.url, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: tg.apiRoot, JOB_POLL_MS: '50' });
      const worker = new Worker({ store, handlers: makeHandlers(cfg, store, { telegramMs: 1500, providerMs: 1500 }), events: new Events(), concurrency: 4, leaseMs: cfg.jobs.leaseMs, pollMs: cfg.jobs.pollMs });
      try {
        const user = await store.ensureTelegramUser(91_001);
        await store.grantCredits(user.id, 3, 'test', { actor: 'test' });
        const order = await createVideoOrder(store, (await store.findUserById(user.id))!, { template: 'promo', product_name: 'Mug', count: 3 }, 1);
        await worker.start();
        const ids = order.jobs.map((j) => j.id);
        await waitFor(() => kie.calls.length >= 2, 5000, 'both keys tried');
        for (let i = 0; ; i++) {
          const jobs = await Promise.all(ids.map((id) => store.findJob(id)));
          if (jobs.every((j) => j?.status === 'queued' && /unusable/.test(j.lastError ?? ''))) break;
          if (i > 300) assert.fail(`jobs not rescheduled: ${JSON.stringify(jobs.map((j) => [j?.status, j?.lastError]))}`);
          await new Promise((r) => setTimeout(r, 20));
        }
        const adminTexts = () => tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === ADMIN_CHAT).map((c) => String(c.payload.text));
        await waitFor(() => adminTexts().some((t) => t.includes('API keys are failing')), 5000, 'the alert delivered');
        const rows = (await alertRows(store)).filter((r) => r.dedupeKey.startsWith('alert:provider_keys_exhausted:'));
        assert.equal(rows.length, 1, 'three jobs, one alert');
        assert.match(rows[0].message, /KIE_API_KEYS/);
        assert.ok(!rows[0].message.includes('kie-a') && !rows[0].message.includes('kie-b'), 'no key in the alert');
        assert.equal(adminTexts().filter((t) => t.includes('API keys are failing')).length, 1);
      } finally {
        await worker.stop(1000);
        await kie.close();
        await tg.close();
      }
    });
  });
}
