/**
 * The LiveStore contract, one suite on SQLite and PostgreSQL: sessions and their stats,
 * raw events unique per session and msg_id, the lease (take, renew, refuse, steal once
 * expired, release) and the retention prune.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import type { LiveEventInput, LiveSessionTotals, Store } from '../../src/store/types.js';
import { ENGINES, type TestEngine } from '../helpers/engines.js';

const totals: LiveSessionTotals = {
  peakViewers: 120,
  gifts: 7,
  diamonds: 3_000_000_000,
  likes: 900,
  follows: 3,
  shares: 2,
  joins: 40,
  topGifters: [{ unique_id: 'ann', nickname: 'Ann ✨', diamonds: 2_999_999_999 }, { unique_id: 'bob', nickname: 'Bob', diamonds: 1 }],
};

function ev(msgId: string, at: string, eventType = 'like'): LiveEventInput {
  return { msgId, eventType, at, payload: JSON.stringify({ event_type: eventType, msg_id: msgId }) };
}

/** Waits until the database clock has passed `ms` more (lease expiry is judged by the database). */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const { name, make } of ENGINES) {
  describe(`LiveStore on ${name}`, () => {
    let engine: TestEngine;
    let store: Store;
    let ann: number;
    let bob: number;

    before(async () => {
      engine = await make();
      store = await openStore(engine.settings);
      await store.migrateUp();
      ann = (await store.ensureTelegramUser(1001)).id;
      bob = (await store.ensureTelegramUser(1002)).id;
    });
    after(async () => {
      await store.close();
      await engine.cleanup();
    });

    test('a session starts empty, takes its totals, ends once, and belongs to its streamer only', async () => {
      const s = await store.startLiveSession(ann, 'ann_live', 'tiktok');
      assert.equal(s.endedAt, null);
      assert.equal(s.uniqueId, 'ann_live');
      assert.deepEqual({ ...s, id: 0, startedAt: '' }, { id: 0, userId: ann, uniqueId: 'ann_live', source: 'tiktok', startedAt: '', endedAt: null, peakViewers: 0, gifts: 0, diamonds: 0, likes: 0, follows: 0, shares: 0, joins: 0, topGifters: [] });
      await store.updateLiveSession(s.id, totals, false);
      const mid = await store.findLiveSession(ann, s.id);
      assert.equal(mid?.endedAt, null);
      assert.deepEqual({ ...mid, id: 0, startedAt: '', endedAt: null, userId: 0, uniqueId: '', source: '' }, { id: 0, startedAt: '', endedAt: null, userId: 0, uniqueId: '', source: '', ...totals });
      await store.updateLiveSession(s.id, { ...totals, likes: 1000 }, true);
      const ended = await store.findLiveSession(ann, s.id);
      assert.ok(ended?.endedAt && ended.endedAt >= ended.startedAt, 'ended_at is set');
      assert.equal(ended.likes, 1000);
      await pause(20);
      await store.updateLiveSession(s.id, { ...totals, likes: 1001 }, true);
      assert.equal((await store.findLiveSession(ann, s.id))?.endedAt, ended.endedAt, 'ended_at is stamped once');
      assert.equal(await store.findLiveSession(bob, s.id), undefined, "another streamer's session is not found");
    });

    test('sessions list newest first with a limit; a new session of the same source ends one left open', async () => {
      const open = await store.startLiveSession(bob, 'bob', 'tiktok');
      const replay = await store.startLiveSession(bob, 'bob', 'replay');
      const next = await store.startLiveSession(bob, 'bob', 'tiktok');
      const listed = await store.listLiveSessions(bob, 10);
      assert.deepEqual(listed.map((s) => s.id), [next.id, replay.id, open.id]);
      assert.ok(listed[2].endedAt, 'the abandoned tiktok session was ended');
      assert.equal(listed[1].endedAt, null, 'a replay running beside it is left alone');
      assert.deepEqual((await store.listLiveSessions(bob, 1)).map((s) => s.id), [next.id]);
      assert.ok((await store.listLiveSessions(ann, 10)).every((s) => s.userId === ann));
    });

    test('raw events are unique per session and msg_id', async () => {
      const a = await store.startLiveSession(ann, 'ann', 'replay');
      const b = await store.startLiveSession(ann, 'ann', 'tiktok');
      const now = new Date().toISOString();
      assert.equal(await store.addLiveEvents(a.id, [ev('m1', now), ev('m2', now, 'gift')]), 2);
      assert.equal(await store.addLiveEvents(a.id, [ev('m2', now), ev('m3', now)]), 1, 'm2 again is skipped');
      assert.equal(await store.addLiveEvents(b.id, [ev('m1', now)]), 1, 'the same msg_id in another session is kept');
      assert.equal(await store.addLiveEvents(a.id, []), 0);
      const rows = await store.listLiveEvents(a.id, 10);
      assert.deepEqual(rows.map((r) => [r.msgId, r.eventType]), [['m1', 'like'], ['m2', 'gift'], ['m3', 'like']]);
      assert.equal(rows[0].at, now);
      assert.deepEqual(JSON.parse(rows[1].payload), { event_type: 'gift', msg_id: 'm2' });
    });

    test('the retention prune deletes raw events older than the cut-off and keeps the session', async () => {
      const s = await store.startLiveSession(bob, 'bob', 'replay');
      const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
      const recent = new Date(Date.now() - 86_400_000).toISOString();
      await store.addLiveEvents(s.id, [ev('old1', old), ev('old2', old), ev('new1', recent)]);
      const deleted = await store.pruneLiveEvents(new Date(Date.now() - 30 * 86_400_000).toISOString());
      assert.equal(deleted, 2);
      assert.deepEqual((await store.listLiveEvents(s.id, 10)).map((r) => r.msgId), ['new1']);
      assert.ok(await store.findLiveSession(bob, s.id));
    });

    test('the lease: take, renew, refuse a second holder, steal once expired, release only by its holder', async () => {
      assert.equal((await store.findLiveLease(ann)).lease, null);
      assert.equal(await store.takeLiveLease(ann, 'A', 60_000), true, 'nobody holds it: A takes it');
      const view = await store.findLiveLease(ann);
      assert.equal(view.lease?.holder, 'A');
      assert.ok(view.lease!.until > view.now + 50_000 && view.lease!.until <= view.now + 60_000, 'lease_until is the database now + ttl');
      assert.equal(await store.takeLiveLease(ann, 'B', 60_000), false, 'B cannot take a live lease');
      assert.equal(await store.takeLiveLease(ann, 'A', 60_000), true, 'A renews');
      assert.equal(await store.releaseLiveLease(ann, 'B'), false, 'B cannot release it');
      assert.equal((await store.findLiveLease(ann)).lease?.holder, 'A');

      assert.equal(await store.takeLiveLease(bob, 'A', 150), true);
      await pause(400);
      const expired = await store.findLiveLease(bob);
      assert.ok(expired.lease!.until < expired.now, 'the short lease ran out');
      assert.equal(await store.takeLiveLease(bob, 'B', 60_000), true, 'B takes over an expired lease');
      assert.equal((await store.findLiveLease(bob)).lease?.holder, 'B');
      assert.equal(await store.takeLiveLease(bob, 'A', 60_000), false, 'A lost it');

      assert.equal(await store.releaseLiveLease(ann, 'A'), true);
      assert.equal((await store.findLiveLease(ann)).lease, null);
      assert.equal(await store.takeLiveLease(ann, 'B', 60_000), true, 'a released lease is free at once');
    });

    test('of many processes racing for a free lease, exactly one wins', async () => {
      const carol = (await store.ensureTelegramUser(1003)).id;
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.takeLiveLease(carol, `P${i}`, 60_000)));
      assert.equal(results.filter(Boolean).length, 1);
    });
  });
}
