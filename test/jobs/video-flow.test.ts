/**
 * Video generation end to end on both engines: an order through the API, a worker in
 * process, the fake provider and the fake Bot API over real HTTP. Money, messages and
 * final states are checked against the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../../src/api/app.js';
import type { Config } from '../../src/config/load.js';
import { Events } from '../../src/events.js';
import { createVideoOrder } from '../../src/jobs/orders.js';
import { makeHandlers } from '../../src/jobs/runtime.js';
import { Worker } from '../../src/jobs/worker.js';
import { openStore } from '../../src/store/open.js';
import type { JobRecord, Store, UserRecord } from '../../src/store/types.js';
import { GENERIC_FAIL_MSG, KIE_FAILURES, POLICY_FAIL_MSG, startFakeKie, type FakeKieServer } from '../fakes/kie-server.js';
import { TG_FAILURES, startFakeTelegram, type FakeTelegramServer } from '../fakes/telegram-server.js';
import { waitFor } from '../fakes/http.js';
import { ADMIN_KEY, JWT_SECRET } from '../helpers/app.js';
import { testConfig } from '../helpers/config.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const TOKEN = '123456:TEST-token';
const ADMIN_CHAT = '-1009999';

for (const { name, make } of ENGINES) {
  describe(`video jobs end to end on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let kie: FakeKieServer;
    let tg: FakeTelegramServer;
    let config: Config;
    let worker: Worker;
    let app: Awaited<ReturnType<typeof buildApp>>;
    let tgUser: UserRecord;
    let chatSeq = 5000;

    const finished = async (ids: number[], timeoutMs = 8000) => {
      const done = (j?: JobRecord) => j?.status === 'succeeded' || j?.status === 'failed';
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const jobs = await Promise.all(ids.map((id) => store.findJob(id)));
        if (jobs.every(done)) return jobs as JobRecord[];
        if (Date.now() > deadline) assert.fail(`jobs not finished: ${JSON.stringify(jobs.map((j) => [j?.id, j?.status, j?.lastError]))}`);
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    const textsTo = (chatId: number | string) => tg.callsOf('sendMessage').filter((c) => String(c.payload.chat_id) === String(chatId)).map((c) => String(c.payload.text));
    const ledgerMatches = async (user: UserRecord) => {
      const fresh = (await store.findUserById(user.id))!;
      const sum = (await store.ledger(user.id, 1000)).reduce((s, e) => s + e.delta, 0);
      assert.equal(sum, fresh.credits, 'ledger sum equals the balance');
      return fresh.credits;
    };
    const newTelegramUser = async (credits: number) => {
      const user = await store.ensureTelegramUser(++chatSeq);
      await store.grantCredits(user.id, credits, 'test', { actor: 'test' });
      return (await store.findUserById(user.id))!;
    };

    before(async () => {
      engine = await make();
      kie = await startFakeKie({ keys: ['kie-a', 'kie-b'], defaultTask: { outcome: 'success', durationMs: 40 } });
      tg = await startFakeTelegram({ token: TOKEN });
      config = testConfig({
        ...engine.env,
        KIE_API_KEYS: 'kie-a,kie-b',
        KIE_BASE_URL: kie.url,
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: tg.apiRoot,
        ADMIN_CHAT_ID: ADMIN_CHAT,
        PROVIDER_POLL_SECONDS: '1',
        JOB_POLL_MS: '50',
        JOB_LEASE_SECONDS: '3',
      });
      store = await openStore(config);
      await store.migrateUp();
      app = await buildApp({ config, store, secrets: { jwtSecret: JWT_SECRET, adminApiKey: ADMIN_KEY }, logger: false });
      await app.listen({ host: '127.0.0.1', port: 0 });
      config.serverHost = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
      worker = new Worker({ store, handlers: makeHandlers(config, store, { telegramMs: 1500, providerMs: 3000 }), events: new Events(), concurrency: 8, leaseMs: config.jobs.leaseMs, pollMs: config.jobs.pollMs });
      await worker.start();
      tgUser = await newTelegramUser(0);
    });
    after(async () => {
      await worker.stop(1000);
      await app.close();
      await store.close();
      await kie.close();
      await tg.close();
      await engine.cleanup();
    });

    test('POST /v2/jobs: 402 with nothing created when short, 201 and queued when paid', async () => {
      const key = (await app.inject({ method: 'POST', url: '/v2/license/issue', headers: { 'admin-api-key': ADMIN_KEY }, payload: { plan: 'pro', ttl_days: 30 } })).json().key;
      const token = (await app.inject({ method: 'POST', url: '/v2/auth/redeem-license', payload: { username: 'orderer', password: 'orderer-pass', license_key: key } })).json().access_token;
      const auth = { authorization: `Bearer ${token}` };
      const order = { template: 'unboxing', product_name: 'Mug', image_url: 'https://img.example/mug.jpg', count: 2 };
      const short = await app.inject({ method: 'POST', url: '/v2/jobs', headers: auth, payload: order });
      assert.equal(short.statusCode, 402);
      assert.equal(short.json().error.code, 'insufficient_credits');
      assert.deepEqual((await app.inject({ method: 'GET', url: '/v2/jobs', headers: auth })).json(), []);
      const me = (await app.inject({ method: 'GET', url: '/v2/auth/me', headers: auth })).json();
      await store.grantCredits(me.id, 2, 'test', { actor: 'test' });
      const created = await app.inject({ method: 'POST', url: '/v2/jobs', headers: auth, payload: order });
      assert.equal(created.statusCode, 201, created.body);
      assert.equal(created.json().credits, 0);
      assert.equal(created.json().jobs.length, 2);
      assert.match(created.json().order_id, /^[0-9a-f-]{36}$/);
      const jobs = await finished(created.json().jobs.map((j: { id: number }) => j.id));
      assert.ok(jobs.every((j) => j.status === 'succeeded'));
      const view = (await app.inject({ method: 'GET', url: `/v2/jobs/${jobs[0].id}`, headers: auth })).json();
      assert.deepEqual(Object.keys(view).sort(), ['attempts', 'error_code', 'id', 'refunded', 'result_urls', 'status']);
      assert.equal(view.result_urls.length, 1);
      assert.equal((await app.inject({ method: 'GET', url: '/v2/jobs/999999', headers: auth })).statusCode, 404);
      const bad = await app.inject({ method: 'POST', url: '/v2/jobs', headers: auth, payload: { ...order, count: 9 } });
      assert.equal(bad.statusCode, 400);
    });

    test('a paid order: one "started" message, one message per video, results stored', async () => {
      const user = await newTelegramUser(3);
      const order = await createVideoOrder(store, user, { template: 'promo', product_name: 'Lamp', image_url: 'https://img.example/lamp.jpg', count: 3 }, 1);
      const jobs = await finished(order.jobs.map((j) => j.id));
      assert.ok(jobs.every((j) => j.status === 'succeeded' && j.providerTaskId));
      assert.ok(jobs.every((j) => (j.result?.result_urls as string[]).length === 1));
      await waitFor(() => textsTo(user.telegramId!).length === 4, 5000, 'four messages');
      const texts = textsTo(user.telegramId!);
      assert.equal(texts.filter((t) => t.includes('Генерация началась')).length, 1);
      assert.equal(texts.filter((t) => t.includes('Видео готово')).length, 3);
      assert.equal(await ledgerMatches(user), 0);
    });

    test('a content-policy refusal fails the job, refunds once and tells the user once', async () => {
      const user = await newTelegramUser(1);
      kie.scriptNextTask({ outcome: 'fail', failMsg: POLICY_FAIL_MSG, durationMs: 20 });
      const order = await createVideoOrder(store, user, { template: 'promo', product_name: 'Person photo', image_url: 'https://img.example/p.jpg', count: 1 }, 1);
      const [job] = await finished([order.jobs[0].id]);
      assert.equal(job.status, 'failed');
      assert.equal(job.errorCode, 'provider_content_policy');
      assert.equal(job.refunded, true);
      await waitFor(() => textsTo(user.telegramId!).some((t) => t.includes('правила')), 5000, 'policy message');
      assert.equal(textsTo(user.telegramId!).filter((t) => t.includes('Кредит возвращён')).length, 1);
      assert.equal(await ledgerMatches(user), 1, 'the credit came back');
      assert.ok(!textsTo(ADMIN_CHAT).some((t) => t.includes(`job ${job.id}`)), 'no admin alert for the user\'s own fault');
    });

    test('a permanent provider failure refunds and alerts the admin', async () => {
      const user = await newTelegramUser(1);
      kie.scriptNextTask({ outcome: 'fail', failMsg: GENERIC_FAIL_MSG, failCode: '501', durationMs: 20 });
      const order = await createVideoOrder(store, user, { template: 'promo', product_name: 'Chair', count: 1 }, 1);
      const [job] = await finished([order.jobs[0].id]);
      assert.equal(job.status, 'failed');
      assert.equal(job.refunded, true);
      await waitFor(() => textsTo(ADMIN_CHAT).some((t) => t.includes(`job ${job.id} failed`)), 5000, 'admin alert');
      assert.equal(await ledgerMatches(user), 1);
    });

    test('a 401 on the first key rotates to the second; the call still succeeds', async () => {
      kie.setKeyFailure('kie-a', KIE_FAILURES.unauthorized);
      const user = await newTelegramUser(2);
      const seen = kie.calls.length;
      // Keys are used round-robin, so of two submissions at least one starts on the bad key.
      const order = await createVideoOrder(store, user, { template: 'promo', product_name: 'Cup', count: 2 }, 1);
      const jobs = await finished(order.jobs.map((j) => j.id));
      kie.setKeyFailure('kie-a', null);
      assert.ok(jobs.every((j) => j.status === 'succeeded' && j.payload.key_index === 1), JSON.stringify(jobs.map((j) => [j.status, j.payload.key_index])));
      assert.ok(kie.calls.slice(seen).some((c) => c.op === 'createTask' && c.key === 'kie-a' && c.code === 401));
    });

    test('the worker does not sit on a slot while the provider works; the callback finishes it early', async () => {
      kie.scriptNextTask({ outcome: 'success', durationMs: Infinity });
      const user = await newTelegramUser(1);
      const order = await createVideoOrder(store, user, { template: 'promo', product_name: 'Slow', count: 1 }, 1);
      await waitFor(() => worker.busy === 0 && kie.inFlight() > 0, 5000, 'task submitted');
      let job = (await store.findJob(order.jobs[0].id))!;
      await waitFor(() => true, 10);
      job = (await store.findJob(order.jobs[0].id))!;
      assert.equal(job.status, 'waiting_provider');
      assert.equal(job.lockedBy, null, 'no lease held while waiting');
      kie.finish(job.providerTaskId!);
      const [done] = await finished([job.id], 3000);
      assert.equal(done.status, 'succeeded');
      assert.ok(kie.callbacks.some((c) => c.taskId === job.providerTaskId && c.status === 200), 'the callback was accepted');
      const again = await fetch(`${config.serverHost}/v2/providers/kie/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 200, data: kie.record(job.providerTaskId!) }) });
      assert.equal(again.status, 200);
      assert.equal(((await again.json()) as { status: string }).status, 'ignored', 'a repeated callback is harmless');
      const unknown = await fetch(`${config.serverHost}/v2/providers/kie/callback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 200, data: { taskId: 'nope', state: 'success', resultJson: '{"resultUrls":["https://x/y.mp4"]}' } }) });
      assert.equal(unknown.status, 404);
    });

    test('Telegram 429 is resent after retry_after; a timeout is marked unknown and never resent', async () => {
      tg.failNext('sendMessage', TG_FAILURES.tooManyRequests(1));
      const first = await store.enqueueJobs([]);
      assert.deepEqual(first, []);
      const user = await newTelegramUser(0);
      await store.createOrder({ userId: user.id, orderId: `tg-${name}`, costPerJob: 0, jobs: [], outbox: [{ dedupeKey: `test:${name}:429`, kind: 'test', chatId: String(user.telegramId), message: 'rate limited once' }] });
      await waitFor(() => textsTo(user.telegramId!).filter((t) => t === 'rate limited once').length === 2, 6000, '429 then resend');
      tg.failNext('sendMessage', TG_FAILURES.hang);
      await store.createOrder({ userId: user.id, orderId: `tg2-${name}`, costPerJob: 0, jobs: [], outbox: [{ dedupeKey: `test:${name}:hang`, kind: 'test', chatId: String(user.telegramId), message: 'slow network' }] });
      await waitFor(() => tg.hanging() === 1, 3000, 'request held');
      await new Promise((r) => setTimeout(r, 2500));
      assert.equal(textsTo(user.telegramId!).filter((t) => t === 'slow network').length, 1, 'sent once, never again');
      const counts = await store.queueCounts();
      assert.equal(counts.queued + counts.running, 0, 'nothing left to retry');
    });
  });
}
