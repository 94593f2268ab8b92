/**
 * The queue contract on both engines: claims are exclusive, leases expire, dedupe keys hold,
 * priorities order, money moves with state, finished rows leave the claim path.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const future = (ms: number) => new Date(Date.now() + ms).toISOString();
const SUITE_START = new Date(Date.now() - 1000).toISOString();

for (const { name, make } of ENGINES) {
  describe(`queue contract on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let userId: number;

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      userId = (await store.ensureTelegramUser(1001)).id;
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('claims are exclusive under concurrency and ordered by priority then time', async () => {
      await store.enqueueJobs([{ kind: 'noop', priority: 5, payload: { n: 'late' } }, { kind: 'noop', priority: -1, payload: { n: 'first' } }, ...Array.from({ length: 40 }, (_, i) => ({ kind: 'noop', payload: { i } }))]);
      const [firstBatch] = await Promise.all([store.claimJobs('w-a', 1, 5000)]);
      assert.equal(firstBatch[0].payload.n, 'first');
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => store.claimJobs(`w-${i}`, 6, 5000)));
      const ids = claims.flat().map((j) => j.id);
      assert.equal(new Set(ids).size, ids.length, 'no job claimed twice');
      assert.equal(ids.length, 41);
      const all = claims.flat();
      assert.ok(all.every((j) => j.status === 'running' && j.lockedBy?.startsWith('w-')));
      assert.equal(all.find((j) => j.payload.n === 'late')?.priority, 5);
      for (const batch of claims) await store.completeJobs(batch[0]?.lockedBy ?? 'none', batch.map((j) => j.id));
      await store.completeJobs('w-a', firstBatch.map((j) => j.id));
      assert.deepEqual(await store.claimJobs('w-z', 10, 5000), []);
      assert.equal((await store.queueCounts()).succeeded, 42);
    });

    test('a claim can record the previous batch as done in the same round trip', async () => {
      await store.enqueueJobs(Array.from({ length: 4 }, () => ({ kind: 'batch.test' })));
      const first = await store.claimJobs('b', 2, 60_000, ['batch.test']);
      const second = await store.claimJobs('b', 2, 60_000, ['batch.test'], first.map((j) => j.id));
      assert.equal(second.length, 2);
      assert.ok(second.every((j) => !first.some((f) => f.id === j.id)));
      for (const j of first) assert.equal((await store.findJob(j.id))?.status, 'succeeded');
      const other = await store.claimJobs('not-b', 1, 60_000, ['batch.test'], second.map((j) => j.id));
      assert.deepEqual(other, []);
      for (const j of second) assert.equal((await store.findJob(j.id))?.status, 'running', 'only the holder can finish its jobs');
      await store.completeJobs('b', second.map((j) => j.id));
    });

    test('future jobs wait for run_at; kinds filter what a worker takes', async () => {
      const [later] = await store.enqueueJobs([{ kind: 'noop', runAt: future(60_000) }]);
      const [other] = await store.enqueueJobs([{ kind: 'other.kind' }]);
      assert.deepEqual(await store.claimJobs('w', 10, 5000, ['noop']), []);
      const claimed = await store.claimJobs('w', 10, 5000, ['other.kind']);
      assert.deepEqual(claimed.map((j) => j.id), [other.id]);
      await store.completeJobs('w', [other.id]);
      assert.equal((await store.findJob(later.id))?.status, 'queued');
    });

    test('a dead worker loses its jobs when the lease runs out; heartbeats keep them', async () => {
      const [job] = await store.enqueueJobs([{ kind: 'lease.test' }]);
      assert.equal((await store.claimJobs('dead', 1, 300, ['lease.test'])).length, 1);
      const [kept] = await store.enqueueJobs([{ kind: 'lease.kept' }]);
      await store.claimJobs('alive', 1, 300, ['lease.kept']);
      assert.deepEqual(await store.claimJobs('other', 1, 300, ['lease.test']), [], 'not before the lease ends');
      await new Promise((r) => setTimeout(r, 200));
      await store.heartbeat({ id: 'alive', hostname: 'h', pid: 1, instance: '1', concurrency: 1, running: 1, stopping: false }, 300, [kept.id]);
      await new Promise((r) => setTimeout(r, 250));
      const stolen = await store.claimJobs('other', 5, 5000, ['lease.test', 'lease.kept']);
      assert.deepEqual(stolen.map((j) => j.id), [job.id], 'the heartbeated job stays with its worker');
      assert.equal(stolen[0].attempts, 1, 'a recovered job counts an attempt');
      assert.equal(await store.transitionJob('dead', job.id, { status: 'succeeded' }), undefined, 'the dead worker cannot finish it any more');
      assert.equal((await store.transitionJob('other', job.id, { status: 'succeeded', result: { ok: true } }))?.status, 'succeeded');
      assert.equal((await store.listWorkers()).find((w) => w.id === 'alive')?.running, 1);
      await store.completeJobs('alive', [kept.id]);
    });

    test('dedupe keys make enqueueing idempotent', async () => {
      const [a] = await store.enqueueJobs([{ kind: 'dedupe', dedupeKey: 'daily-report:2026-11-22' }]);
      const [b] = await store.enqueueJobs([{ kind: 'dedupe', dedupeKey: 'daily-report:2026-11-22' }]);
      assert.equal(a.id, b.id);
      const both = await store.enqueueJobs([{ kind: 'dedupe', dedupeKey: 'daily-report:2026-11-22' }, { kind: 'dedupe', dedupeKey: 'daily-report:2026-11-23' }]);
      assert.equal(new Set(both.map((j) => j.id)).size, 2);
      assert.ok(both.some((j) => j.id === a.id));
    });

    test('releasing on shutdown puts running jobs back without counting an attempt', async () => {
      await store.enqueueJobs([{ kind: 'release.test' }]);
      const [job] = await store.claimJobs('leaving', 1, 60_000, ['release.test']);
      assert.equal(await store.releaseJobs('leaving'), 1);
      const [again] = await store.claimJobs('next', 1, 60_000, ['release.test']);
      assert.equal(again.id, job.id);
      assert.equal(again.attempts, 0);
      await store.completeJobs('next', [again.id]);
    });

    test('an order debits in the same transaction; short balance creates nothing', async () => {
      await assert.rejects(store.createOrder({ userId, orderId: 'o-0', costPerJob: 1, jobs: [{ kind: 'video.generate' }] }), { code: 'insufficient_credits', status: 402 });
      assert.equal((await store.listJobs({ orderId: 'o-0' })).length, 0);
      assert.equal(await store.grantCredits(userId, 3, 'test', { actor: 't' }), 3);
      const order = await store.createOrder({ userId, orderId: 'o-1', costPerJob: 1, jobs: [{ kind: 'video.generate' }, { kind: 'video.generate' }], outbox: [{ dedupeKey: 'order:o-1:started', kind: 'started', chatId: '1001', message: 'hi' }] });
      assert.equal(order.credits, 1);
      assert.equal(order.jobs.length, 2);
      assert.ok(order.jobs.every((j) => j.orderId === 'o-1' && j.userId === userId));
      await assert.rejects(store.createOrder({ userId, orderId: 'o-2', costPerJob: 1, jobs: [{ kind: 'video.generate' }, { kind: 'video.generate' }] }), { code: 'insufficient_credits' });
      const ledger = await store.ledger(userId, 10);
      assert.deepEqual(ledger.map((e) => e.delta).sort(), [-1, -1, 3]);
      assert.equal(ledger.reduce((s, e) => s + e.delta, 0), (await store.findUserById(userId))!.credits);
    });

    test('a terminal failure refunds once and queues its message in the same transaction', async () => {
      const [job] = (await store.listJobs({ orderId: 'o-1' })).slice(-1);
      const claimed = await store.claimJobs('money', 10, 60_000, ['video.generate']);
      assert.ok(claimed.some((j) => j.id === job.id));
      const refund = { userId, amount: 1, reason: 'provider_content_policy' };
      const outbox = [{ dedupeKey: `job:${job.id}:failed`, kind: 'failed', chatId: '1001', message: 'refunded', jobId: job.id }];
      const failed = await store.transitionJob('money', job.id, { status: 'failed', errorCode: 'provider_content_policy', refund, outbox });
      assert.equal(failed?.status, 'failed');
      assert.equal(failed?.refunded, true);
      assert.ok(failed?.finishedAt);
      const balance = (await store.findUserById(userId))!.credits;
      assert.equal(balance, 2);
      const ledger = await store.ledger(userId, 10);
      assert.equal(ledger.filter((e) => e.kind === 'refund' && e.jobId === job.id).length, 1);
      assert.equal(ledger.reduce((s, e) => s + e.delta, 0), balance);
      const notify = (await store.claimJobs('money', 10, 60_000, ['notify.telegram'])).map((j) => j.payload.outbox_id);
      assert.equal(notify.length, 2, 'one message for the order start, one for the failure');
      const messages = await Promise.all(notify.map((id) => store.findOutbox(Number(id))));
      assert.deepEqual(messages.map((m) => m?.kind).sort(), ['failed', 'started']);
      await store.releaseJobs('money');
    });

    test('waiting jobs hold no lease; a callback wakes them; the provider task id is unique', async () => {
      await store.enqueueJobs([{ kind: 'wait.test' }]);
      const [job] = await store.claimJobs('w', 1, 60_000, ['wait.test']);
      const waiting = await store.transitionJob('w', job.id, { status: 'waiting_provider', providerTaskId: `task-${name}-1`, runAt: future(600_000), payloadPatch: { key_index: 1 } });
      assert.equal(waiting?.lockedBy, null);
      assert.equal(waiting?.payload.key_index, 1);
      assert.equal((await store.findJobByProviderTask(`task-${name}-1`))?.id, job.id);
      assert.deepEqual(await store.claimJobs('w', 1, 60_000, ['wait.test']), []);
      assert.equal(await store.wakeJob(job.id), true);
      const [woken] = await store.claimJobs('w', 1, 60_000, ['wait.test']);
      assert.equal(woken.id, job.id);
      assert.equal(woken.attempts, 0, 'waking is not an attempt');
      await store.transitionJob('w', job.id, { status: 'succeeded' });
      assert.equal(await store.wakeJob(job.id), false, 'a finished job is not woken again');
    });

    test('finished jobs are pruned by age and never reach the claim path', async () => {
      const before = (await store.queueCounts()).succeeded;
      assert.ok(before > 0);
      // Jobs finished during this suite, not before it: nothing is older than its start.
      assert.equal(await store.pruneFinishedJobs(SUITE_START), 0);
      const pruned = await store.pruneFinishedJobs(future(1000));
      assert.ok(pruned >= before);
      assert.equal((await store.queueCounts()).succeeded, 0);
    });

    test('a subscriber hears about new work', async () => {
      let heard = 0;
      const stop = await store.onJobsAvailable(() => heard++);
      const baseline = heard;
      await store.enqueueJobs([{ kind: 'notify.check' }]);
      for (let i = 0; i < 50 && heard === baseline; i++) await new Promise((r) => setTimeout(r, 20));
      await stop();
      assert.ok(heard > baseline);
    });
  });
}
