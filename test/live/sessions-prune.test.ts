/**
 * The raw-event retention: one `live.prune` job per hour however many processes enqueue it,
 * and its handler (as the workers run it) deletes only events past LIVE_EVENT_RETENTION_DAYS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeHandlers } from '../../src/jobs/runtime.js';
import { LIVE_PRUNE_KIND, planLivePrune, pruneCutoff, scheduleLivePrune } from '../../src/live/sessions-prune.js';
import { openStore } from '../../src/store/open.js';
import { testConfig } from '../helpers/config.js';
import { sqliteEngine } from '../helpers/engines.js';

test('the job key changes by the hour, and the cut-off is retention days back', () => {
  const at = Date.parse('2025-03-01T10:59:59.000Z');
  assert.equal(planLivePrune(at).dedupeKey, 'live.prune:2025-03-01T10');
  assert.equal(planLivePrune(at + 1000).dedupeKey, 'live.prune:2025-03-01T11');
  assert.equal(pruneCutoff(at, 30), '2025-01-30T10:59:59.000Z');
});

test('several processes scheduling in one hour make one job; the handler deletes only expired raw events', async () => {
  const engine = await sqliteEngine();
  const config = testConfig({ ...engine.env, LIVE_EVENT_RETENTION_DAYS: '7' });
  const store = await openStore(config);
  try {
    await store.migrateUp();
    const errors: unknown[] = [];
    const stops = [scheduleLivePrune(store, (e) => errors.push(e)), scheduleLivePrune(store, (e) => errors.push(e))];
    for (const stopSchedule of stops) stopSchedule();
    let jobs: Awaited<ReturnType<typeof store.listJobs>> = [];
    for (let i = 0; i < 100 && jobs.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      jobs = (await store.listJobs({ limit: 10 })).filter((j) => j.kind === LIVE_PRUNE_KIND);
    }
    assert.deepEqual(errors, []);
    assert.equal(jobs.length, 1);

    const user = await store.ensureTelegramUser(42);
    const session = await store.startLiveSession(user.id, 'someone', 'tiktok');
    const day = 86_400_000;
    const ev = (msgId: string, age: number) => ({ msgId, eventType: 'like', at: new Date(Date.now() - age).toISOString(), payload: '{}' });
    await store.addLiveEvents(session.id, [ev('8 days', 8 * day), ev('6 days', 6 * day), ev('now', 0)]);
    const handler = makeHandlers(config, store)[LIVE_PRUNE_KIND];
    const outcome = await handler(jobs[0], {} as never);
    assert.deepEqual(outcome, { status: 'succeeded', result: { deleted: 1 } });
    assert.deepEqual((await store.listLiveEvents(session.id, 10)).map((e) => e.msgId), ['6 days', 'now']);
  } finally {
    await store.close();
    await engine.cleanup();
  }
});
